#!/usr/bin/env bash
# t_import.sh - CLI tests of `nsgproof import`: the report (human and
# --json), idempotence (a second import leaves manifest.json byte for byte
# the same), history of changed resources with --captured-at, abort on a bad
# file vs --keep-going, skipped files, missing-reference warnings, the lock,
# and usage errors.  Expected counts are computed from the input files.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
examples=$here/../examples
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
pass=0; fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run ARGS...: sets $rc, $out (stdout), $err (stderr)
run() {
  "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
expect_rc() { [ "$rc" = "$1" ] && ok || ko "$2: exit $rc, wanted $1; stderr: $err"; }
out_has() { case "$out" in *"$1"*) ok ;; *) ko "$2: stdout lacks '$1': $out" ;; esac; }
err_has() { case "$err" in *"$1"*) ok ;; *) ko "$2: stderr lacks '$1': $err" ;; esac; }
# pyj FILE EXPR: evaluate a Python expression over the JSON in FILE (as j);
# succeeds when it is true.  Also proves FILE is valid JSON.
pyj() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
check_json() { pyj "$1" "$2" && ok || ko "$3: $2 is false for $(head -c 600 "$1")"; }

SUB=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network
# nsg_file PATH NAME PORT: an ARM list with one NSG allowing TCP/PORT.
nsg_file() {
  cat >"$1" <<EOF
{"value":[{"id":"$SUB/networkSecurityGroups/$2","name":"$2",
 "type":"Microsoft.Network/networkSecurityGroups","location":"westeurope",
 "properties":{"securityRules":[{"name":"allow-$3","properties":{
  "priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp",
  "sourceAddressPrefix":"*","sourcePortRange":"*",
  "destinationAddressPrefix":"*","destinationPortRange":"$3"}}]}}]}
EOF
}

# ---- 1. the shipped sample imports, with counts taken from the files ----
C=$tmp/c1
run import --corpus "$C" --json "$examples/arm" "$examples"/ServiceTags_*.json
expect_rc 0 "import sample"
echo "$out" >"$tmp/r1.json"
check_json "$tmp/r1.json" 'j["committed"] and j["changed"] and j["generation"]==1' "report committed"
nsgs=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["value"]))' "$examples/arm/networkSecurityGroups.json")
rules=$(python3 -c 'import json,sys; print(sum(len(n["properties"].get("securityRules",[])) for n in json.load(open(sys.argv[1]))["value"]))' "$examples/arm/networkSecurityGroups.json")
check_json "$tmp/r1.json" "[f for f in j['files'] if f['path'].endswith('networkSecurityGroups.json')][0]['counts']['nsg']==$nsgs" "nsg count"
check_json "$tmp/r1.json" "[f for f in j['files'] if f['path'].endswith('networkSecurityGroups.json')][0]['counts']['rules']==$rules" "rule count"
ntags=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["values"]))' "$examples"/ServiceTags_*.json)
check_json "$tmp/r1.json" "[f for f in j['files'] if 'ServiceTags' in f['path']][0]['counts']['service_tags']==$ntags" "service tag count"
check_json "$tmp/r1.json" 'all(f["status"]=="imported" and f["kind"]=="config" for f in j["files"])' "all imported"
check_json "$tmp/r1.json" 'j["totals"]["resources"]["new"]==sum(f["resources"]["new"] for f in j["files"]) and j["totals"]["failed"]==0' "totals"
# every resource of the report is in the manifest, each object exists
check_json "$C/manifest.json" "j['format']==1 and j['generation']==1 and len(j['sources'])==len([f for f in json.load(open('$tmp/r1.json'))['files']])" "manifest sources"
check_json "$C/manifest.json" "len(j['resources'])==json.load(open('$tmp/r1.json'))['totals']['resources']['new']" "manifest resources"
check_json "$C/manifest.json" "all(__import__('os').path.exists('$C/objects/%s/%s.json' % (v['object'][:2], v['object'])) for r in j['resources'].values() for v in r['versions'])" "objects exist"
check_json "$C/manifest.json" "all(k==k.lower() and r['type'] in ('nsg','vnet','subnet','nic','publicip','vm','asg','routetable') for k,r in j['resources'].items())" "resource keys"
check_json "$C/manifest.json" "j['service_tags'] is not None and len(j['service_tags']['object'])==64" "service tags stored"

# ---- 2. importing the same files again changes nothing ----
cp "$C/manifest.json" "$tmp/m1"
objs1=$(find "$C/objects" -type f | sort | xargs cat | sha256sum)
run import --corpus "$C" "$examples/arm" "$examples"/ServiceTags_*.json
expect_rc 0 "re-import"
out_has "no change" "re-import says no change"
out_has "unchanged (this content was already imported)" "re-import per file"
cmp -s "$tmp/m1" "$C/manifest.json" && ok || ko "manifest changed on re-import"
objs2=$(find "$C/objects" -type f | sort | xargs cat | sha256sum)
[ "$objs1" = "$objs2" ] && ok || ko "objects changed on re-import"
# the same content under another name is also "unchanged"
cp "$examples/arm/web-nsg.json" "$tmp/copy-of-web-nsg.json"
run import --corpus "$C" --json "$tmp/copy-of-web-nsg.json"
expect_rc 0 "copy import"
echo "$out" >"$tmp/r2.json"
check_json "$tmp/r2.json" 'j["files"][0]["status"]=="unchanged" and not j["changed"]' "copy unchanged"
cmp -s "$tmp/m1" "$C/manifest.json" && ok || ko "manifest changed on copy import"

# ---- 3. a changed resource keeps its history ----
H=$tmp/h
mkdir -p "$tmp/in"
nsg_file "$tmp/in/v1.json" hist 22
run import --corpus "$H" --captured-at 2026-11-20T13:00:00Z "$tmp/in/v1.json"
expect_rc 0 "v1"
nsg_file "$tmp/in/v2.json" hist 2222
run import --corpus "$H" --json --captured-at 1795190400 "$tmp/in/v2.json"
expect_rc 0 "v2"
echo "$out" >"$tmp/r3.json"
check_json "$tmp/r3.json" 'j["files"][0]["resources"]=={"new":0,"changed":1,"unchanged":0}' "v2 counted as changed"
key=$(echo "$SUB/networkSecurityGroups/hist" | tr 'A-Z' 'a-z')
check_json "$H/manifest.json" "[v['captured_at'] for v in j['resources']['$key']['versions']]==['2026-11-20T13:00:00Z','2026-11-20T16:00:00Z']" "two versions, ascending"
check_json "$H/manifest.json" "j['resources']['$key']['name']=='hist' and j['resources']['$key']['type']=='nsg'" "name and type"
# the documented jq recipe finds the version in force at a time (jq comes
# from make deps)
obj=$(jq -r --arg id "$key" --arg t 2026-11-20T14:00:00Z \
  '.resources[$id].versions | (map(select(.captured_at <= $t)) | last) // first | .object' "$H/manifest.json")
grep -q '"22"' "$H/objects/${obj:0:2}/$obj.json" && ok || ko "jq recipe: version at 14:00 is not v1"
# an older snapshot imported later slots into the history
nsg_file "$tmp/in/v0.json" hist 21
run import --corpus "$H" --captured-at 2026-11-19T00:00:00Z "$tmp/in/v0.json"
expect_rc 0 "v0"
check_json "$H/manifest.json" "[v['captured_at'][:10] for v in j['resources']['$key']['versions']]==['2026-11-19','2026-11-20','2026-11-20']" "older version first"

# ---- 4. a bad file aborts the whole import ----
B=$tmp/b
nsg_file "$tmp/in/good.json" good 443
nsg_file "$tmp/in/later.json" later 80
run import --corpus "$B" "$tmp/in/later.json"
expect_rc 0 "B base"
cp "$B/manifest.json" "$tmp/mb"
mkdir -p "$tmp/bad"
cp "$tmp/in/good.json" "$tmp/bad/a-good.json"
printf '{"value": [ {"id": ' >"$tmp/bad/b-broken.json"
run import --corpus "$B" "$tmp/bad"
expect_rc 2 "bad file aborts"
err_has "b-broken.json" "error names the file"
out_has "nothing committed" "abort says nothing committed"
cmp -s "$tmp/mb" "$B/manifest.json" && ok || ko "manifest changed by aborted import"
# --json on abort still prints a valid report
run import --corpus "$B" --json "$tmp/bad"
expect_rc 2 "bad file aborts (json)"
echo "$out" >"$tmp/r4.json"
check_json "$tmp/r4.json" 'not j["committed"] and j["failed"][0]["path"].endswith("b-broken.json")' "abort report"
# a bad NSG (priority out of range) is also fatal and named
sed 's/"priority":100/"priority":5000/' "$tmp/in/good.json" >"$tmp/bad/c-prio.json"
rm "$tmp/bad/b-broken.json"
run import --corpus "$B" "$tmp/bad"
expect_rc 2 "bad priority aborts"
err_has "c-prio.json" "priority error names the file"
cmp -s "$tmp/mb" "$B/manifest.json" && ok || ko "manifest changed by bad priority"

# ---- 5. --keep-going commits the good files and still exits 2 ----
printf 'not json at all {' >"$tmp/bad/d-text.json"
run import --corpus "$B" --keep-going --json "$tmp/bad"
expect_rc 2 "keep-going exit"
echo "$out" >"$tmp/r5.json"
check_json "$tmp/r5.json" 'j["committed"] and j["changed"]' "keep-going committed"
check_json "$tmp/r5.json" 'sorted(f["path"].rsplit("/",1)[1] for f in j["failed"])==["c-prio.json"]' "keep-going lists the bad file"
check_json "$tmp/r5.json" '[f["status"] for f in j["files"]]==["imported","failed","skipped"]' "per-file statuses"
check_json "$tmp/r5.json" 'j["files"][2]["kind"]=="unknown" and j["files"][2]["reason"]' "unknown file has a reason"
gkey=$(echo "$SUB/networkSecurityGroups/good" | tr 'A-Z' 'a-z')
lkey=$(echo "$SUB/networkSecurityGroups/later" | tr 'A-Z' 'a-z')
check_json "$B/manifest.json" "'$gkey' in j['resources'] and '$lkey' in j['resources'] and len(j['sources'])==2" "good file committed"
err_has "failed" "keep-going stderr"

# ---- 6. hidden files are skipped, directories are read in sorted order ----
D=$tmp/d
mkdir -p "$tmp/tree/sub"
nsg_file "$tmp/tree/sub/z.json" zz 1
nsg_file "$tmp/tree/a.json" aa 2
nsg_file "$tmp/tree/.hidden.json" hidden 3
echo '{"name": "my-tool", "version": "1.0.0"}' >"$tmp/tree/package.json"
run import --corpus "$D" --json "$tmp/tree"
expect_rc 0 "tree"
echo "$out" >"$tmp/r6.json"
check_json "$tmp/r6.json" '[f["path"].rsplit("/",1)[1] for f in j["files"]]==["a.json","package.json","z.json"]' "sorted, hidden skipped"
check_json "$tmp/r6.json" 'j["files"][1]["status"]=="skipped" and j["files"][1]["kind"]=="config" and len(j["files"][1]["skipped"])>0' "JSON without resources skipped"
check_json "$D/manifest.json" 'len(j["sources"])==2' "skipped file not a source"

# ---- 7. a reference to a resource not in the corpus is a warning ----
W=$tmp/w
cat >"$tmp/in/nic.json" <<EOF
{"id":"$SUB/networkInterfaces/lonely","name":"lonely",
 "type":"Microsoft.Network/networkInterfaces","location":"westeurope",
 "properties":{"ipConfigurations":[{"name":"ipconfig1","id":"$SUB/networkInterfaces/lonely/ipConfigurations/ipconfig1",
 "properties":{"privateIPAddress":"10.9.0.4","primary":true,
 "subnet":{"id":"$SUB/virtualNetworks/ghost/subnets/nowhere"}}}]}}
EOF
run import --corpus "$W" --json "$tmp/in/nic.json"
expect_rc 0 "dangling NIC imports"
echo "$out" >"$tmp/r7.json"
check_json "$tmp/r7.json" 'any("nowhere" in w for w in j["warnings"])' "missing subnet warned"
run import --corpus "$W" "$tmp/in/nic.json"
out_has "warnings:" "human report lists warnings"

# ---- 8. the lock: a held lock makes import fail with exit 2 ----
flock "$B/.lock" sleep 3 &
holder=$!
sleep 0.3
nsg_file "$tmp/in/locked.json" locked 9
run import --corpus "$B" --lock-wait 0.2 "$tmp/in/locked.json"
expect_rc 2 "locked corpus"
err_has "locked" "lock message"
err_has "$B" "lock message names the corpus"
wait "$holder"
run import --corpus "$B" "$tmp/in/locked.json"
expect_rc 0 "after the lock is released"

# two imports at once: one waits for the other, both land
nsg_file "$tmp/in/p1.json" par1 1001
nsg_file "$tmp/in/p2.json" par2 1002
g0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$B/manifest.json")
"$NSGPROOF" import --corpus "$B" "$tmp/in/p1.json" >/dev/null 2>"$tmp/p1.err" & p1=$!
"$NSGPROOF" import --corpus "$B" "$tmp/in/p2.json" >/dev/null 2>"$tmp/p2.err" & p2=$!
wait "$p1"; r1=$?; wait "$p2"; r2=$?
[ "$r1$r2" = "00" ] && ok || ko "concurrent imports: exits $r1 $r2: $(cat "$tmp/p1.err" "$tmp/p2.err")"
check_json "$B/manifest.json" "j['generation']==$g0+2 and sum(1 for k in j['resources'] if k.endswith(('/par1','/par2')))==2" "both concurrent imports committed"

# ---- 9. flow logs see the corpus plus this import's configuration ----
F=$tmp/f
run import --corpus "$F" --json "$examples/flowlogs"
expect_rc 0 "flow logs alone"
echo "$out" >"$tmp/r9a.json"
check_json "$tmp/r9a.json" 'all(f["kind"]=="flowlog" for f in j["files"]) and len(j["flowlogs"]["unknown_nsgs"])>0' "flows alone: NSGs unknown"
F2=$tmp/f2
run import --corpus "$F2" --json "$examples/arm" "$examples/flowlogs"
expect_rc 0 "config and flow logs together"
echo "$out" >"$tmp/r9b.json"
check_json "$tmp/r9b.json" 'j["flowlogs"]["unknown_nsgs"]==[] and j["flowlogs"]["files"]==len([f for f in j["files"] if f["kind"]=="flowlog"])' "flows see this import's NSGs"
check_json "$F2/manifest.json" '"flows" in j["sections"]' "flows section published"
check_json "$tmp/r1.json" 'j["flowlogs"] is None' "no flow logs: null"

# ---- 10. an import killed at any moment leaves the old or the new corpus ----
K=$tmp/k
run import --corpus "$K" "$tmp/in/v1.json"
expect_rc 0 "K base"
cp "$K/manifest.json" "$tmp/mk"
python3 - "$tmp/big.json" "$SUB" <<'PY'
import json, sys
out, sub = sys.argv[1], sys.argv[2]
nsgs = [{"id": f"{sub}/networkSecurityGroups/big{i}", "name": f"big{i}",
         "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
         "properties": {"securityRules": [{"name": f"r{k}", "properties": {
             "priority": 100 + k, "direction": "Inbound", "access": "Allow",
             "protocol": "Tcp", "sourceAddressPrefix": f"10.{k}.{i % 250}.0/24",
             "sourcePortRange": "*", "destinationAddressPrefix": "*",
             "destinationPortRange": str(1000 + k)}} for k in range(8)]}}
        for i in range(400)]
json.dump({"value": nsgs}, open(out, "w"))
PY
for delay in 0.1 0.3 0.6 1.0; do
  "$NSGPROOF" import --corpus "$K" --captured-at "$(date +%s)" "$tmp/big.json" >/dev/null 2>&1 &
  victim=$!
  sleep "$delay"
  kill -9 "$victim" 2>/dev/null
  wait "$victim" 2>/dev/null
  if cmp -s "$tmp/mk" "$K/manifest.json"; then
    ok  # killed before the commit point: exactly as before
  else
    check_json "$K/manifest.json" "len(j['resources'])==401 and j['generation']==2" "killed after commit: whole"
    break
  fi
done
# either way the corpus loads and a new import completes it
run import --corpus "$K" --json "$tmp/big.json"
expect_rc 0 "import after kills"
check_json "$K/manifest.json" "len(j['resources'])==401" "complete after re-import"

# ---- 11. usage errors ----
run import "$tmp/in/v1.json"; expect_rc 2 "no --corpus"
run import --corpus "$tmp/u"; expect_rc 2 "no path"
run import --corpus "$tmp/u" --captured-at yesterday "$tmp/in/v1.json"
expect_rc 2 "bad --captured-at"; err_has "captured-at" "bad time named"
run import --corpus "$tmp/u" "$tmp/does-not-exist"
expect_rc 2 "missing path"; err_has "does-not-exist" "missing path named"
run import --corpus "$tmp/u" --bogus "$tmp/in/v1.json"; expect_rc 2 "bad option"
mkdir -p "$tmp/notacorpus"; echo data >"$tmp/notacorpus/notes.txt"
run import --corpus "$tmp/notacorpus" "$tmp/in/v1.json"
expect_rc 2 "non-empty directory is not made a corpus"; err_has "not a corpus" "foreign dir message"
[ ! -e "$tmp/notacorpus/manifest.json" ] && ok || ko "manifest written into a foreign directory"
run import --help; expect_rc 0 "help"; out_has "--keep-going" "help text"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
