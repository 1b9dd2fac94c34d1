#!/bin/bash
# Instructions varseld spends per message of one fan-out, counted by
# callgrind (repeatable on a busy machine, unlike time): a fake 46elks,
# varseld under valgrind with instrumentation off while N contacts load,
# on from the POST of one alert to all of them until the fake has
# accepted N requests. Prints the count per message and writes the top
# functions by self cost to top.txt in the run's folder.
#
#   bench/callgrind.sh BUILD_DIR [N]      (N = 2000 by default)
#
# BUILD_DIR holds varseld and tests/fakes/fake_provider; the templates
# are read from this source tree.
set -eu
B=$(cd "$1" && pwd)
N=${2:-2000}
top=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/varsel-cg.XXXXXX)
cd "$D"
"$B/tests/fakes/fake_provider" --user e2e-api-user \
    --password e2e-api-password --no-dlr --port-file "$D/fake.port" \
    > fake.log 2>&1 &
FPID=$!
trap 'kill $FPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$D/fake.port" ] && break; sleep 0.1; done
FP=$(cat "$D/fake.port")
token=e2e-token-with-every-scope
cat > varsel.conf <<CONF
[gateway]
listen = 127.0.0.1:0
database = $D/v.db
port_file = $D/d.port
templates = $top/templates
[dispatch]
retry_base_ms = 50
retry_max_ms = 200
[provider elks]
type = 46elks
base_url = http://127.0.0.1:$FP/a1
username = e2e-api-user
password = e2e-api-password
callback_secret = q7Vd0sLkT3xNw9Rb2YhE5mJc8PaZ4uFg
from = Nykvarn
rate = 100000
max_connections = 64
[client bench]
token_sha256 = $(printf %s $token | sha256sum | cut -d' ' -f1)
scopes = alerts:write alerts:read contacts:write contacts:read
CONF
chmod 600 varsel.conf
valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$D/cg.out" "$B/varseld" -c varsel.conf \
    > d.log 2>&1 &
VPID=$!
for _ in $(seq 300); do [ -s "$D/d.port" ] && break; sleep 0.1; done
DP=$(cat "$D/d.port")
api() {
	curl -sf -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' "$@"
}
python3 -c "
import json
print(json.dumps({'contacts': [{'phone': '+4670%07d' % (1000000 + i),
    'groups': ['g']} for i in range($N)]}))" > c.json
api --data-binary @c.json "http://127.0.0.1:$DP/v1/contacts" > /dev/null
callgrind_control -i on $VPID > /dev/null
api -d '{"source_ref":"cg","message":"Prov: larm till alla i gruppen.",
    "audience":{"groups":["g"]}}' "http://127.0.0.1:$DP/v1/alerts" \
    > /dev/null
for _ in $(seq 600); do
	a=$(curl -s "http://127.0.0.1:$FP/_stats" | python3 -c \
	    'import json, sys; print(json.load(sys.stdin)["accepted"])')
	[ "$a" -ge "$N" ] && break
	sleep 0.5
done
sleep 1
callgrind_control -i off $VPID > /dev/null
callgrind_control -d $VPID > /dev/null
kill $VPID
wait $VPID 2>/dev/null || true
f=$(ls -S "$D"/cg.out* | head -1)
total=$(callgrind_annotate "$f" 2>/dev/null | grep 'PROGRAM TOTALS' |
    awk '{print $1}' | tr -d ,)
echo "instructions per message: $((total / N)) ($N messages)"
callgrind_annotate --inclusive=no "$f" 2>/dev/null |
    grep -E '^ *[0-9,]+ ' | head -30 > "$D/top.txt"
echo "top functions: $D/top.txt"
