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
$B/tests/fakes/fake_provider --user u --password p --no-dlr --hang --port-file f1.port > f1.log 2>&1 & P1=$!
$B/tests/fakes/fake_provider --user u --password p --no-dlr --port-file f2.port > f2.log 2>&1 & P2=$!
VP=
trap 'kill $P1 $P2 $VP 2>/dev/null || true; rm -rf "$D"' EXIT
for _ in $(seq 50); do [ -s f1.port ] && [ -s f2.port ] && break; sleep 0.1; done
token=tok-hang-test-token-0123456789
cat > v.conf <<CONF
[gateway]
listen = 127.0.0.1:0
database = $D/v.db
port_file = $D/d.port
templates = $top/templates
[provider a]
type = 46elks
priority = 1
base_url = http://127.0.0.1:$(cat f1.port)/a1
username = u
password = p
callback_secret = q7Vd0sLkT3xNw9Rb2YhE5mJc8PaZ4uFg
from = Nykvarn
rate = 100
[provider b]
type = 46elks
priority = 2
base_url = http://127.0.0.1:$(cat f2.port)/a1
username = u
password = p
callback_secret = q7Vd0sLkT3xNw9Rb2YhE5mJc8PaZ4uFg
from = Nykvarn
rate = 100
[client t]
token_sha256 = $(printf %s $token | sha256sum | cut -d' ' -f1)
scopes = alerts:write alerts:read contacts:write contacts:read
CONF
chmod 600 v.conf
$B/varseld -c v.conf > d.log 2>&1 & VP=$!
for _ in $(seq 100); do [ -s d.port ] && break; sleep 0.1; done
DP=$(cat d.port)
python3 -c "
import json
print(json.dumps({'contacts':[{'phone':'+4670100%04d'%i,'name':'H','lang':'sv','groups':['h']} for i in range(200)]}))" > c.json
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d @c.json http://127.0.0.1:$DP/v1/contacts > /dev/null
t0=$(date +%s.%N)
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"source_ref":"h1","severity":"severe","message":"Brand vid Lillhagaskolan, håll er borta.","audience":{"groups":["h"]}}' http://127.0.0.1:$DP/v1/alerts > /dev/null
for s in 1 2 3 4 5 6 8 10 12 14; do
  while python3 -c "import sys,time; sys.exit(time.time() - $t0 >= $s)"; do
    sleep 0.05
  done
  echo "t=${s}s at b: $(curl -s http://127.0.0.1:$(cat f2.port)/_stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])')"
done
grep -E "stalled|diverted|breaker_open|answering" d.log | cut -c1-160
