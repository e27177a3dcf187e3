#!/usr/bin/env bash
# bench_solver.sh - solver figures for docs/PERFORMANCE.md ("## Solver"):
# diff and lint of 100 / 1,000 / 4,000-rule NSGs against the naive
# baseline, a 500-NSG no-regression sweep and 10^6 formula-vs-simulator
# packet checks.  Fails when the floor is missed: diff of two 1,000-rule
# NSGs must beat the baseline and take under 0.2 s.
# usage: BENCH_BIN=build/rel/bench bench/bench_solver.sh [runs] [packets]
set -u
bin=${BENCH_BIN:-build/rel/bench}/bench_solver
out=${BENCH_OUT:-/tmp}/bench_solver.txt
runs=${1:-5}
packets=${2:-1000000}
"$bin" "$runs" "$packets" | tee "$out" || exit 1
status=0
while read -r _ n _ kind _ ours _ _ naive _ _; do
  [ "$n" = 1000 ] || continue
  naive=${naive#>}
  if ! awk -v o="$ours" -v b="$naive" 'BEGIN { exit !(o < 0.2 && o < b) }'; then
    echo "FLOOR MISSED: diff 1000 rules ($kind) took $ours s (baseline $naive s)"
    status=1
  fi
done < <(grep '^diff ' "$out")
[ $status = 0 ] && echo "floor met: diff of 1,000-rule NSGs under 0.2 s and faster than the baseline"
exit $status
