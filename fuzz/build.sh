#!/bin/sh
#
# Build the libFuzzer targets of fuzz/ with clang: configure a separate
# build folder (build-fuzz, or $FUZZ_BUILD) whose libvarsel.a carries the
# fuzzer's coverage hooks and ASan/UBSan, then link each fuzz/fuzz_*.c
# with -fsanitize=fuzzer,address,undefined and the project's DEPS_LIBS.
# The targets land in <build>/fuzz/. Usage: fuzz/build.sh [TARGET...]
#
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bld=${FUZZ_BUILD:-$top/build-fuzz}
CC=${CC:-clang}
CXX=${CXX:-clang++}
# UBSan findings abort (a crash libFuzzer keeps) instead of printing on.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all \
-fno-omit-frame-pointer"
LIBFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined \
-fno-sanitize-recover=all -fno-omit-frame-pointer"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz/build.sh: $CC not found (apt-get install -y clang)" >&2
	exit 1
fi
if [ ! -x "$top/configure" ]; then
	(cd "$top" && ./bootstrap)
fi
mkdir -p "$bld/fuzz"
if [ ! -f "$bld/Makefile" ]; then
	echo "fuzz/build.sh: configuring $bld"
	(cd "$bld" && CC="$CC" CXX="$CXX" CFLAGS="$LIBFLAGS" \
	    CXXFLAGS="$LIBFLAGS" "$top/configure" -q --disable-tests)
fi
make -C "$bld" -s -j2 libvarsel.a

# The flags and libraries as the project's Makefile has them.
mkvars=$(mktemp)
trap 'rm -f "$mkvars"' EXIT
cat >"$mkvars" <<'MK'
print-%:
	@echo $($*)
MK
mkvar() {
	make -C "$bld" -s --no-print-directory -f Makefile -f "$mkvars" \
	    "print-$1"
}
deps_libs=$(mkvar DEPS_LIBS)
am_cflags=$(mkvar AM_CFLAGS)

if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(cd "$top/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
fi
for t in $targets; do
	echo "fuzz/build.sh: $t"
	# shellcheck disable=SC2086 # the flag lists are meant to split
	"$CC" -g -O1 $SAN -fsanitize=fuzzer $am_cflags -D_GNU_SOURCE \
	    -I"$top" -I"$top/gateway" -DVARSEL_SRCDIR="\"$top\"" \
	    -c "$top/fuzz/$t.c" -o "$bld/fuzz/$t.o"
	# shellcheck disable=SC2086
	"$CXX" $SAN -fsanitize=fuzzer -o "$bld/fuzz/$t" "$bld/fuzz/$t.o" \
	    "$bld/libvarsel.a" $deps_libs
done
echo "fuzz/build.sh: targets in $bld/fuzz"
