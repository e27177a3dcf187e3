#!/usr/bin/env bash
# bench_aggregates.sh - import of aggregate rows (docs/aggregates.md):
# `nsgproof import` of AGG_ROWS (default 10^7) generated CSV rows, rows/s
# and peak RSS, and peak RSS at AGG_SMALL_ROWS (default 10^6) to show that
# memory does not grow with the input; side by side with the baseline a
# user would otherwise run, one Python process reading the CSV with the
# csv module and summing rows of one key (and hour) in a dict -- the same
# merge without a store -- at AGG_BASELINE_ROWS (default 10^6: at 10^7
# distinct keys its dict needs several GB).  Also export-flows of the small
# corpus.  Every row is a distinct key: the flow store's worst case (no
# row merges, every row a record, the aggregation table spills).
# Env: NSGPROOF, BENCH_OUT (generated files are kept there and reused).
set -u
nsgproof=${NSGPROOF:?}
out=${BENCH_OUT:?}
rows=${AGG_ROWS:-10000000}
small=${AGG_SMALL_ROWS:-1000000}
base_rows=${AGG_BASELINE_ROWS:-1000000}
timebin=/usr/bin/time
[ -x "$timebin" ] || { echo "bench_aggregates: /usr/bin/time is required"; exit 1; }
work=$(mktemp -d "$out/agg-run.XXXXXX")
trap 'rm -rf "$work"' EXIT

# gen FILE N: N rows of the interchange format, every key distinct
gen() {
  local file=$1 n=$2
  [ -s "$file" ] && [ "$(cat "$file.rows" 2>/dev/null)" = "$n" ] && return 0
  awk -v n="$n" 'BEGIN {
    print "nsg,mac,direction,protocol,src_ip,dst_ip,dst_port,src_port_min,src_port_max,decision,rule,tuples,flows,packets_src_dst,bytes_src_dst,packets_dst_src,bytes_dst_src,first_seen_ms,last_seen_ms"
    split("22 80 443 1433 3389 8080", ports, " ")
    for (i = 0; i < n; i++) {
      lo = (i * 7919) % 60000
      t = 1795179600000 + (i % 86400) * 1000
      printf "00000000-0000-0000-0000-000000000000/rg-demo/nsg-%d,000D3A%06X,%s,%d,10.%d.%d.%d,10.255.%d.%d,%d,%d,%d,%s,UserRule_R%d,%d,%d,%d,%d,%d,%d,%.0f,%.0f\n",
        i % 50, i % 5000, (i % 4 ? "I" : "O"), (i % 5 ? 6 : 17),
        int(i / 65536) % 256, int(i / 256) % 256, i % 256, i % 256, i % 7,
        ports[1 + i % 6], lo, lo + i % 16, (i % 11 ? "A" : "D"), i % 40,
        1 + i % 9, i % 3, 10 + i % 100, 1000 + i % 100000, 8 + i % 90,
        2000 + i % 300000, t, t + (i % 600) * 1000
    }
  }' > "$file.tmp" && mv "$file.tmp" "$file" && echo "$n" > "$file.rows"
}

# run_import FILE: one import into a fresh corpus; prints "seconds rss_kb"
run_import() {
  local corpus="$work/corpus"
  rm -rf "$corpus"
  "$timebin" -f '%e %M' -o "$work/time" "$nsgproof" import --corpus "$corpus" \
    --json "$1" > "$work/report.json" || { echo "import failed" >&2; return 1; }
  cat "$work/time"
}

baseline() {
  "$timebin" -f '%e %M' -o "$work/btime" python3 - "$1" > /dev/null <<'EOF' || return 1
import csv, sys
acc = {}
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    next(r)
    for row in r:
        key = ",".join(row[:11]) + "," + str(int(row[17]) // 3600000)
        v = acc.get(key)
        n = [int(x) if x else 0 for x in row[11:17]]
        if v is None:
            acc[key] = n + [int(row[17]), int(row[18] or row[17])]
        else:
            for k in range(6):
                v[k] += n[k]
            v[6] = min(v[6], int(row[17]))
            v[7] = max(v[7], int(row[18] or row[17]))
print(len(acc))
EOF
  cat "$work/btime"
}

big_f="$out/aggregates-$rows.csv"
small_f="$out/aggregates-$small.csv"
base_f="$out/aggregates-$base_rows.csv"
gen "$big_f" "$rows" && gen "$small_f" "$small" && gen "$base_f" "$base_rows" ||
  { echo "generation failed"; exit 1; }
cat "$big_f" "$small_f" "$base_f" > /dev/null   # warm the page cache
mb=$(($(stat -c %s "$big_f") / 1048576))

read -r t_big rss_big < <(run_import "$big_f") || exit 1
flows=$(python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["aggregates"]; print(a["rows"], a["flows_written"], a["spill_runs"])' "$work/report.json")
read -r t_small rss_small < <(run_import "$small_f") || exit 1
"$timebin" -f '%e %M' -o "$work/etime" "$nsgproof" export-flows --corpus "$work/corpus" > /dev/null || exit 1
read -r t_exp rss_exp < "$work/etime"
read -r t_b8 _ < <(run_import "$base_f") || exit 1
read -r t_py rss_py < <(baseline "$base_f") || exit 1

read -r n_rows n_flows n_spills <<< "$flows"
printf 'input: %d rows, %d MB of CSV (every key distinct)\n' "$rows" "$mb"
printf 'nsgproof import:  %7.2f s  %6.2f M rows/s  %5.0f MB/s  peak RSS %d MB  (%s rows, %s flows written, %s spill runs)\n' \
  "$t_big" "$(echo "$rows / $t_big / 1000000" | bc -l)" "$(echo "$mb / $t_big" | bc -l)" \
  $((rss_big / 1024)) "$n_rows" "$n_flows" "$n_spills"
printf 'peak RSS: %d MB at %d rows, %d MB at %d rows\n' $((rss_small / 1024)) "$small" \
  $((rss_big / 1024)) "$rows"
printf 'at %d rows: nsgproof import %.2f s, python csv + dict %.2f s (peak RSS %d MB), ratio %.1fx\n' \
  "$base_rows" "$t_b8" "$t_py" $((rss_py / 1024)) "$(echo "$t_py / $t_b8" | bc -l)"
printf 'export-flows of %d rows: %.2f s, peak RSS %d MB\n' "$small" "$t_exp" $((rss_exp / 1024))
[ "$n_rows" = "$rows" ] || { echo "FAILED: $n_rows rows imported"; exit 1; }
rss_ok=$(echo "$rss_big <= $rss_small * 1.5" | bc -l)
[ "$rss_ok" = 1 ] || echo "BELOW FLOOR: RSS grows with input"
[ "$rss_ok" = 1 ]
