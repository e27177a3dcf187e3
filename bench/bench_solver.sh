#!/usr/bin/env bash
# bench_solver.sh - diff against the plain first-match encoding, asked the
# same question side by side (bench/bench_solver.c says how), with the
# ablation rows; fails when nsgproof is less than 3x faster than the plain
# encoding (CPU time, medians) on any pair of 1,000-rule NSGs.
# usage: BENCH_BIN=build/rel/bench bench/bench_solver.sh [runs] [sizes...]
# Env: SOLVER_PACKETS (0): also check the formula against the simulator
# on that many random packets.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
bin=${BENCH_BIN:-build/rel/bench}/bench_solver
out=${BENCH_OUT:-/tmp}/bench_solver.txt
runs=${1:-5}
shift || true
sizes=${*:-1000}
bench_stamp
echo "command: $bin $runs ${SOLVER_PACKETS:-0} $sizes"
# shellcheck disable=SC2086
"$bin" "$runs" "${SOLVER_PACKETS:-0}" $sizes | tee "$out" || exit 1
echo "load average after: $(bench_load)"
# the plain encoding's ratio for each pair of 1,000-rule NSGs
awk '/^diff 1000 rules/ {pair = $0} /^  plain first-match encoding  / && pair {
       r = $NF; sub(/x$/, "", r); sub(/^>/, "", r); print r}' "$out" > "$out.ratios"
[ -s "$out.ratios" ] || { echo "no 1,000-rule rows"; exit 1; }
worst=$(sort -g "$out.ratios" | head -1)
floor "diff of two 1,000-rule NSGs vs the plain encoding, worst pair (CPU)" "$worst" ">=" 3
exit $BENCH_FAILED
