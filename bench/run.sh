#!/usr/bin/env bash
# run.sh - runs every benchmark script bench/bench_*.sh in turn.
# usage: bench/run.sh NSGPROOF BENCH_BIN_DIR
# Each script prints its figures; docs/PERFORMANCE.md records them.
set -u
nsgproof=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
bindir=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export NSGPROOF="$nsgproof" BENCH_BIN="$bindir" BENCH_OUT="${BENCH_OUT:-$here/out}"
mkdir -p "$BENCH_OUT"
status=0
for script in "$here"/bench_*.sh; do
  [ -e "$script" ] || continue
  echo "== $(basename "$script" .sh)"
  bash "$script" || { echo "FAILED: $script"; status=1; }
done
exit $status
