#!/usr/bin/env bash
# bench_path.sh - figures of verify along paths for docs/PERFORMANCE.md
# ("## Paths"): a hub-and-spoke network of 500 NICs, typical queries along
# paths and with --nsg-only side by side, and the concrete walk rate.
# usage: BENCH_BIN=build/rel/bench bench/bench_path.sh [runs] [spokes] [nics]
set -u
bin=${BENCH_BIN:-build/rel/bench}/bench_path
out=${BENCH_OUT:-/tmp}/bench_path.txt
"$bin" "${1:-5}" "${2:-20}" "${3:-25}" | tee "$out"
