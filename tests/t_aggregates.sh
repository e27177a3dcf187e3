#!/usr/bin/env bash
# t_aggregates.sh - the aggregate interchange format end to end
# (docs/aggregates.md):
#   1. the plain SQL aggregation of contrib/spark/aggregate.sql run for
#      real by sqlite3 over the tuples jq flattens (contrib's
#      flatten_tuples.jq) from the sample blobs, imported, equals the raw
#      blobs imported and exported (same rows, same sums), also grouped by
#      source-port boundaries; replay counts the same on both;
#   2. round trips: export -> import -> export is a fixed point (CSV and
#      JSON Lines); importing a file twice, or a copy, adds nothing; a
#      failed import changes nothing; flow logs and aggregates in one
#      import; fsck and compact on a corpus holding aggregate rows;
#   3. exactness: a what-if whose proposed rule splits a row's source-port
#      range reports it inexact (exit 3); grouped by what
#      `sport-boundaries` prints, the rows are exact again;
#   4. the KQL files parse and use only columns of the documented schemas
#      (Microsoft's Kusto language service from npm), the PySpark job
#      compiles;
#   5. usage errors of export-flows and sport-boundaries.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
case $NSGPROOF in /*) ;; *) NSGPROOF=$PWD/$NSGPROOF ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
cd "$root" || exit 2

EX=examples
ARM=("$EX/arm" "$EX/ServiceTags_Public_20261116.json")
DATA=tests/data
# the blobs: the sample, the published real-world samples (v1, v2, VNet),
# a v1 blob with dashed MACs and a VNet blob
mapfile -t BLOBS < <(find "$EX/flowlogs" "$DATA/flowlogs/realworld" -name '*.json' | LC_ALL=C sort)
BLOBS+=("$DATA/flowlogs/v1-dashes.json" "$DATA/flowlogs/vnet.json")

# run ARGS...: nsgproof with stdout in $tmp/out, stderr in $tmp/err, $rc
run() { "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
expect_rc() { [ "$rc" = "$1" ] && ok || ko "$2: exit $rc, expected $1: $(head -c 600 "$tmp/err")"; }
same() { cmp -s "$1" "$2" && ok || { ko "$3"; diff "$1" "$2" | head -10; }; }
pyj() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }

# sql_aggregate OUT BOUNDARIES FILE...: flatten FILEs with jq, run
# aggregate.sql in sqlite3 with the buckets of BOUNDARIES ("" or
# "1024,49152"), write the rows as CSV with a header to OUT
sql_aggregate() {
    local out=$1 bounds=$2 db
    shift 2
    db=$(mktemp "$tmp/db.XXXXXX")
    for f in "$@"; do
        sed '1s/^\xEF\xBB\xBF//' "$f" |
            jq -r --arg format csv -f contrib/spark/flatten_tuples.jq || return 1
    done >"$db.tuples.csv"
    python3 - "$bounds" >"$db.buckets.sql" <<'EOF'
import sys
b = sorted({int(x) for x in sys.argv[1].split(",") if x.strip()})
edges = [0] + b + [65536]
for i in range(len(edges) - 1):
    print(f"INSERT INTO sport_buckets VALUES ({i}, {edges[i]}, {edges[i + 1] - 1});")
EOF
    sqlite3 "$db" >"$db.log" 2>&1 <<EOF
CREATE TABLE raw(nsg TEXT, mac TEXT, rule TEXT, version INTEGER,
  time_ms INTEGER, src_ip TEXT, dst_ip TEXT, src_port INTEGER,
  dst_port INTEGER, protocol INTEGER, direction TEXT, decision TEXT,
  state TEXT, packets_src_dst TEXT, bytes_src_dst TEXT,
  packets_dst_src TEXT, bytes_dst_src TEXT);
.mode csv
.import $db.tuples.csv raw
CREATE VIEW flow_tuples AS SELECT nsg, mac, rule, version, time_ms, src_ip,
  dst_ip, src_port, dst_port, protocol, direction, decision, state,
  CAST(NULLIF(packets_src_dst, '') AS INTEGER) AS packets_src_dst,
  CAST(NULLIF(bytes_src_dst, '') AS INTEGER) AS bytes_src_dst,
  CAST(NULLIF(packets_dst_src, '') AS INTEGER) AS packets_dst_src,
  CAST(NULLIF(bytes_dst_src, '') AS INTEGER) AS bytes_dst_src FROM raw;
CREATE TABLE sport_buckets(bucket INTEGER, lo INTEGER, hi INTEGER);
.read $db.buckets.sql
.headers on
.output $out
.read contrib/spark/aggregate.sql
EOF
}

# ---- 1. SQL under sqlite3 == import + export of the raw blobs -------------
command -v sqlite3 >/dev/null && ok || ko "sqlite3 is not installed (make deps)"
command -v jq >/dev/null && ok || ko "jq is not installed (make deps)"
run import --corpus "$tmp/raw" "${ARM[@]}" "${BLOBS[@]}"; expect_rc 0 "import the raw blobs"
run export-flows --corpus "$tmp/raw"; expect_rc 0 "export the raw corpus"
cp "$tmp/out" "$tmp/raw.csv"
[ "$(wc -l <"$tmp/raw.csv")" -gt 50 ] && ok || ko "the raw export has too few rows"
if sql_aggregate "$tmp/sql.csv" "" "${BLOBS[@]}"; then ok; else ko "sqlite3 aggregation: $(cat "$tmp"/db.*.log)"; fi
# the SQL's rows really are aggregates: fewer rows than tuples
tuples=$(for f in "${BLOBS[@]}"; do sed '1s/^\xEF\xBB\xBF//' "$f" | jq -c -f contrib/spark/flatten_tuples.jq; done | wc -l)
rows=$(($(wc -l <"$tmp/sql.csv") - 1))
[ "$rows" -gt 0 ] && [ "$rows" -lt "$tuples" ] && ok || ko "SQL gave $rows rows for $tuples tuples"
run import --corpus "$tmp/viasql" "${ARM[@]}" "$tmp/sql.csv"; expect_rc 0 "import the SQL's rows"
grep -q "aggregate: imported ($rows rows)" "$tmp/out" && ok || ko "rows imported: $(cat "$tmp/out")"
run export-flows --corpus "$tmp/viasql"; expect_rc 0 "export the SQL corpus"
same "$tmp/raw.csv" "$tmp/out" "SQL rows imported and exported differ from the raw blobs exported"
# the sums, independently: tuples and bytes over all rows of both
sum_col() { python3 -c 'import csv,sys; print(sum(int(r[sys.argv[2]] or 0) for r in csv.DictReader(open(sys.argv[1]))))' "$1" "$2"; }
for col in tuples flows bytes_src_dst packets_dst_src; do
    [ "$(sum_col "$tmp/raw.csv" $col)" = "$(sum_col "$tmp/sql.csv" $col)" ] && ok ||
        ko "sum of $col: raw $(sum_col "$tmp/raw.csv" $col), SQL $(sum_col "$tmp/sql.csv" $col)"
done
[ "$(sum_col "$tmp/sql.csv" tuples)" = "$tuples" ] && ok || ko "the SQL's tuples do not add up to the $tuples tuples"
# grouped by source-port boundaries: SQL buckets == export buckets
B=1024,40000,49152,50000,62001
sql_aggregate "$tmp/sqlb.csv" "$B" "${BLOBS[@]}" && ok || ko "sqlite3 aggregation with boundaries"
run import --corpus "$tmp/viasqlb" "${ARM[@]}" "$tmp/sqlb.csv"; expect_rc 0 "import bucketed rows"
run export-flows --corpus "$tmp/viasqlb" --sport-boundaries "$B"; cp "$tmp/out" "$tmp/b1.csv"
run export-flows --corpus "$tmp/raw" --sport-boundaries "$B"; expect_rc 0 "export raw with boundaries"
same "$tmp/out" "$tmp/b1.csv" "bucketed SQL rows differ from the raw blobs exported with the same boundaries"
[ "$(wc -l <"$tmp/b1.csv")" -gt "$(wc -l <"$tmp/raw.csv")" ] && ok || ko "boundaries did not split any row"
# replay counts the same tuples the same way on the raw and the SQL corpus
run replay --corpus "$tmp/raw" --json; cp "$tmp/out" "$tmp/rr.json"
run replay --corpus "$tmp/viasql" --json; cp "$tmp/out" "$tmp/rs.json"
python3 - "$tmp/rr.json" "$tmp/rs.json" <<'EOF' && ok || ko "replay of the raw and SQL corpora differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
keys = ["flows_total", "agree", "disagree", "unevaluated", "unevaluated_reasons"]
bad = [k for k in keys if a[k] != b[k]]
if bad or b["inexact"] != 0 or a["flows_total"] == 0:
    print({k: (a[k], b[k]) for k in keys + ["inexact"]})
    sys.exit(1)
EOF

# ---- 2. round trips, idempotence, failures -------------------------------
run export-flows --corpus "$tmp/raw" --format jsonl --out "$tmp/raw.jsonl" --json
expect_rc 0 "export JSON Lines to a file"
pyj "$tmp/out" "j['rows'] == $(($(wc -l <"$tmp/raw.csv") - 1)) and j['format'] == 'jsonl'" && ok || ko "--json summary: $(cat "$tmp/out")"
run import --corpus "$tmp/rt" "$tmp/raw.jsonl"; expect_rc 0 "import the JSON Lines export"
run export-flows --corpus "$tmp/rt"; same "$tmp/raw.csv" "$tmp/out" "JSON Lines round trip differs"
run import --corpus "$tmp/rt2" "$tmp/raw.csv"; run export-flows --corpus "$tmp/rt2"
same "$tmp/raw.csv" "$tmp/out" "CSV round trip differs"
# importing the same file twice, or a copy under another name, adds nothing
cp "$tmp/raw.csv" "$tmp/copy-of-raw.csv"
run import --corpus "$tmp/rt2" --json "$tmp/raw.csv" "$tmp/copy-of-raw.csv"; expect_rc 0 "import again"
pyj "$tmp/out" "j['aggregates']['files_unchanged'] == 2 and j['aggregates']['flows_written'] == 0 and not j['changed']" &&
    ok || ko "a second import added something: $(head -c 800 "$tmp/out")"
run export-flows --corpus "$tmp/rt2"; same "$tmp/raw.csv" "$tmp/out" "a second import changed the flows"
# two copies of one file in one import: read once
run import --corpus "$tmp/twice" --json "$DATA/aggregates/ok/adx-nsg.csv" "$tmp/copy-of-raw.csv" "$tmp/raw.csv"
pyj "$tmp/out" "j['aggregates']['files_unchanged'] == 1" && ok || ko "a copy in the same import was read twice"
# a failed import changes nothing, also next to good files
run export-flows --corpus "$tmp/rt2"; cp "$tmp/out" "$tmp/before.csv"
run import --corpus "$tmp/rt2" "$DATA/aggregates/ok/vnet.jsonl" "$DATA/aggregates/bad/bad-ip.csv"
expect_rc 2 "a bad row fails the import"
grep -q "bad-ip.csv: line 2: column src_ip" "$tmp/err" && ok || ko "message: $(cat "$tmp/err")"
run export-flows --corpus "$tmp/rt2"; same "$tmp/before.csv" "$tmp/out" "a failed import changed the flows"
run import --corpus "$tmp/kg" --keep-going "${ARM[@]}" "$DATA/aggregates/bad/bad-ip.csv"
expect_rc 2 "--keep-going with a bad aggregate file"
run rules --corpus "$tmp/kg" --nic web-1; expect_rc 0 "--keep-going committed the configuration"
run export-flows --corpus "$tmp/kg"; [ "$(wc -l <"$tmp/out")" = 1 ] && ok || ko "--keep-going committed rows of a bad file"
# flow logs and aggregates in one import: both stored, both exported
run import --corpus "$tmp/mix" "$EX/flowlogs" "$DATA/aggregates/ok/adx-nsg.csv"; expect_rc 0 "mixed import"
run export-flows --corpus "$tmp/mix"
grep -c UserRule_AllowSshFromPartner "$tmp/out" | grep -qx 1 && ok || ko "the aggregate row is not in the mixed export"
grep -q "NETWORKSECURITYGROUPS/WEB-NSG" "$tmp/out" && ok || ko "the flow-log rows are not in the mixed export"
# fsck and compact on a corpus with aggregate rows (format-2 segments)
run fsck --corpus "$tmp/mix"; expect_rc 0 "fsck of a corpus with aggregate rows"
run export-flows --corpus "$tmp/mix"; cp "$tmp/out" "$tmp/mix1.csv"
run import --corpus "$tmp/mix" "$DATA/aggregates/ok/vnet.jsonl"; expect_rc 0 "a second segment"
run export-flows --corpus "$tmp/mix"; cp "$tmp/out" "$tmp/mix2.csv"
run compact --corpus "$tmp/mix"; expect_rc 0 "compact"
run export-flows --corpus "$tmp/mix"; same "$tmp/mix2.csv" "$tmp/out" "compaction changed the aggregate rows"
seg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sections"]["flows"]["segments"][0]["name"])' "$tmp/mix/manifest.json")
[ "$(head -c 8 "$tmp/mix/$seg")" = NSGFLOW2 ] && ok || ko "the compacted segment is not format 2"
seg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sections"]["flows"]["segments"][0]["name"])' "$tmp/raw/manifest.json")
[ "$(head -c 8 "$tmp/raw/$seg")" = NSGFLOW1 ] && ok || ko "a segment of logged tuples is not format 1"

# ---- 3. exactness ---------------------------------------------------------
# The proposal: app-nsg as it is, plus a rule denying source port 62001 of
# the load-balancer probe to 8080 -- it splits the probe row's range
# 62000-62001 (two tuples, one per port, in the sample).
jq '(.value // [.])[] | select(.name == "app-nsg")
    | .properties.securityRules += [{"name": "DenyProbePort62001",
        "properties": {"priority": 3800, "direction": "Inbound",
          "access": "Deny", "protocol": "Tcp",
          "sourceAddressPrefix": "168.63.129.16", "sourcePortRange": "62001",
          "destinationAddressPrefix": "*", "destinationPortRange": "8080"}}]' \
    "$EX/arm/networkSecurityGroups.json" >"$tmp/app-nsg.json"
mapfile -t EXB < <(find "$EX/flowlogs" -name '*.json' | LC_ALL=C sort)
sql_aggregate "$tmp/ex.csv" "" "${EXB[@]}"
grep -q ',8080,62000,62001,' "$tmp/ex.csv" && ok || ko "no probe row 62000-62001 in the job's rows"
run import --corpus "$tmp/ex" "${ARM[@]}" "$tmp/ex.csv"; expect_rc 0 "import the job's rows"
run replay --corpus "$tmp/ex" --proposed "$tmp/app-nsg.json" --json
expect_rc 3 "what-if with a split range: unknown"
pyj "$tmp/out" "j['inexact'] == 2 and j['newly_denied']['count'] == 0" && ok || ko "inexact: $(head -c 600 "$tmp/out")"
run replay --corpus "$tmp/ex" --proposed "$tmp/app-nsg.json"
grep -q "^inexact: 2 tuples" "$tmp/out" && ok || ko "readable inexact line: $(cat "$tmp/out")"
run sport-boundaries --corpus "$tmp/ex" --proposed "$tmp/app-nsg.json" --list; expect_rc 0 "sport-boundaries --list"
bounds=$(cat "$tmp/out")
[ "$bounds" = "62001,62002" ] && ok || ko "boundaries: '$bounds'"
sql_aggregate "$tmp/exb.csv" "$bounds" "${EXB[@]}"
run import --corpus "$tmp/exb" "${ARM[@]}" "$tmp/exb.csv"; expect_rc 0 "import the regrouped rows"
run replay --corpus "$tmp/exb" --proposed "$tmp/app-nsg.json" --json
expect_rc 1 "what-if with regrouped rows: the 62001 tuple newly denied"
pyj "$tmp/out" "j['inexact'] == 0 and j['newly_denied']['count'] == 1" && ok || ko "regrouped: $(head -c 600 "$tmp/out")"
# the logged tuples themselves say the same
run import --corpus "$tmp/exraw" "${ARM[@]}" "$EX/flowlogs"
run replay --corpus "$tmp/exraw" --proposed "$tmp/app-nsg.json" --json
pyj "$tmp/out" "j['inexact'] == 0 and j['newly_denied']['count'] == 1" && ok || ko "raw: $(head -c 600 "$tmp/out")"
# replay (no proposal) of the rows: exact, as before
run replay --corpus "$tmp/ex" --json
pyj "$tmp/out" "j['inexact'] == 0 and j['disagree'] == 0" && ok || ko "replay of the job's rows: $(head -c 400 "$tmp/out")"
# sport-boundaries: JSON and readable forms
run sport-boundaries --corpus "$tmp/ex" --proposed "$tmp/app-nsg.json" --json
pyj "$tmp/out" "j['boundaries'] == [62001, 62002] and j['buckets'][1] == {'min': 62001, 'max': 62001} and j['rules'][0]['rule'] == 'DenyProbePort62001' and j['rules'][0]['from'] == 'proposed'" &&
    ok || ko "sport-boundaries --json: $(cat "$tmp/out")"
run sport-boundaries --corpus "$tmp/ex" "$tmp/app-nsg.json"; expect_rc 2 "a file without --proposed"
run sport-boundaries --corpus "$tmp/ex"; expect_rc 0 "sport-boundaries of the corpus alone"
grep -q "one bucket, 0-65535" "$tmp/out" && ok || ko "no-boundary text: $(cat "$tmp/out")"

# The hardening proof counts them too.  web-nsg with one more rule whose
# source ports (1000-1500) split an aggregate row's range (1000-2000) of
# SSH from 10.0.2.7 to web-1: harden does not learn from the row, prove
# cannot decide it (unknown, exit 3); the same traffic as two rows cut at
# the boundary sport-boundaries prints: learnt, proven (exit 0).
mkdir -p "$tmp/harm"
cp "$EX"/arm/*.json "$tmp/harm/"
jq '.properties.securityRules += [{"name": "AllowSshLowPorts", "properties": {
      "priority": 150, "direction": "Inbound", "access": "Allow",
      "protocol": "Tcp", "sourceAddressPrefix": "10.0.2.7",
      "sourcePortRange": "1000-1500", "destinationAddressPrefix": "*",
      "destinationPortRange": "22"}}]' "$EX/arm/web-nsg.json" >"$tmp/harm/web-nsg.json"
WEBNSG=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo/providers/Microsoft.Network/networkSecurityGroups/web-nsg
{ head -1 "$DATA/aggregates/ok/adx-nsg.csv"
  echo "$WEBNSG,000D3A2B1004,I,6,10.0.2.7,10.0.1.4,22,1000,2000,A,UserRule_AllowSshFromMgmt,4,2,10,1000,10,1000,1795179700000,1795179800000"
} >"$tmp/h1.csv"
run import --corpus "$tmp/h1" --captured-at 2026-11-20T12:00:00Z "$tmp/harm" "${ARM[1]}" "$EX/flowlogs" "$tmp/h1.csv"
expect_rc 0 "import the hardening corpus"
run sport-boundaries --corpus "$tmp/h1" --list; [ "$(cat "$tmp/out")" = "1000,1501" ] && ok || ko "boundaries: $(cat "$tmp/out")"
run harden --corpus "$tmp/h1" --min-days 0 --out "$tmp/plan1.json" --json
pyj "$tmp/out" "[n['inexact_records'] for n in j['nics'] if n['name'] == 'web-1'] == [1]" && ok || ko "harden did not count the inexact row: $(head -c 500 "$tmp/out")"
run prove --corpus "$tmp/h1" --plan "$tmp/plan1.json" --json; expect_rc 3 "prove with an inexact row: unknown"
pyj "$tmp/out" "j['status'] == 'unknown' and j['observed']['inexact_tuples'] == 4 and j['observed']['newly_denied']['tuples'] == 0" &&
    ok || ko "prove: $(head -c 600 "$tmp/out")"
{ head -1 "$DATA/aggregates/ok/adx-nsg.csv"
  echo "$WEBNSG,000D3A2B1004,I,6,10.0.2.7,10.0.1.4,22,1000,1500,A,UserRule_AllowSshLowPorts,2,1,5,500,5,500,1795179700000,1795179750000"
  echo "$WEBNSG,000D3A2B1004,I,6,10.0.2.7,10.0.1.4,22,1501,2000,A,UserRule_AllowSshFromMgmt,2,1,5,500,5,500,1795179760000,1795179800000"
} >"$tmp/h2.csv"
run import --corpus "$tmp/h2" --captured-at 2026-11-20T12:00:00Z "$tmp/harm" "${ARM[1]}" "$EX/flowlogs" "$tmp/h2.csv"
run harden --corpus "$tmp/h2" --min-days 0 --out "$tmp/plan2.json"
run prove --corpus "$tmp/h2" --plan "$tmp/plan2.json" --json; expect_rc 0 "prove with regrouped rows: proven"
pyj "$tmp/out" "j['status'] == 'proven' and j['observed']['inexact_tuples'] == 0" && ok || ko "prove regrouped: $(head -c 600 "$tmp/out")"
# export keeps the two exact rows apart: the round trip stays provable
run export-flows --corpus "$tmp/h2"; cp "$tmp/out" "$tmp/h2.export"
[ "$(grep -c ',10.0.2.7,10.0.1.4,22,' "$tmp/h2.export")" = 2 ] && ok || ko "the two rows were merged: $(grep 10.0.2.7 "$tmp/h2.export")"
run import --corpus "$tmp/h3" --captured-at 2026-11-20T12:00:00Z "$tmp/harm" "${ARM[1]}" "$tmp/h2.export"
run export-flows --corpus "$tmp/h3"; same "$tmp/h2.export" "$tmp/out" "round trip of a corpus with imported rows"
run prove --corpus "$tmp/h3" --plan "$tmp/plan2.json" --json; expect_rc 0 "the round-tripped corpus proves the plan"

# ---- 4. KQL and PySpark ---------------------------------------------------
python3 -m py_compile contrib/spark/nsg_flow_aggregate.py 2>"$tmp/pyc" && ok || ko "PySpark job: $(cat "$tmp/pyc")"
rm -rf contrib/spark/__pycache__
# the Kusto language service, installed once into build/node (npm)
node_dir=$root/build/node
pkg=$node_dir/node_modules/@kusto/language-service-next
if [ ! -f "$pkg/Kusto.Language.Bridge.js" ]; then
    mkdir -p "$node_dir"
    (cd "$node_dir" && npm install --no-save --no-audit --no-fund --silent \
        @kusto/language-service-next@12.4.1) >"$tmp/npm.log" 2>&1
fi
if [ -f "$pkg/Kusto.Language.Bridge.js" ]; then
    node tests/lib/kql_check.js "$node_dir" "$DATA"/kql/*.schema contrib/adx/tables.kql -- \
        contrib/adx/nsg_flowlogs.kql contrib/adx/vnet_flowlogs.kql \
        contrib/log-analytics/ntanetanalytics.kql \
        contrib/log-analytics/azurenetworkanalytics.kql >"$tmp/kql" 2>&1
    grep -q "^4 passed, 0 failed" "$tmp/kql" && ok || ko "KQL: $(cat "$tmp/kql")"
    # the checker fails a query naming a column the schema lacks
    sed 's/MacAddress/MACAddress/' contrib/log-analytics/ntanetanalytics.kql >"$tmp/bad.kql"
    node tests/lib/kql_check.js "$node_dir" "$DATA"/kql/*.schema -- "$tmp/bad.kql" >"$tmp/kql" 2>&1
    grep -q "MACAddress' does not refer" "$tmp/kql" && ok || ko "the KQL check missed a bad column: $(cat "$tmp/kql")"
else
    ko "cannot install @kusto/language-service-next from npm: $(tail -5 "$tmp/npm.log")"
fi

# ---- 5. usage errors ------------------------------------------------------
run export-flows; expect_rc 2 "export-flows without --corpus"
run export-flows --corpus "$tmp/raw" --format xml; expect_rc 2 "--format xml"
run export-flows --corpus "$tmp/raw" --json; expect_rc 2 "--json without --out"
run export-flows --corpus "$tmp/raw" --sport-boundaries 0,12; expect_rc 2 "boundary 0"
run export-flows --corpus "$tmp/raw" --since tomorrow; expect_rc 2 "bad --since"
run export-flows --corpus "$tmp/raw" --format csv --format jsonl; expect_rc 2 "--format twice"
run export-flows --corpus "$tmp/nope"; expect_rc 2 "a missing corpus"
run sport-boundaries --corpus "$tmp/raw" --list --json; expect_rc 2 "--list with --json"
run sport-boundaries --corpus "$tmp/raw" --proposed "$tmp/nope.json"; expect_rc 2 "a missing proposed file"
grep -q "nope.json" "$tmp/err" && ok || ko "the missing file is not named: $(cat "$tmp/err")"

echo "t_aggregates: $pass passed, $fail failed"
[ "$fail" = 0 ]
