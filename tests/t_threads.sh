#!/usr/bin/env bash
# t_threads.sh - work shared between threads gives the answers of one
# thread: lint and verify of the sample with NSGPROOF_THREADS=1 and 3 print
# the same; an import read by two lanes (NSGPROOF_IMPORT_LANES=2: two
# segments) replays like one read by one lane; bad values of both
# variables are usage errors naming them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
ex="$here/../examples"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

c="$tmp/c"
"$NSGPROOF" import --corpus "$c" "$ex"/arm/*.json "$ex"/ServiceTags_Public_*.json \
  > /dev/null 2>&1 || { bad "import of the sample"; echo "$pass passed, $fail failed"; exit 1; }

same() { # NAME CMD...: the same stdout and exit with 1 and 3 threads
  local name=$1; shift
  NSGPROOF_THREADS=1 "$@" > "$tmp/one" 2>&1; local r1=$?
  NSGPROOF_THREADS=3 "$@" > "$tmp/three" 2>&1; local r3=$?
  if [ $r1 = $r3 ] && cmp -s "$tmp/one" "$tmp/three"; then ok; else
    bad "$name: 1 thread (exit $r1) and 3 (exit $r3) differ"
    diff "$tmp/one" "$tmp/three" | head -10 | sed 's/^/  | /'
  fi
}
same "lint" "$NSGPROOF" lint --corpus "$c"
same "lint json" "$NSGPROOF" lint --corpus "$c" --format json
same "verify" "$NSGPROOF" verify --corpus "$c" --queries "$ex/properties.txt" \
  --query 'never Internet -> nic:web-2 tcp/80' --query 'can Internet -> nic:web-1 tcp/443'
same "verify json" "$NSGPROOF" verify --corpus "$c" --format json --queries "$ex/properties.txt"

for v in 0 -1 x 257 "2 " ""; do
  [ -z "$v" ] && continue
  NSGPROOF_THREADS="$v" "$NSGPROOF" lint --corpus "$c" > /dev/null 2> "$tmp/err"
  rc=$?
  if [ $rc = 2 ] && grep -q NSGPROOF_THREADS "$tmp/err"; then ok; else
    bad "NSGPROOF_THREADS='$v' for lint: exit $rc"; fi
  NSGPROOF_THREADS="$v" "$NSGPROOF" verify --corpus "$c" --query 'never * -> *' \
    > /dev/null 2> "$tmp/err"
  rc=$?
  if [ $rc = 2 ] && grep -q NSGPROOF_THREADS "$tmp/err"; then ok; else
    bad "NSGPROOF_THREADS='$v' for verify: exit $rc"; fi
done

# flow logs read by one lane and by two
for lanes in 1 2; do
  cp -r "$c" "$tmp/l$lanes"
  NSGPROOF_IMPORT_LANES=$lanes "$NSGPROOF" import --corpus "$tmp/l$lanes" --format json \
    "$ex/flowlogs" > "$tmp/imp$lanes" 2>&1 || bad "import with $lanes lanes"
done
n1=$(jq '.flowlogs.segments // [1] | length' "$tmp/imp1")
n2=$(jq '.flowlogs.segments // [1] | length' "$tmp/imp2")
[ "$n1" = 1 ] && [ "$n2" = 2 ] && ok || bad "segments: $n1 with one lane, $n2 with two"
jq 'del(.corpus, .captured_at, .flowlogs.segment, .flowlogs.segments, .flowlogs.flows_written)' "$tmp/imp1" > "$tmp/r1"
jq 'del(.corpus, .captured_at, .flowlogs.segment, .flowlogs.segments, .flowlogs.flows_written)' "$tmp/imp2" > "$tmp/r2"
cmp -s "$tmp/r1" "$tmp/r2" && ok || { bad "the import reports differ"; diff "$tmp/r1" "$tmp/r2" | head; }
"$NSGPROOF" replay --corpus "$tmp/l1" --format json > "$tmp/p1" 2>&1
"$NSGPROOF" replay --corpus "$tmp/l2" --format json > "$tmp/p2" 2>&1
cmp -s "$tmp/p1" "$tmp/p2" && ok || { bad "replay differs after a two-lane import"; diff "$tmp/p1" "$tmp/p2" | head; }
for v in 0 9 x 11; do
  NSGPROOF_IMPORT_LANES=$v "$NSGPROOF" import --corpus "$tmp/l1" "$ex/flowlogs" \
    > /dev/null 2> "$tmp/err"
  rc=$?
  if [ $rc = 2 ] && grep -q NSGPROOF_IMPORT_LANES "$tmp/err"; then ok; else
    bad "NSGPROOF_IMPORT_LANES='$v': exit $rc"; fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
