#!/usr/bin/env bash
# scale.sh - `make bench-scale` (not part of make check or make bench): a
# generated subscription at Azure's limits - 5,000 NSGs (~200 rules each,
# one in a hundred at 1,000), 10,000 NICs, 10^8 flow tuples of NSG flow
# logs v2 (one blob per NIC and hour, ~2,000 tuples each) - at 1/10, 1/3 and
# full size: import of the configuration and of the flow logs, replay,
# lint of every NSG and verify of 100 properties, each timed with its
# peak RSS.  Everything is generated at run time under BENCH_OUT and the
# flow logs of a size are deleted once imported.
# Disk: at full size ~9 GB of flow logs (10^8 tuples, ~90 bytes each with
# their JSON) and ~2.2 GB of corpus (segments, checkpoints of 50,000 blobs,
# objects) at once; 1/3 size a third of that; ~12 GB free to run all
# three.  Memory: ~10 GB at full size (lint).  Time on 2 cores: ~25 minutes
# at full size, ~5 at 1/3 (docs/PERFORMANCE.md).
# usage: bench/scale.sh NSGPROOF BENCH_BIN_DIR
# Env: BENCH_OUT (bench/out); SCALE_SIZES ("10 3 1": the divisors to run).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
nsgproof=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
bin=$(cd "$2" && pwd)
out=${BENCH_OUT:-$here/out}/scale
sizes=${SCALE_SIZES:-10 3 1}
tags="$here/../examples/ServiceTags_Public_20261116.json"
mkdir -p "$out"
results="$out/results.txt"
: > "$results"
bench_stamp | tee -a "$results"
echo "disk free under $out: $(df -h "$out" | awk 'NR == 2 {print $4}')" | tee -a "$results"

step() { # SIZE NAME CMD...: time CMD, one result line
  local size=$1 name=$2 t
  shift 2
  t=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" > "$out/$name.out" 2> "$out/$name.err"
  local rc=$?
  tail -n 1 "$t" | awk -v s="$size" -v n="$name" -v rc=$rc -v l="$(bench_load)" \
    '{printf "%s %s %.1f %.1f %d %d %s\n", s, n, $1, $2 + $3, $4 / 1024, rc, l}' |
    tee -a "$results"
  rm -f "$t"
}

for d in $sizes; do
  nsgs=$((5000 / d)) nics=$((10000 / d)) tuples=$((100000000 / d))
  big=$((nsgs / 100))
  dir="$out/1-$d"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== 1/$d: $nsgs NSGs, $nics NICs, $tuples tuples" | tee -a "$results"
  "$bin/gen_subscription" "$dir/arm" --nsgs $nsgs --nics $nics --rules 200 \
    --big $big --queries 100 | tee -a "$results" || exit 1
  "$bin/gen_flowlogs" "$dir/flows" 1 --plan "$dir/arm/flowplan.txt" \
    --tuples $tuples --blob-mb 0.13 | tee -a "$results" || exit 1
  echo "flow logs on disk: $(du -sh "$dir/flows" | cut -f1)" | tee -a "$results"
  c="$dir/corpus"
  step "1/$d" import-config "$nsgproof" import --corpus "$c" \
    "$dir"/arm/{vnets,nsgs,nics,asgs}.json "$tags"
  step "1/$d" import-flows "$nsgproof" import --corpus "$c" --format json "$dir/flows"
  rm -rf "$dir/flows" # the disk it took
  echo "corpus on disk: $(du -sh "$c" | cut -f1)" | tee -a "$results"
  step "1/$d" replay "$nsgproof" replay --corpus "$c" --format json
  step "1/$d" lint "$nsgproof" lint --corpus "$c" --format json
  step "1/$d" verify "$nsgproof" verify --corpus "$c" --queries "$dir/arm/properties.txt"
  rm -rf "$c"
done
echo "load average after: $(bench_load)" | tee -a "$results"
echo
echo "| size | step | wall (s) | CPU (s) | peak RSS (MB) | exit | load |"
echo "|---|---|---|---|---|---|---|"
awk 'NF == 7 && $1 ~ /^1\// {printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$results"
