#!/bin/sh
# make check: the console in a real browser (tests/browser/console.test.js).
# Skipped, saying why, only when Debian's chromium or node is absent (and
# never under VARSEL_BROWSER_REQUIRED=1, as .ci/run sets it);
# puppeteer-core comes from `npm ci` in tests/browser (.ci/run does it),
# or is installed into the build tree from npm's cache (make distcheck).
# Nothing here downloads a browser.
set -u
srcdir=${VARSEL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${VARSEL_BUILDDIR:-$(pwd)}
chromium=${VARSEL_CHROMIUM:-/usr/bin/chromium}
# CI sets VARSEL_BROWSER_REQUIRED=1: there a missing browser fails.
skip=77
[ "${VARSEL_BROWSER_REQUIRED:-}" = 1 ] && skip=1

if [ ! -x "$chromium" ]; then
	echo "SKIP: no $chromium: the console's browser test needs Debian's" \
	    "chromium (apt-get install chromium)"
	exit $skip
fi
node=$(command -v node || command -v nodejs || true)
if [ -z "$node" ]; then
	echo "SKIP: no node: the console's browser test needs nodejs" \
	    "(apt-get install nodejs npm)"
	exit $skip
fi

modules=""
for d in "$srcdir/tests/browser" "$builddir/tests/browser"; do
	if [ -f "$d/node_modules/puppeteer-core/package.json" ]; then
		modules=$d/node_modules
		break
	fi
done
if [ -z "$modules" ]; then
	# A tree without node_modules (make distcheck): npm's cache has the
	# pinned packages once `npm ci` ran in tests/browser.
	mkdir -p "$builddir/tests/browser" &&
	cp "$srcdir/tests/browser/package.json" \
	    "$srcdir/tests/browser/package-lock.json" "$builddir/tests/browser/" &&
	chmod u+w "$builddir/tests/browser/package.json" \
	    "$builddir/tests/browser/package-lock.json" &&
	(cd "$builddir/tests/browser" && npm ci --offline --no-audit --no-fund \
	    --loglevel=error) >&2 &&
	modules=$builddir/tests/browser/node_modules
fi
if [ -z "$modules" ] || [ ! -f "$modules/puppeteer-core/package.json" ]; then
	echo "FAIL: puppeteer-core is not installed: run npm ci in" \
	    "$srcdir/tests/browser (the versions are pinned in its" \
	    "package-lock.json)"
	exit 1
fi

# Screenshots beside the test (git-ignored), or in the build tree when
# the source tree is read-only.
out=$srcdir/tests/browser/out
if ! mkdir -p "$out" 2>/dev/null || [ ! -w "$out" ]; then
	out=$builddir/tests/browser/out
fi
export VARSEL_SRCDIR="$srcdir" VARSEL_BUILDDIR="$builddir" \
    VARSEL_BROWSER_OUT="$out" VARSEL_CHROMIUM="$chromium"
NODE_PATH=$modules exec "$node" "$srcdir/tests/browser/console.test.js"
