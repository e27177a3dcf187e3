#!/usr/bin/env bash
# t_replay.sh - end-to-end test of `nsgproof replay`: a generated topology
# with flow logs whose decisions come from an independent Python evaluator
# (tests/data/replay/gen.py), imported with two versions of one NSG; replay
# must agree everywhere, count established connections across the change,
# find exactly K flipped decisions, and what-if must count the flows a
# proposed NSG would newly deny.
set -u
here=$(cd "$(dirname "$0")" && pwd)
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
case $NSGPROOF in /*) ;; *) NSGPROOF="$PWD/$NSGPROOF" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect_rc WANT NAME CMD...: run CMD, compare its exit status
expect_rc() {
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else
    ko "$name: exit $rc, want $want"; tail -5 "$tmp/err"; fi
}
# jget FILE EXPR: evaluate a Python expression over the JSON in FILE (j)
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
check_eq() { # NAME GOT WANT
  if [ "$2" = "$3" ]; then ok; else ko "$1: got '$2', want '$3'"; fi
}

gen=$here/data/replay/gen.py
python3 "$gen" "$tmp/g" || { echo "generator failed"; echo "0 passed, 1 failed"; exit 1; }
python3 "$gen" "$tmp/f" --flip 7 || { echo "0 passed, 1 failed"; exit 1; }
T0=$(jget "$tmp/g/expected.json" 1763640000)
T1=$((T0 + 7200))

# import topology + web-nsg v1 at T0, web-nsg v2 at T1, then the flow logs
build_corpus() { # DIR DATA
  "$NSGPROOF" import --corpus "$1" --captured-at "$T0" "$2/topology.json" \
    "$2/web-nsg-v1.json" >"$tmp/imp.out" 2>&1 &&
  "$NSGPROOF" import --corpus "$1" --captured-at "$T1" "$2/web-nsg-v2.json" \
    >>"$tmp/imp.out" 2>&1 &&
  "$NSGPROOF" import --corpus "$1" "$2/flows" >>"$tmp/imp.out" 2>&1
}
if ! build_corpus "$tmp/c" "$tmp/g"; then
  cat "$tmp/imp.out"; ko "import of the generated corpus"
  echo "$pass passed, $fail failed"; exit 1
fi
ok

# ---- replay: 0 disagreements, counts as the independent evaluator says
exp=$tmp/g/expected.json
expect_rc 0 "replay agrees" "$NSGPROOF" replay --corpus "$tmp/c" --json
cp "$tmp/out" "$tmp/r.json"
for k in flows_total agree agree_truncated disagree established unevaluated; do
  check_eq "replay $k" "$(jget "$tmp/r.json" "j['$k']")" "$(jget "$exp" "j['$k']")"
done
for k in unknown_mac platform_rule admin_rule; do
  check_eq "reason $k" "$(jget "$tmp/r.json" "j['unevaluated_reasons'].get('$k')")" \
    "$(jget "$exp" "j['unevaluated_reasons']['$k']")"
done
check_eq "established > 0" "$(jget "$exp" "j['established'] > 0")" True
# a rule name over 65 characters, truncated in the logs, still agrees
check_eq "agree_truncated > 0" "$(jget "$exp" "j['agree_truncated'] > 0")" True
# tuples logged under v1 that v2 would answer differently: history matters
check_eq "v1-only tuples > 0" "$(jget "$exp" "j['v1_only'] > 0")" True
check_eq "sum" "$(jget "$tmp/r.json" "j['agree']+j['disagree']+j['established']+j['unevaluated']==j['flows_total']")" True
for n in web-nsg sub-nsg app-nsg; do
  for k in flows_total agree established unevaluated; do
    check_eq "per_nsg $n $k" \
      "$(jget "$tmp/r.json" "[p['$k'] for p in j['per_nsg'] if p['nsg']=='$n'][0]")" \
      "$(jget "$exp" "j['per_nsg']['$n']['$k']")"
  done
done
# --nsg: only web-nsg's tuples
expect_rc 0 "replay --nsg" "$NSGPROOF" replay --corpus "$tmp/c" --nsg web-nsg --json
check_eq "--nsg total" "$(jget "$tmp/out" "j['flows_total']")" \
  "$(jget "$exp" "j['per_nsg']['web-nsg']['flows_total']")"
# human output: a table, no disagreements
expect_rc 0 "replay human" "$NSGPROOF" replay --corpus "$tmp/c"
grep -q "web-nsg" "$tmp/out" && grep -q "no disagreements" "$tmp/out" && ok ||
  ko "human output lacks the table"
grep -q "agree by a rule name the log truncated: $(jget "$exp" "j['agree_truncated']")\$" "$tmp/out" &&
  ok || ko "human output lacks the truncated count"

# ---- K flipped decisions -> exactly K disagreements
if build_corpus "$tmp/cf" "$tmp/f"; then ok; else cat "$tmp/imp.out"; ko "import flipped"; fi
expect_rc 1 "replay flipped" "$NSGPROOF" replay --corpus "$tmp/cf" --json
cp "$tmp/out" "$tmp/rf.json"
check_eq "flipped disagree" "$(jget "$tmp/rf.json" "j['disagree']")" 7
check_eq "flipped listed" "$(jget "$tmp/rf.json" "len(j['disagreements'])")" 7
check_eq "flipped agree" "$(jget "$tmp/rf.json" "j['agree']")" \
  "$(jget "$tmp/f/expected.json" "j['agree']")"
check_eq "flipped established" "$(jget "$tmp/rf.json" "j['established']")" \
  "$(jget "$tmp/f/expected.json" "j['established']")"
check_eq "disagreement shape" "$(jget "$tmp/rf.json" \
  "all(d['logged']['decision']!=d['simulated']['decision'] and d['direction'] in ('Inbound','Outbound') and d['logged']['rule']==d['simulated']['rule'] for d in j['disagreements'])")" True
expect_rc 1 "replay flipped human" "$NSGPROOF" replay --corpus "$tmp/cf" --limit 3
grep -q "and 4 more" "$tmp/out" && ok || ko "human output: 'and 4 more' missing"

# ---- what-if
expect_rc 1 "what-if block" "$NSGPROOF" replay --corpus "$tmp/c" --json \
  --proposed "$tmp/g/proposed-block.json"
check_eq "newly denied" "$(jget "$tmp/out" "j['newly_denied']['count']")" \
  "$(jget "$exp" "j['whatif']['newly_denied']")"
check_eq "newly denied sources" \
  "$(jget "$tmp/out" "j['newly_denied']['distinct_sources']")" \
  "$(jget "$exp" "j['whatif']['distinct_sources']")"
check_eq "newly denied rule" \
  "$(jget "$tmp/out" "[r['nsg']+'/'+r['rule'] for r in j['newly_denied']['rules']]")" \
  "['web-nsg/DenyAllInBound']"
check_eq "newly allowed" "$(jget "$tmp/out" "j['newly_allowed']['count']")" 0
expect_rc 0 "what-if harmless" "$NSGPROOF" replay --corpus "$tmp/c" \
  --proposed "$tmp/g/proposed-harmless.json"
grep -q "newly denied: 0 tuples" "$tmp/out" && ok || ko "harmless: human output"
expect_rc 0 "what-if harmless json" "$NSGPROOF" replay --corpus "$tmp/c" \
  --json --proposed "$tmp/g/proposed-harmless.json"
check_eq "harmless per_nsg" "$(jget "$tmp/out" \
  "[(p['nsg'], p['newly_denied']['count'], p['newly_allowed']['count']) for p in j['per_nsg']]")" \
  "[('web-nsg', 0, 0)]"
check_eq "harmless total" "$(jget "$tmp/out" \
  "j['unchanged'] + j['unevaluated'] == j['flows_total']")" True

# ---- bad input
expect_rc 2 "missing corpus" "$NSGPROOF" replay --corpus "$tmp/nope"
expect_rc 2 "bad proposed file" "$NSGPROOF" replay --corpus "$tmp/c" \
  --proposed "$tmp/g/proposed-bad.json"
expect_rc 2 "unknown proposed NSG" "$NSGPROOF" replay --corpus "$tmp/c" \
  --proposed "$tmp/g/proposed-unknown.json"
grep -q "no-such-nsg" "$tmp/err" && ok || ko "unknown NSG not named"
expect_rc 2 "no --corpus" "$NSGPROOF" replay
expect_rc 2 "unknown --nsg" "$NSGPROOF" replay --corpus "$tmp/c" --nsg ghost

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
