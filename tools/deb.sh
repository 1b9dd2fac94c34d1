#!/bin/sh
# Build the Debian package of this tree: build-deb/varsel_VERSION_ARCH.deb,
# checked with lintian (errors fail the build). The tree (tracked and new
# files, no build output) is copied to build-deb/src first, so the build
# writes nothing into the source folder.
#
#   tools/deb.sh            DEB_BUILD_OPTIONS=nocheck: CI runs make check
#   tools/deb.sh --check    run make check inside the package build too
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build-deb
opts="nocheck"
[ "${1:-}" = "--check" ] && opts=""

# What building the package needs beyond a build; man-db: deb-test.sh
# reads the manuals with man --warnings.
"$top/tools/deps.sh" debhelper dpkg-dev fakeroot lintian man-db

version=$(cd "$top" && dpkg-parsechangelog -S Version)
upstream=$(sed -n 's/^AC_INIT(\[varsel\], \[\([^]]*\)\].*/\1/p' \
    "$top/configure.ac")
if [ "$version" != "$upstream" ]; then
	echo "deb.sh: debian/changelog says $version, configure.ac" \
	    "$upstream: add a changelog entry" >&2
	exit 1
fi

rm -rf "$out" && mkdir -p "$out/src/varsel-$version"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	    tar --null -T - -cf -) | tar -C "$out/src/varsel-$version" -xf -
else
	(cd "$top" && tar --exclude='./build*' -cf - .) |
	    tar -C "$out/src/varsel-$version" -xf -
fi

cd "$out/src/varsel-$version"
DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b
cd "$out/src"
mv ./*.deb ./*.buildinfo ./*.changes "$out/"
deb=$(ls "$out"/varsel_*.deb)
echo "== lintian $deb"
lintian --info --display-info --fail-on error "$deb"
echo "deb.sh: built $deb"
