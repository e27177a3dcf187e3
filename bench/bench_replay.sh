#!/usr/bin/env bash
# bench_replay.sh - replay throughput (tuple evaluations per second) against
# one NSG of 10, 100 and 1,000 rules: medians of 5 runs of bench/replay_bench
# over 1,000,000 generated tuples each; fails when the 1,000-rule case is 10x
# or more slower than the 10-rule case (rules are indexed, not scanned).
# Run by `make bench` (bench/run.sh sets $BENCH_BIN and $BENCH_OUT).
set -u
NSGPROOF=${NSGPROOF:-$PWD/nsgproof}
bin=${BENCH_BIN:-build/rel/bench}/replay_bench
out=${BENCH_OUT:-/tmp}/replay.txt
tuples=${REPLAY_TUPLES:-1000000}
runs=${REPLAY_RUNS:-5}
[ -x "$bin" ] || { echo "missing $bin (make bench builds it)"; exit 1; }
echo "command: $bin $tuples $runs 10 100 1000"
"$bin" "$tuples" "$runs" 10 100 1000 | tee "$out" || exit 1
slow=$(awk '/rules=1000 /{for(i=1;i<=NF;i++) if($i ~ /^slowdown_vs_first=/){split($i,a,"=");print a[2]}}' "$out")
echo "1000-rule slowdown vs 10 rules: ${slow}x"
awk -v s="$slow" 'BEGIN{exit !(s != "" && s < 10)}' ||
  { echo "FAIL: 1000 rules is ${slow}x slower than 10 rules"; exit 1; }

# End to end through the CLI and the flow store: the replay test's generator
# (tests/data/replay/gen.py, independent evaluator) at 40,000 connections,
# imported; median wall time of 5 `nsgproof replay` and what-if runs.
here=$(cd "$(dirname "$0")" && pwd)
data=${BENCH_OUT:-/tmp}/replay_e2e
T0=1763640000
# the logs are generated once (slow); the corpus is imported on every run
if [ ! -f "$data/g/expected.json" ]; then
  rm -rf "$data"
  python3 "$here/../tests/data/replay/gen.py" "$data/g" --conns 40000 || exit 1
fi
rm -rf "$data/corpus"
"$NSGPROOF" import --corpus "$data/corpus" --captured-at $T0 \
  "$data/g/topology.json" "$data/g/web-nsg-v1.json" >/dev/null &&
"$NSGPROOF" import --corpus "$data/corpus" --captured-at $((T0 + 7200)) \
  "$data/g/web-nsg-v2.json" >/dev/null &&
"$NSGPROOF" import --corpus "$data/corpus" "$data/g/flows" >/dev/null ||
  { echo "FAIL: import of the generated corpus"; exit 1; }
median_time() { # CMD...: median wall seconds of 5 runs (output discarded)
  for i in 1 2 3 4 5; do
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" 'BEGIN{printf "%.6f\n", e - s}'
  done | sort -n | sed -n 3p
}
"$NSGPROOF" replay --corpus "$data/corpus" --json >"$data/replay.json"
tuples=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['flows_total'])" "$data/replay.json")
dis=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['disagree'])" "$data/replay.json")
[ "$dis" = 0 ] || { echo "FAIL: replay of the generated corpus: $dis disagreements"; exit 1; }
t_replay=$(median_time "$NSGPROOF" replay --corpus "$data/corpus" --json)
t_whatif=$(median_time "$NSGPROOF" replay --corpus "$data/corpus" --json \
  --proposed "$data/g/proposed-block.json")
echo "command: $NSGPROOF replay --corpus $data/corpus --json [--proposed $data/g/proposed-block.json]"
awk -v n="$tuples" -v a="$t_replay" -v b="$t_whatif" 'BEGIN{
  printf "replay e2e tuples=%d median_s=%.3f tuples_per_s=%.0f\n", n, a, n/a;
  printf "whatif e2e tuples=%d median_s=%.3f tuples_per_s=%.0f\n", n, b, n/b }' |
  tee -a "$out"
