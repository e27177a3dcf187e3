#!/usr/bin/env bash
# t_map_browser.sh - the HTML map in a real browser: imports the sample
# (with its flow-log configuration), writes its topology map, its traffic
# map and a map collapsing every subnet, then runs tests/browser/map_test.js
# (puppeteer-core driving Debian's headless chromium).  Screenshots go to
# build/test-output/browser/.  When the browser test cannot run (no node,
# no chromium, no puppeteer-core: run `make deps`), this FAILS: it never
# skips.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
NSGPROOF=${NSGPROOF:-$root/build/asan/nsgproof}
out=$root/build/test-output/browser
work=$(mktemp -d "${TMPDIR:-/tmp}/nsgproof-browser.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() { echo "t_map_browser: $*"; echo "0 passed, 1 failed"; exit 1; }

command -v node >/dev/null || fail "node is not installed (make deps)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "chromium is not installed (make deps)"
export NODE_PATH=$root/build/node/node_modules
[ -d "$NODE_PATH/puppeteer-core" ] ||
    fail "puppeteer-core is not installed in build/node (make browser-deps)"
[ -x "$NSGPROOF" ] || fail "$NSGPROOF is not built"

ex=$root/examples
"$NSGPROOF" import --corpus "$work/c" --captured-at 2026-11-20T14:00:00Z \
    "$ex/arm" "$ex/ServiceTags_Public_20261116.json" "$ex/flowlogs" "$ex/watcher" \
    >"$work/import.log" 2>&1 || { cat "$work/import.log"; fail "import failed"; }
"$NSGPROOF" map --corpus "$work/c" --format html --out "$work/topology.html" >/dev/null &&
"$NSGPROOF" map --corpus "$work/c" --format html --view traffic --out "$work/traffic.html" >/dev/null &&
"$NSGPROOF" map --corpus "$work/c" --format html --collapse 1 --out "$work/collapsed.html" >/dev/null ||
    fail "nsgproof map failed"
mkdir -p "$out"
cp "$work/topology.html" "$work/traffic.html" "$out/"
cd "$root/tests/browser" || exit 1
node map_test.js "$work/topology.html" "$work/traffic.html" "$work/collapsed.html" "$out"
