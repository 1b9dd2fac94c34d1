#!/bin/sh
# Make the upgrade fixtures: for each schema version, build the last
# commit that wrote it (from git history, in a temporary folder outside
# the repository), run that varseld on the simulator, and have it write
# a small database: the example contacts, one opt-out, an alert with
# an answer asked for and its deliveries until they are delivered, a
# volunteer's JA and a resident's TRYGG. Only the resulting .db files
# are kept (tests/test_upgrade.c reads them).
#
#   tests/data/upgrade/make-fixtures.sh [WORKDIR [VERSION ...]]
#
# With VERSIONs (v4 v5 ...) only those are made: an old fixture is never
# made again.
set -eu
top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$top/tests/data/upgrade
work=${1:-$(mktemp -d /tmp/varsel-fixtures.XXXXXX)}
# The last commit of each schema version (gateway/store.c migrations[]).
versions="v1:33ca21a v2:07e0beb v3:c1446f1 v4:867f223 v5:4a32438 v6:01cea96 v7:c9708bd
    v8:9965344 v9:8397ca8 v10:49790f0"
[ $# -gt 0 ] && shift
only="$*"
token=varsel-demo-token
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

for pair in $versions; do
	v=${pair%%:*}
	commit=${pair#*:}
	case " ${only:-$v} " in *" $v "*) ;; *) continue ;; esac
	src=$work/$v
	if [ ! -x "$src/varseld" ]; then
		rm -rf "$src" && mkdir -p "$src"
		git -C "$top" archive "$commit" | tar -x -C "$src"
		(cd "$src" && ./bootstrap >/dev/null 2>&1 &&
		    ./configure -q --disable-tests >/dev/null &&
		    make -j2 varseld varselctl >/dev/null)
	fi
	run=$work/run-$v
	rm -rf "$run" && mkdir -p "$run"
	cat > "$run/varsel.conf" <<CONF
[gateway]
listen = 127.0.0.1:0
port_file = port
database = $v.db
templates = $src/templates
trygghetspunkter = $src/conf/trygghetspunkter.csv
areas = $src/conf/areas.csv

[provider sim]
type = simulator
delivered_after_ms = 50

[client demo]
token_sha256 = $hash
scopes = alerts:write alerts:read contacts:write contacts:read
CONF
	"$src/varseld" -c "$run/varsel.conf" 2>"$run/varseld.log" &
	pid=$!
	for i in $(seq 100); do [ -s "$run/port" ] && break; sleep 0.1; done
	url=http://127.0.0.1:$(cat "$run/port")
	export VARSEL_URL=$url VARSEL_TOKEN=$token
	"$src/varselctl" contacts import "$src/conf/contacts-example.csv"
	"$src/varselctl" send --group nattvandrare \
	    --template nattvandrare-utrop --var place="Nykvarns centrum" \
	    --var time=22:00 --ack --severity severe --ref "fixture-$v"
	sleep 2
	"$src/varselctl" sim inbound +46701740605 "JA" || true
	"$src/varselctl" sim inbound +46701740611 "TRYGG 155 31" || true
	"$src/varselctl" sim inbound +46701740612 "STOPP" || true
	sleep 1
	"$src/varselctl" status 1
	kill -TERM $pid
	wait $pid || true
	cp "$run/$v.db" "$out/$v.db"
	echo "made $out/$v.db with $commit"
done
