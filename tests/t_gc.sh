#!/usr/bin/env bash
# t_gc.sh - `nsgproof gc` and `nsgproof fsck`: leftovers of killed commands
# are garbage (fsck exit 0) that gc removes; compact then gc leaves only
# referenced files and at most 1.1x the size before compact; a reader
# holding the corpus keeps superseded files; kill -9 during compact and
# during gc leaves a corpus that fsck finds clean and that replays the same;
# corruption (a flipped byte, a truncated object, a missing file, a
# hand-edited hash, a hostile segment header, a broken checkpoint file) is
# damage (exit 1) with its path, never a crash; a corpus in the format
# written before checkpoints left the manifest is read and converted by the
# next import without importing anything twice.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# run WANT NAME CMD...: CMD's exit status must be WANT; stdout in $tmp/out
run() {
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
    ko "$name: sanitizer report: $(head -c 400 "$tmp/err")"; return
  fi
  [ "$rc" = "$want" ] && ok || ko "$name: exit $rc, want $want: $(head -c 300 "$tmp/err") $(head -c 300 "$tmp/out")"
}
# pyj FILE EXPR: a Python expression over the JSON in FILE (as j)
pyj() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"; }
check() { pyj "$tmp/out" "$1" && ok || ko "$2: $1 is false for $(head -c 800 "$tmp/out")"; }
# totals C: replay figures that must not change (one line)
totals() {
  "$NSGPROOF" replay --corpus "$1" --json --limit 1000 2>/dev/null |
    python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["flows_total"], j.get("agree"), j.get("disagree"), j.get("established"))'
}
size_of() { du -sb --apparent-size "$1" | cut -f1; }
# referenced C: the files the manifest names under flows/ (sorted)
referenced() {
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]+"/manifest.json"))["sections"]["flows"]
for x in sorted([e["name"] for e in s["segments"]] + [e["name"] for e in s.get("checkpoints", [])]): print(x)' "$1"
}
present() { (cd "$1" && find flows -type f | LC_ALL=C sort); }

C=$tmp/c
"$NSGPROOF" import --corpus "$C" "$here/../examples/arm" "$here/../examples/flowlogs" >/dev/null 2>&1 &&
"$NSGPROOF" import --corpus "$C" "$here/data/flowlogs/nsg" >/dev/null 2>&1 &&
"$NSGPROOF" import --corpus "$C" "$here/data/flowlogs/vnet.json" >/dev/null 2>&1 ||
  { echo "FAIL: fixture import"; echo "0 passed, 1 failed"; exit 1; }
want_totals=$(totals "$C")
[ -n "$want_totals" ] && [ "${want_totals%% *}" -gt 0 ] && ok || ko "replay of the fixture: '$want_totals'"

# ---- 1. a clean corpus; leftovers are garbage, not damage ----------------
run 0 "fsck clean" "$NSGPROOF" fsck --corpus "$C" --json
check "j['clean'] and j['damaged'] == 0 and j['garbage_files'] == 0 and j['checked']['segments'] == 3 and j['checked']['objects'] > 0 and j['checked']['checkpoint_files'] >= 1" "fsck report"
obj=$(cd "$C" && find objects -name '*.json' | head -1)
printf 'x' >"$C/flows/g999999-deadbeef-1.seg"          # a later import, killed
printf 'run' >"$C/flows/nsgproof-run-4242-0.tmp"       # a spill run
printf '{}' >"$C/$obj.tmp-4242"                        # an object being written
printf '{}' >"$C/manifest.json.tmp-4242"               # a manifest being written
run 0 "fsck with leftovers" "$NSGPROOF" fsck --corpus "$C" --json
check "j['clean'] and j['garbage_files'] == 4 and sorted(g['path'] for g in j['garbage'])[0] == 'flows/g999999-deadbeef-1.seg'" "leftovers are garbage"
run 0 "fsck text" "$NSGPROOF" fsck --corpus "$C"
grep -q '^garbage: 4 files' "$tmp/out" && grep -q '^clean$' "$tmp/out" && ok || ko "fsck text: $(cat "$tmp/out")"

# ---- 2. kill -9 during compact, then fsck and replay ---------------------
cp "$C/manifest.json" "$tmp/m0"
(NSGPROOF_TEST_KILL=compact-before-commit "$NSGPROOF" compact --corpus "$C"; echo $? >"$tmp/rc") >/dev/null 2>&1
[ "$(cat "$tmp/rc")" = 137 ] && ok || ko "compact was not killed: exit $(cat "$tmp/rc")"
cmp -s "$tmp/m0" "$C/manifest.json" && ok || ko "killed compaction changed the manifest"
run 0 "fsck after killed compact" "$NSGPROOF" fsck --corpus "$C" --json
check "j['clean'] and j['garbage_files'] == 5" "killed compaction: its segment is garbage"
[ "$(totals "$C")" = "$want_totals" ] && ok || ko "replay after killed compact: $(totals "$C") != $want_totals"

# ---- 3. gc with a reader present keeps what the reader may read ----------
"$NSGPROOF" compact --corpus "$C" >/dev/null 2>&1 || ko "compact failed"
flock -s "$C/.readers" sleep 30 &
reader=$!
sleep 0.3
run 0 "gc with a reader" "$NSGPROOF" gc --corpus "$C" --json
check "j['readers'] and j['files_freed'] == 4 and all(k['path'].startswith('flows/g00000') for k in j['kept']) and len(j['kept']) == 4" "reader: only never-published leftovers removed"
[ -e "$C/flows/g999999-deadbeef-1.seg" ] && ko "unpublished segment kept" || ok
kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null

# ---- 4. compact then gc: only referenced files, <= 1.1x the size ---------
G=$tmp/g
"$NSGPROOF" import --corpus "$G" "$here/../examples/arm" "$here/../examples/flowlogs" >/dev/null 2>&1
"$NSGPROOF" import --corpus "$G" "$here/data/flowlogs/nsg" >/dev/null 2>&1
"$NSGPROOF" import --corpus "$G" "$here/data/flowlogs/vnet.json" >/dev/null 2>&1
before=$(size_of "$G")
"$NSGPROOF" compact --corpus "$G" >/dev/null 2>&1 || ko "compact of G"
present "$G" >"$tmp/listing"
run 0 "gc --dry-run" "$NSGPROOF" gc --corpus "$G" --dry-run --json
check "j['dry_run'] and j['files_freed'] == 3 and not j['readers'] and all(r['path'].endswith('.seg') for r in j['removed'])" "dry run reports the superseded segments"
[ "$(present "$G")" = "$(cat "$tmp/listing")" ] && ok || ko "dry run removed files: $(present "$G")"
run 0 "gc" "$NSGPROOF" gc --corpus "$G"
grep -q '^corpus .*: freed 3 files' "$tmp/out" && ok || ko "gc text: $(cat "$tmp/out")"
[ "$(present "$G")" = "$(referenced "$G")" ] && ok || ko "flows/ holds other files than the manifest names: $(present "$G") vs $(referenced "$G")"
after=$(size_of "$G")
python3 -c "import sys; sys.exit(0 if $after <= 1.1 * $before else 1)" && ok || ko "after compact and gc: $after bytes, before compact $before"
run 0 "fsck after gc" "$NSGPROOF" fsck --corpus "$G" --json
check "j['clean'] and j['garbage_files'] == 0" "clean and no garbage after gc"
[ "$(totals "$G")" = "$want_totals" ] && ok || ko "replay after compact and gc: $(totals "$G")"
run 0 "gc again" "$NSGPROOF" gc --corpus "$G" --json
check "j['files_freed'] == 0" "second gc frees nothing"

# ---- 5. kill -9 during gc, then fsck and replay --------------------------
"$NSGPROOF" import --corpus "$G" "$tmp/none-such" >/dev/null 2>&1
cp -r "$here/data/flowlogs/open-blob.json" "$tmp/open.json"
"$NSGPROOF" import --corpus "$G" "$tmp/open.json" >/dev/null 2>&1
"$NSGPROOF" compact --corpus "$G" >/dev/null 2>&1
for i in 1 2 3; do printf 'x' >"$G/flows/nsgproof-run-9$i-0.tmp"; done
want2=$(totals "$G")
(NSGPROOF_TEST_KILL=gc-after-first-remove "$NSGPROOF" gc --corpus "$G"; echo $? >"$tmp/rc") >/dev/null 2>&1
[ "$(cat "$tmp/rc")" = 137 ] && ok || ko "gc was not killed: exit $(cat "$tmp/rc")"
run 0 "fsck after killed gc" "$NSGPROOF" fsck --corpus "$G" --json
check "j['clean'] and j['garbage_files'] >= 3" "killed gc: clean, garbage left"
[ "$(totals "$G")" = "$want2" ] && ok || ko "replay after killed gc: $(totals "$G") != $want2"
run 0 "gc after killed gc" "$NSGPROOF" gc --corpus "$G" --json
run 0 "fsck after gc" "$NSGPROOF" fsck --corpus "$G" --json
check "j['clean'] and j['garbage_files'] == 0" "second gc finished the job"
[ "$(totals "$G")" = "$want2" ] && ok || ko "replay after gc: $(totals "$G") != $want2"

# ---- 6. corruption is damage, with its path ------------------------------
# fresh KIND: a copy of G in $tmp/d
fresh() { rm -rf "$tmp/d"; cp -r "$G" "$tmp/d"; }
seg=$(referenced "$G" | grep '\.seg$' | head -1)
fresh; python3 -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[100]^=1; open(p,"wb").write(b)' "$tmp/d/$seg"
run 1 "flipped byte" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "any(d['path'] == '$seg' and 'hashes to' in d['problem'] for d in j['damage'])" "flipped byte named"
fresh; o=$(cd "$tmp/d" && find objects -name '*.json' | head -1); truncate -s 10 "$tmp/d/$o"
run 1 "truncated object" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "[d['path'] for d in j['damage']] == ['$o']" "truncated object named"
fresh; rm "$tmp/d/$seg"
run 1 "missing segment" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "any(d['path'] == '$seg' and d['problem'] == 'missing' for d in j['damage'])" "missing segment named"
fresh; python3 - "$tmp/d/manifest.json" <<'EOF'
import json, sys
p = sys.argv[1]; m = json.load(open(p))
r = next(iter(m["resources"].values()))
r["versions"][0]["object"] = "../../../../../../../../etc/passwd" + "0" * 30
m["sections"]["flows"]["segments"][0]["name"] = "flows/../../../etc/passwd"
json.dump(m, open(p, "w"))
EOF
run 1 "hand-edited hashes" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "any('not a SHA-256' in d['problem'] for d in j['damage']) and any('no name of a file' in d['problem'] for d in j['damage'])" "non-hex hash and escaping name are damage"
run 2 "replay of a hand-edited manifest" "$NSGPROOF" replay --corpus "$tmp/d"
fresh; python3 - "$tmp/d" "$seg" <<'EOF'
import hashlib, json, struct, sys
d, seg = sys.argv[1], sys.argv[2]
p = d + "/" + seg; b = bytearray(open(p, "rb").read())
b[40:48] = struct.pack("<Q", 1 << 40)        # a 1 TiB string table
b[16:24] = struct.pack("<Q", (1 << 62))      # and 2^62 records
open(p, "wb").write(b)
m = json.load(open(d + "/manifest.json"))
for s in m["sections"]["flows"]["segments"]:
    if s["name"] == seg:
        s["sha256"] = hashlib.sha256(b).hexdigest()   # the hash matches
json.dump(m, open(d + "/manifest.json", "w"))
EOF
run 1 "hostile segment header" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "any(d['path'] == '$seg' and 'corrupt segment header' in d['problem'] for d in j['damage'])" "hostile header is damage"
run 2 "replay of a hostile segment" "$NSGPROOF" replay --corpus "$tmp/d"
fresh; ck=$(referenced "$G" | grep ckpt | head -1); printf '{"blobs":' >"$tmp/d/$ck"
run 1 "broken checkpoint file" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "any(d['path'] == '$ck' for d in j['damage'])" "checkpoint damage named"
run 2 "import over a broken checkpoint file" "$NSGPROOF" import --corpus "$tmp/d" "$tmp/open.json"
fresh; printf '{"format": 1, "generation": ' >"$tmp/d/manifest.json"
run 1 "manifest not JSON" "$NSGPROOF" fsck --corpus "$tmp/d" --json
check "j['damage'][0]['path'] == 'manifest.json'" "manifest damage named"
run 2 "gc of a corpus whose manifest is broken" "$NSGPROOF" gc --corpus "$tmp/d"

# ---- 7. usage and missing corpora ----------------------------------------
run 2 "fsck without --corpus" "$NSGPROOF" fsck
run 2 "gc without --corpus" "$NSGPROOF" gc
run 2 "gc --corpus twice" "$NSGPROOF" gc --corpus "$G" --corpus "$G"
run 2 "fsck of a missing corpus" "$NSGPROOF" fsck --corpus "$tmp/none"
run 2 "gc of a missing corpus" "$NSGPROOF" gc --corpus "$tmp/none"
mkdir -p "$tmp/plain"
run 2 "fsck of a directory that is no corpus" "$NSGPROOF" fsck --corpus "$tmp/plain"
[ -e "$tmp/plain/.readers" ] && ko "fsck wrote into a non-corpus" || ok
run 0 "gc --help" "$NSGPROOF" gc --help
grep -q -- '--dry-run' "$tmp/out" && ok || ko "gc --help lacks --dry-run"

# NSGPROOF_FLOW_TABLE is range-checked (a usage error names it)
for bad in abc 1 -5 99999999999999999999 67108865 " 64"; do
  NSGPROOF_FLOW_TABLE=$bad run 2 "NSGPROOF_FLOW_TABLE='$bad'" "$NSGPROOF" import --corpus "$tmp/ft" "$tmp/open.json"
  grep -q "NSGPROOF_FLOW_TABLE" "$tmp/err" && ok || ko "NSGPROOF_FLOW_TABLE='$bad': $(cat "$tmp/err")"
done
NSGPROOF_FLOW_TABLE=2 run 0 "NSGPROOF_FLOW_TABLE=2" "$NSGPROOF" import --corpus "$tmp/ft" --json "$here/data/flowlogs/nsg"
check "j['flowlogs']['spill_runs'] > 0 and j['flowlogs']['flows_written'] > 0" "a tiny table spills"

# ---- 8. a corpus of the previous format is read and converted ------------
V=$tmp/v1
cp -r "$here/data/corpus-v1/corpus" "$V"
src=$here/data/corpus-v1/src
# tuples an independent reading finds: complete records of both blobs
want_v1=$(python3 - "$src" <<'EOF'
import json, os, sys
n = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        t = open(os.path.join(d, f), encoding="utf-8-sig").read()
        try:
            recs = json.loads(t)["records"]
        except ValueError:                       # the blob being written
            recs = json.loads(t[:t.rfind("},{") + 1] + "]}")["records"]
        for r in recs:
            for g in r["properties"]["flows"]:
                for x in g["flows"]:
                    n += len(x["flowTuples"])
print(n)
EOF
)
run 0 "fsck of a format-1 corpus" "$NSGPROOF" fsck --corpus "$V" --json
check "j['clean'] and j['checked']['blobs'] == 2 and len(j['segments_without_sha256']) == 1" "format-1 corpus is clean"
run 0 "replay of a format-1 corpus" "$NSGPROOF" replay --corpus "$V" --json
check "j['flows_total'] >= 1" "format-1 replay"
v1_flows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flows_total"])' "$tmp/out")
run 0 "re-import into a format-1 corpus" "$NSGPROOF" import --corpus "$V" --json "$src"
check "j['flowlogs']['records'] == 0 and j['flowlogs']['tuples'] == 0 and j['flowlogs']['records_already_imported'] == 3" "nothing imported twice"
run 0 "import that converts" "$NSGPROOF" import --corpus "$V" --json "$here/data/flowlogs/vnet.json"
python3 - "$V" <<'EOF' && ok || ko "converted manifest: $(python3 -m json.tool "$V/manifest.json" | sed -n '/"flows"/,$p' | head -40)"
import json, sys
d = sys.argv[1]; s = json.load(open(d + "/manifest.json"))["sections"]["flows"]
assert s["format"] == 2 and "blobs" not in s, s
assert all(len(x.get("sha256", "")) == 64 for x in s["segments"]), s["segments"]
blobs = {}
for f in s["checkpoints"]:
    blobs.update(json.load(open(d + "/" + f["name"]))["blobs"])
h13 = [v for k, v in blobs.items() if "/h=13/" in k][0]
h18 = [v for k, v in blobs.items() if "/h=18/" in k][0]
assert h13["final"] and "seen" not in h13 and h13["file_hash"].startswith("xxh3-128:"), h13
assert not h18["final"] and len(h18["seen"]) == 16 and h18["records"] == 1, h18
EOF
run 0 "re-import after the conversion" "$NSGPROOF" import --corpus "$V" --json "$src"
check "j['flowlogs']['records'] == 0 and j['flowlogs']['records_already_imported'] == 3" "still nothing imported twice"
run 0 "fsck of the converted corpus" "$NSGPROOF" fsck --corpus "$V" --json
check "j['clean'] and j['segments_without_sha256'] == []" "converted corpus clean"
[ "$v1_flows" -ge 1 ] && [ "$want_v1" -ge "$v1_flows" ] && ok || ko "format-1 flows $v1_flows vs $want_v1 tuples"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
