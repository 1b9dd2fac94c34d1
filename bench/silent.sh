#!/bin/bash
# What a provider that hangs costs an alert: two fake 46elks, the first
# taking requests and never answering (--hang), both at rate 100; a
# severe alert to 200; prints how many the second has taken 1..14 s
# after the 202, and what varseld logged about the first.
#
#   bench/silent.sh BUILD_DIR
#
# BUILD_DIR holds varseld and tests/fakes/fake_provider; the templates
# are read from this source tree. Only 127.0.0.1 is used.
set -eu
B=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d /tmp/varsel-silent.XXXXXX)
cd "$D"
P1= P2= VP=
trap 'kill $P1 $P2 $VP 2>/dev/null || true; rm -rf "$D"' EXIT

fake() {	# NAME [ARGS...]: a fake 46elks writing its port to NAME.port
	local name=$1
	shift
	"$B/tests/fakes/fake_provider" --user u --password p --no-dlr \
	    --port-file "$name.port" "$@" > "$name.log" 2>&1 &
}
wait_file() {
	for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "silent: $1 did not appear" >&2
	exit 1
}
section() {	# NAME PRIORITY PORT
	cat <<SECTION
[provider $1]
type = 46elks
priority = $2
base_url = http://127.0.0.1:$3/a1
username = u
password = p
callback_secret = q7Vd0sLkT3xNw9Rb2YhE5mJc8PaZ4uFg
from = Nykvarn
rate = 100
SECTION
}
api() {		# PATH BODY
	curl -sf -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' -d "$2" \
	    "http://127.0.0.1:$(cat d.port)$1" > /dev/null
}
elapsed() {
	python3 -c "import time; print(time.time() - $t0)"
}

fake a --hang; P1=$!
fake b; P2=$!
wait_file a.port
wait_file b.port
token=tok-silent-bench-0123456789
{
	printf '[gateway]\nlisten = 127.0.0.1:0\ndatabase = %s\n' "$D/v.db"
	printf 'port_file = %s\ntemplates = %s\n' "$D/d.port" "$top/templates"
	section a 1 "$(cat a.port)"
	section b 2 "$(cat b.port)"
	printf '[client t]\ntoken_sha256 = %s\n' \
	    "$(printf %s $token | sha256sum | cut -d' ' -f1)"
	printf 'scopes = alerts:write alerts:read contacts:write\n'
} > v.conf
chmod 600 v.conf
"$B/varseld" -c v.conf > d.log 2>&1 &
VP=$!
wait_file d.port

api /v1/contacts "$(python3 -c "
import json
print(json.dumps({'contacts': [{'phone': '+4670100%04d' % i, 'name': 'H',
    'lang': 'sv', 'groups': ['h']} for i in range(200)]}))")"
t0=$(python3 -c 'import time; print(time.time())')
api /v1/alerts '{"source_ref": "silent", "severity": "severe",
    "message": "Brand vid Lillhagaskolan, håll er borta.",
    "audience": {"groups": ["h"]}}'
for s in 1 2 3 4 5 6 8 10 12 14; do
	while python3 -c "import sys; sys.exit($(elapsed) >= $s)"; do
		sleep 0.05
	done
	echo "t=${s}s at b: $(curl -s "http://127.0.0.1:$(cat b.port)/_stats" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["accepted"])')"
done
grep -E 'evt=(stalled|answering|breaker_open)' d.log | cut -c1-160
