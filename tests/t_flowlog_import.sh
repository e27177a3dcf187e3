#!/usr/bin/env bash
# t_flowlog_import.sh - CLI tests of flow-log ingest through `nsgproof
# import`: a tree of NSG (v1/v2, blob layout, BOM, pretty-printed, NDJSON)
# and VNet flow logs, problems reported with file and byte offset, an open
# blob, admin-rule tuples, unknown NSGs, idempotent re-import and a blob
# that grows.  Expected figures are computed from the input files by an
# independent Python reading (json + ipaddress), not copied from output.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

cp -r "$here/data/flowlogs" "$tmp/logs"
rm -rf "$tmp/logs/realworld"   # checked on their own (section 5)
corpus=$tmp/corpus

# expect.py MODE: the figures an independent reader finds in $tmp/logs.
cat >"$tmp/expect.py" <<'EOF'
import ipaddress, json, os, re, sys
root = sys.argv[1]
def tuples_of(rec):
    out = []
    for g in rec.get("properties", {}).get("flows", []):
        for f in g.get("flows", []):
            out += [(g["rule"], t, False) for t in f.get("flowTuples", [])]
    for f in rec.get("flowRecords", {}).get("flows", []):
        for g in f.get("flowGroups", []):
            out += [(g["rule"], t, True) for t in g.get("flowTuples", [])]
    return out
def records(path):
    text = open(path, encoding="utf-8-sig").read()
    name = os.path.basename(path)
    if name == "open-blob.json":   # complete records only
        text = text[:text.rfind("},{") + 1] + "]}"
    if name == "problems.json":    # drop the corrupt record, trailing comma
        text = re.sub(r',\{"time":"[^"]*","properties":\{"flows":\[\}\}', "", text)
        text = text.replace("},]}", "}]}")
    if text.lstrip().startswith('{"records"') or text.lstrip().startswith('{\n'):
        return json.loads(text)["records"]
    return [json.loads(l) for l in text.splitlines() if l.strip()]
def good(t, vnet):
    f = t.split(",")
    try:
        ipaddress.ip_address(f[1]); ipaddress.ip_address(f[2])
        return all(0 <= int(p) < 65536 for p in f[3:5] if p or not vnet)
    except ValueError:
        return False
n = bad = admin = recs = 0
for d, _, files in os.walk(root):
    for fn in files:
        for r in records(os.path.join(d, fn)):
            recs += 1
            for rule, t, vnet in tuples_of(r):
                n += 1
                bad += not good(t, vnet)
                admin += vnet and not rule.startswith(("UserRule_", "DefaultRule_")) and rule != "PlatformRule"
print(n, bad, admin, recs)
EOF
read -r want_tuples want_bad want_admin want_records < <(python3 "$tmp/expect.py" "$tmp/logs")
# pyj FILE EXPR: a Python expression over the JSON report (as j).
pyj() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
check() { pyj "$tmp/out.json" "$1" && ok || ko "$2: $1 is false for $(head -c 1500 "$tmp/out.json")"; }

# 1. the whole tree
"$NSGPROOF" import --corpus "$corpus" --json "$tmp/logs" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && ok || ko "import: exit $rc: $(cat "$tmp/err")"
check "j['flowlogs']['tuples'] == $want_tuples" "tuples read"
check "j['flowlogs']['tuples_bad'] == $want_bad" "bad tuples"
check "j['flowlogs']['records'] == $want_records" "records"
check "j['flowlogs']['records_bad'] == 1" "the corrupt record of problems.json"
check "j['flowlogs']['admin_rule_tuples'] == $want_admin" "admin-rule tuples"
check "j['flowlogs']['open_blobs'] == 1 and j['flowlogs']['open_blob_files'][0].endswith('open-blob.json')" "open blob"
check "0 < j['flowlogs']['flows_written'] <= $want_tuples - $want_bad" "flows written"
check "any(u['nsg'].endswith('/WEB-NSG') for u in j['flowlogs']['unknown_nsgs'])" "unknown NSG"
# the trailing comma is reported at its byte offset ("," before "]}")
off=$(python3 -c 'import sys; t=open(sys.argv[1],"rb").read(); print(t.rfind(b",]}") + 1)' "$tmp/logs/problems.json")
check "any(p['file'].endswith('problems.json') and p['offset'] == $off and 'trailing comma' in p['problem'] for p in j['flowlogs']['problems'])" "trailing comma offset"
off=$(python3 -c 'import sys; t=open(sys.argv[1],"rb").read(); print(t.find(b"203.0.113.777") - 11)' "$tmp/logs/problems.json")
check "any(p['offset'] == $off and 'source IP' in p['problem'] for p in j['flowlogs']['problems'])" "bad tuple offset"

# 2. the same again: nothing new
cp "$corpus/manifest.json" "$tmp/manifest.1"
"$NSGPROOF" import --corpus "$corpus" --json "$tmp/logs" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && ok || ko "re-import: exit $rc: $(cat "$tmp/err")"
check "j['flowlogs']['records'] == 0 and j['flowlogs']['tuples'] == 0 and j['flowlogs']['flows_written'] == 0" "re-import adds nothing"
# every flow file is "unchanged", its records counted as already imported
check "all(f['status'] == 'unchanged' for f in j['files'] if f['kind'] == 'flowlog')" "re-import: flow files unchanged"
check "j['flowlogs']['records_already_imported'] == $want_records" "re-import: records already imported"
check "sum(p['records_already_imported'] for p in j['flowlogs']['per_file']) == $want_records and all(p['records_new'] == 0 for p in j['flowlogs']['per_file'])" "re-import: per-file breakdown"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["sections"]["flows"]["segments"]; b=json.load(open(sys.argv[2]))["sections"]["flows"]["segments"]; sys.exit(a != b)' \
  "$tmp/manifest.1" "$corpus/manifest.json" && ok || ko "re-import changed the segment list"

# 3. the open blob grows (its last record completed, one more, closed)
python3 - "$tmp/logs/open-blob.json" <<'EOF'
import sys
p = sys.argv[1]; t = open(p).read()
rec = t[t.rfind("},{") + 2:]
full = rec.rsplit('"176366', 1)[0] + '"1763661661,203.0.113.7,10.0.1.4,51500,22,T,I,A,E,1,60,1,60"]}]}]}}'
extra = full.replace("18:01:00Z", "18:02:00Z").replace(",E,1,60,1,60", ",C,5,500,5,500")
open(p, "w").write(t[:t.rfind("},{") + 2] + full + "," + extra + "]}")
EOF
"$NSGPROOF" import --corpus "$corpus" --json "$tmp/logs" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && ok || ko "grown blob: exit $rc: $(cat "$tmp/err")"
check "j['flowlogs']['records'] == 2 and j['flowlogs']['tuples'] == 4 and j['flowlogs']['open_blobs'] == 0" "grown blob: only the new records"
check "[f['status'] for f in j['files'] if f['path'].endswith('open-blob.json')] == ['imported'] and [p['records_new'] for p in j['flowlogs']['per_file'] if p['path'].endswith('open-blob.json')] == [2]" "grown blob: imported, 2 new records"
check "all(f['status'] == 'unchanged' for f in j['files'] if f['kind'] == 'flowlog' and not f['path'].endswith('open-blob.json'))" "grown blob: the others unchanged"

# 4. human-readable report
"$NSGPROOF" import --corpus "$corpus" "$tmp/logs" >"$tmp/out.txt" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && grep -q "flow logs" "$tmp/out.txt" && ok || ko "human report: exit $rc: $(head -c 400 "$tmp/out.txt")"

# 5. compaction: replay identical before and after, a killed compaction
#    leaves the corpus as it was
nseg() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["sections"]["flows"]["segments"]))' "$tmp/cc/manifest.json"; }
replays() {  # replays N: plain replay and what-if of the corpus into $tmp/*.N
  "$NSGPROOF" replay --corpus "$tmp/cc" --json --limit 1000 >"$tmp/replay.$1" 2>&1
  "$NSGPROOF" replay --corpus "$tmp/cc" --json --limit 1000 \
    --proposed "$here/../examples/proposed/web-nsg.json" >"$tmp/whatif.$1" 2>&1
}
same() {  # same A B WHAT
  cmp -s "$tmp/$1" "$tmp/$2" && ok || ko "$3: $(diff "$tmp/$1" "$tmp/$2" | head -6)"
}
"$NSGPROOF" import --corpus "$tmp/cc" "$here/../examples/arm" "$here/../examples/flowlogs" >/dev/null 2>&1
"$NSGPROOF" import --corpus "$tmp/cc" "$tmp/logs/nsg" >/dev/null 2>&1
"$NSGPROOF" import --corpus "$tmp/cc" "$here/data/flowlogs/vnet.json" >/dev/null 2>&1
[ "$(nseg)" = 3 ] && ok || ko "compaction fixture: $(nseg) segments"
replays 1
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["flows_total"] > 0 else 1)' "$tmp/replay.1" && ok || ko "replay before compaction read nothing: $(head -c 300 "$tmp/replay.1")"
cp "$tmp/cc/manifest.json" "$tmp/cc.manifest"
(NSGPROOF_TEST_KILL=compact-before-commit "$NSGPROOF" compact --corpus "$tmp/cc"; :) >/dev/null 2>&1
cmp -s "$tmp/cc.manifest" "$tmp/cc/manifest.json" && ok || ko "killed compaction changed the manifest"
replays k
same replay.1 replay.k "replay differs after a killed compaction"
"$NSGPROOF" compact --corpus "$tmp/cc" --json >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc = 0 ] && ok || ko "compact: exit $rc: $(cat "$tmp/err")"
check "j['compacted'] and j['committed'] and j['segments_before'] == 3 and 0 < j['flows_after'] <= j['flows_before']" "compact report"
[ "$(nseg)" = 1 ] && ok || ko "after compaction: $(nseg) segments"
replays 2
same replay.1 replay.2 "replay differs after compaction"
same whatif.1 whatif.2 "what-if replay differs after compaction"
"$NSGPROOF" compact --corpus "$tmp/cc" >"$tmp/out.txt" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "no change" "$tmp/out.txt" && ok || ko "second compaction: exit $rc: $(cat "$tmp/out.txt")"
# a copy outside the blob layout is a new blob: the same flow keys in a
# second segment, which compaction sums into one record each
find "$here/../examples/flowlogs" -name PT1H.json | sort | head -1 | xargs -I{} cp {} "$tmp/dup-PT1H.json"
"$NSGPROOF" import --corpus "$tmp/cc" "$tmp/dup-PT1H.json" >/dev/null 2>&1
replays 3
"$NSGPROOF" compact --corpus "$tmp/cc" --json >"$tmp/out.json" 2>"$tmp/err"
check "j['compacted'] and 0 < j['flows_after'] < j['flows_before']" "compaction merges equal keys of two segments"
replays 4
same replay.3 replay.4 "replay differs after merging equal keys"
same whatif.3 whatif.4 "what-if differs after merging equal keys (counts of one NSG's log split across segments add up)"
"$NSGPROOF" compact >/dev/null 2>&1; [ $? = 2 ] && ok || ko "compact without --corpus: not a usage error"
"$NSGPROOF" compact --corpus "$tmp/none" >/dev/null 2>&1; [ $? = 2 ] && ok || ko "compact of a missing corpus: not exit 2"

# 6. the real-world samples' expectations are what expect.py reads today
rw=$here/data/flowlogs/realworld
for f in "$rw"/*.json; do
  python3 "$rw/expect.py" "$f" | LC_ALL=C sort | cmp -s - "${f%.json}.expect" && ok || ko "$(basename "$f"): .expect is stale"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
