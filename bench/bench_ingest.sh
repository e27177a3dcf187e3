#!/usr/bin/env bash
# bench_ingest.sh - flow-log ingest against what a user would otherwise
# run, side by side in one run on the same files (page cache warm for
# all): `nsgproof import` of a generated 1 GB tree of NSG flow logs v2
# (parse, aggregate, durable segment: commit and fsync included) against
# ONE python3 process over all files doing json.load alone, json.load and
# splitting every tuple into its fields, and the same aggregating into a
# dict keyed as nsgproof aggregates (bench/ingest_baseline.py), and jq
# splitting every tuple.  Rounds alternate the contenders; medians.
# Peak RSS of the import at two input sizes (flat: the table is bounded).
# Floors (the run fails below them): import >= 3x python json.load+split
# and >= 1.5x python json.load, by wall time; RSS at 1 GB <= 1.25x RSS
# at 256 MB.
# Env: NSGPROOF, BENCH_BIN (gen_flowlogs), BENCH_OUT (data, reused);
# INGEST_MB (1024), INGEST_SMALL_MB (256), RUNS (3), INGEST_AGG (1: run the
# python aggregation and jq once each; 0: skip them, they take minutes).
# Disk: ~1.3 GB of generated logs in BENCH_OUT plus ~0.4 GB per import.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
nsgproof=${NSGPROOF:?}
gen=${BENCH_BIN:?}/gen_flowlogs
out=${BENCH_OUT:?}
big_mb=${INGEST_MB:-1024}
small_mb=${INGEST_SMALL_MB:-256}
runs=${RUNS:-3}
with_agg=${INGEST_AGG:-1}
[ -x /usr/bin/time ] || { echo "bench_ingest: /usr/bin/time is required"; exit 1; }
work=$(mktemp -d "$out/ingest-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Generate DIR of SIZE MB once (the summary line marks a complete tree).
gen_tree() {
  local dir=$1 mb=$2
  if [ ! -s "$dir.summary" ]; then
    rm -rf "$dir"
    "$gen" "$dir" "$mb" > "$dir.summary.tmp" || return 1
    mv "$dir.summary.tmp" "$dir.summary"
  fi
}

big="$out/flowlogs-${big_mb}m"
small="$out/flowlogs-${small_mb}m"
gen_tree "$big" "$big_mb" || { echo "generation failed"; exit 1; }
gen_tree "$small" "$small_mb" || { echo "generation failed"; exit 1; }
read -r _ files _ bytes _ tuples < "$big.summary"
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1048576}')
find "$big" -name '*.json' | sort > "$work/files"
find "$big" "$small" -name '*.json' -exec cat {} + > /dev/null # warm

import_once() { # DIR: a fresh corpus each time
  rm -rf "$work/corpus"
  bench_time "$2" "$nsgproof" import --corpus "$work/corpus" --json "$1"
}
py() { bench_time "$2" python3 "$here/ingest_baseline.py" "$1" "$work/files"; }

bench_stamp
echo "input: $files files, $mb MB, $tuples tuples (NSG flow logs v2 from gen_flowlogs)"
echo "commands: $nsgproof import --corpus C --json $big"
echo "          python3 bench/ingest_baseline.py {load,split,agg} FILELIST"
echo "          jq -n 'reduce (inputs | .records[].properties.flows[].flows[].flowTuples[] | split(\",\")) as \$t (0; . + 1)' FILES"
for i in $(seq "$runs"); do
  import_once "$big" "$work/imp" || { echo "import failed"; exit 1; }
  py load "$work/load" || exit 1
  py split "$work/split" || exit 1
  import_once "$small" "$work/small" || exit 1
done
"$nsgproof" import --corpus "$work/corpus2" --json "$big" > "$work/report.json"
flows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["flowlogs"]; n=len(d.get("segments", [1])); print("%d flows in %d segment%s" % (d["flows_written"], n, "s" if n > 1 else ""))' "$work/report.json")
if [ "$with_agg" = 1 ]; then
  py agg "$work/agg" || exit 1
  xargs -a "$work/files" /usr/bin/time -f '%e %U %S %M' -o "$work/jq.t" \
    jq -n 'reduce (inputs | .records[].properties.flows[].flows[].flowTuples[] | split(",")) as $t (0; . + 1)' \
    > "$work/jq.out" || exit 1
  tail -n 1 "$work/jq.t" | awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' > "$work/jq"
fi
echo "load average after: $(bench_load)"

m() { col "$1" "$2" | median; }
t_imp=$(m "$work/imp" 1)
row() { # NAME FILE: wall, CPU, MB/s, ratio of its wall to the import's
  local w c
  w=$(m "$2" 1)
  c=$(m "$2" 2)
  awk -v n="$1" -v w="$w" -v c="$c" -v mb="$mb" -v ti="$t_imp" -v k="$3" \
    'BEGIN {printf "| %s | %.2f s | %.2f s | %.0f | %s |\n", n, w, c, mb / w, k ? sprintf("%.1fx", w / ti) : "-"}'
}
echo
echo "| $mb MB, $files files (medians of $runs; agg and jq one run) | wall | CPU (user+sys) | MB/s | import's speed-up |"
echo "|---|---|---|---|---|"
row "nsgproof import ($flows)" "$work/imp" 0
row "python json.load, one process" "$work/load" 1
row "python json.load + split every tuple" "$work/split" 1
[ -s "$work/agg" ] && row "python json.load + split + dict aggregation" "$work/agg" 1
[ -s "$work/jq" ] && row "jq split every tuple" "$work/jq" 1
rss_big=$(m "$work/imp" 3)
rss_small=$(m "$work/small" 3)
echo "peak RSS of the import: $((rss_small / 1024)) MB at $small_mb MB input, $((rss_big / 1024)) MB at $mb MB"
r_split=$(awk -v a="$(m "$work/split" 1)" -v b="$t_imp" 'BEGIN {printf "%.2f", a / b}')
r_load=$(awk -v a="$(m "$work/load" 1)" -v b="$t_imp" 'BEGIN {printf "%.2f", a / b}')
# The same ratios round by round (each round's import against the
# baseline run right after it), medians: the machine's speed drifts over
# minutes, and a paired ratio cancels what both runs of a round share.
paired() { paste -d' ' <(col "$1" 1) <(col "$work/imp" 1) | awk '{printf "%.4f\n", $1 / $2}' | median; }
echo "round-by-round ratios (medians): json.load $(paired "$work/load" | awk '{printf "%.2f", $1}')x," \
  "json.load + split $(paired "$work/split" | awk '{printf "%.2f", $1}')x"
floor "import vs python json.load + split (wall)" "$r_split" ">=" 3
floor "import vs python json.load alone (wall)" "$r_load" ">=" 1.5
floor "RSS at $mb MB / RSS at $small_mb MB" \
  "$(awk -v a="$rss_big" -v b="$rss_small" 'BEGIN {printf "%.2f", a / b}')" "<=" 1.25
exit $BENCH_FAILED
