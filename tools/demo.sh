#!/bin/sh
# Start varseld on the embedded default (simulator provider, SQLite file
# under var/, the example Nykvarn data), load the example contacts, post
# a demo alert and follow it until every SMS is delivered. The daemon
# keeps running afterwards; Ctrl-C stops it.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${VARSEL_BUILDDIR:-$top}
conf=$top/conf/varsel.conf
api=http://127.0.0.1:8025
token=varsel-demo-token

if [ ! -x "$build/varseld" ]; then
	echo "demo: $build/varseld is not built (run make first)" >&2
	exit 1
fi
# It holds the demo users' password hashes: readable by this user only.
chmod go-rwx "$conf"
"$build/varseld" -c "$conf" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
for i in $(seq 50); do
	curl -fs "$api/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs "$api/healthz" >/dev/null || { echo "demo: varseld did not start" >&2; exit 1; }

call() {
	curl -sS -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' "$@"
}

echo "== Example contacts from conf/contacts-example.csv"
contacts=$(tail -n +2 "$top/conf/contacts-example.csv" | jq -R -s '
  split("\n") | map(select(length > 0) | split(",")) | map({
    phone: .[0], name: .[1], lang: .[2], groups: (.[3] | split("|")),
    area: .[4], channels: (.[7] | split("|"))}
    + (if .[5] != "" then {lat: (.[5] | tonumber), lon: (.[6] | tonumber)}
       else {} end)) | {contacts: .}')
call -X POST "$api/v1/contacts" -d "$contacts" | jq -c .
call "$api/v1/groups" | jq -c .

echo "== A volunteer call-out to the nattvandrare group"
ref="demo-$(date +%s)"
answer=$(call -X POST "$api/v1/alerts" -d "{
  \"source_ref\": \"$ref\", \"severity\": \"severe\",
  \"template\": \"nattvandrare-utrop\",
  \"vars\": {\"place\": \"Nykvarns centrum\", \"time\": \"22:00\"},
  \"audience\": {\"groups\": [\"nattvandrare\"], \"contacts\": [\"070-174 06 99\"]},
  \"ack\": true}")
echo "$answer" | jq -c .
id=$(echo "$answer" | jq -r .id)

echo "== Following alert $id until every SMS is delivered"
for i in $(seq 100); do
	status=$(call "$api/v1/alerts/$id")
	echo "$status" | jq -c '{state, counts: (.counts | with_entries(select(.value > 0)))}'
	# Done when nothing is queued or being sent and every report is in.
	[ "$(echo "$status" | jq -r '.state == "done" and .counts.sent == 0')" = true ] && break
	sleep 0.3
done
call "$api/v1/alerts/$id/deliveries" | jq -c '.deliveries[] | {phone, state, provider, provider_ref}'

echo "== A volunteer answers JA, a resident asks for the nearest trygghetspunkt"
export VARSEL_URL=$api VARSEL_TOKEN=$token
"$build/varselctl" sim inbound +46701740605 "JA"
"$build/varselctl" sim inbound +46701740611 "TRYGG 155 31"
"$build/varselctl" status "$id"
echo
echo "The console: $api/ (log in as anna / anna-demo-lösen to send,"
echo "bo / bo-demo-lösen to approve, vera / vera-demo-lösen to read)."
echo "varseld is running on $api (pid $pid); Ctrl-C stops it."
echo "Try: curl -H 'Authorization: Bearer $token' $api/v1/alerts/$id"
wait $pid
