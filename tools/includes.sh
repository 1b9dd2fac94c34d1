#!/bin/sh
# The include graph of the daemon's modules (gateway/ and adapters/), and
# a check that it has no circle: a module (x.c with x.h) that includes
# the header of a module which, directly or through others, includes
# x.h. Exit 1 and name the circle if there is one.
#   tools/includes.sh          check
#   tools/includes.sh --dot    the graph for graphviz
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
edges=$(for f in gateway/*.c gateway/*.cc gateway/*.h adapters/*.c adapters/*.h; do
	[ -f "$f" ] || continue
	m=$(basename "$f" | sed 's/\.[ch]c\{0,1\}$//')
	sed -n 's/^#include "\(.*\)\.h".*/\1/p' "$f" | sed 's#.*/##' |
	while read -r h; do
		[ "$h" = "$m" ] && continue
		{ [ -f "gateway/$h.c" ] || [ -f "gateway/$h.cc" ] ||
		  [ -f "adapters/$h.c" ] || [ -f "gateway/$h.h" ] ||
		  [ -f "adapters/$h.h" ]; } || continue
		echo "$m $h"
	done
done | sort -u)
if [ "${1:-}" = "--dot" ]; then
	echo "digraph varsel {"
	echo "$edges" | awk '{ printf "\t\"%s\" -> \"%s\";\n", $1, $2 }'
	echo "}"
	exit 0
fi
# tsort reports a cycle on stderr; it prints the members of each.
out=$(echo "$edges" | tsort 2>&1 >/dev/null || true)
if [ -n "$out" ]; then
	echo "include circle between modules:" >&2
	echo "$out" | sed -n 's/^tsort: //p' >&2
	exit 1
fi
echo "no include circle among $(echo "$edges" | awk '{print $1; print $2}' | sort -u | wc -l) modules"
