#!/bin/sh
# Install what Varsel needs to build, test and run on Debian 12 (as root),
# and the packages named as arguments (tools/deb.sh: what packaging needs).
set -e
pkgs="build-essential autoconf automake pkg-config libevent-dev
libcurl4-openssl-dev libsqlite3-dev libjansson-dev libssl-dev libxml2-dev
libcmocka-dev libespeak-ng-dev espeak-ng-data libphonenumber-dev tzdata
curl jq sqlite3 $*"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
