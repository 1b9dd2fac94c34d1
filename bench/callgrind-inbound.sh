#!/bin/sh
# Instructions varseld spends per inbound SMS (TRYGG, a 46elks form
# post, with its reply queued), counted by callgrind: bench/inbound
# runs twice against varseld under valgrind, with LOW and with HIGH
# requests, and the difference of the two totals over HIGH - LOW is the
# cost of one request, start-up and loading left out.
#
#   bench/callgrind-inbound.sh BENCH_BUILD_DIR [DAEMON_BUILD_DIR] [LOW HIGH]
#
# BENCH_BUILD_DIR holds bench/inbound (make bench); DAEMON_BUILD_DIR the
# varseld to measure (the same by default), so older builds compare.
set -eu
B=$(cd "$1" && pwd)
V=$(cd "${2:-$1}" && pwd)
LOW=${3:-1000}
HIGH=${4:-3000}
D=$(mktemp -d /tmp/varsel-cgi.XXXXXX)
trap 'rm -rf "$D"' EXIT
cat > "$D/wrap.sh" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file="$D/cg.\$CG_N.out" \
    "$V/varseld" "\$@"
WRAP
chmod +x "$D/wrap.sh"
total() {
	callgrind_annotate "$D/cg.$1.out" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
for n in "$LOW" "$HIGH"; do
	CG_N=$n VARSEL_DAEMON="$D/wrap.sh" "$B/bench/inbound" -n "$n" \
	    --runs 1 > "$D/inbound.$n.txt" 2>&1 ||
	    { cat "$D/inbound.$n.txt"; exit 1; }
done
a=$(total "$LOW")
b=$(total "$HIGH")
echo "inbound instructions a request: $(( (b - a) / (HIGH - LOW) )) ($LOW and $HIGH requests)"
