#!/bin/sh
#
# Run each libFuzzer target of build-fuzz/fuzz (fuzz/build.sh makes
# them) for SECONDS on a copy of its seed corpus in a temporary folder,
# one after the other, and print per target the executions, execs/s,
# the coverage libFuzzer reports (cov: edges, ft: features), the corpus
# it grew and whether it found anything. Findings (crash-*, leak-*,
# timeout-*, oom-*) and the log are kept in fuzz/findings/<target>/;
# nothing else is written outside the temporary folder.
#
# Usage: fuzz/run.sh SECONDS [TARGET...]   (exit 1 if anything was found)
#
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bld=${FUZZ_BUILD:-$top/build-fuzz}
secs=${1:-}
case "$secs" in
''|*[!0-9]*)
	echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
	exit 2
	;;
esac
shift
if [ $# -gt 0 ]; then
	targets=$*
else
	targets=$(cd "$top/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/varsel-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
found=0
printf '%-16s %10s %8s %7s %7s %7s %s\n' target execs exec/s cov ft \
    corpus result
for t in $targets; do
	bin=$bld/fuzz/$t
	if [ ! -x "$bin" ]; then
		printf '%-16s not built (run fuzz/build.sh)\n' "$t"
		found=1
		continue
	fi
	mkdir -p "$work/$t/corpus" "$work/$t/art"
	if [ -d "$top/fuzz/corpus/$t" ]; then
		cp "$top/fuzz/corpus/$t"/* "$work/$t/corpus/" 2>/dev/null
	fi
	dict=
	if [ -f "$top/fuzz/dict/$t.dict" ]; then
		dict=-dict=$top/fuzz/dict/$t.dict
	fi
	# The targets' own temporary folders go under the work folder too.
	(cd "$work/$t" && TMPDIR="$work/$t" "$bin" -max_total_time="$secs" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/$t/art/" $dict "$work/$t/corpus" \
	    >"$work/$t/log" 2>&1)
	rc=$?
	log=$work/$t/log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
	    tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
	    tail -n 1)
	last=$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	ncorp=$(ls "$work/$t/corpus" | wc -l)
	arts=$(ls "$work/$t/art" 2>/dev/null)
	if [ $rc -eq 0 ] && [ -z "$arts" ]; then
		result=nothing
	else
		found=1
		result="FOUND (rc $rc): $(echo $arts | tr '\n' ' ')"
		mkdir -p "$top/fuzz/findings/$t"
		cp "$log" "$top/fuzz/findings/$t/log"
		[ -n "$arts" ] && cp "$work/$t/art"/* "$top/fuzz/findings/$t/"
		result="$result-> fuzz/findings/$t/"
	fi
	printf '%-16s %10s %8s %7s %7s %7s %s\n' "$t" "${execs:-?}" \
	    "${rate:-?}" "${cov:-?}" "${ft:-?}" "$ncorp" "$result"
done
exit $found
