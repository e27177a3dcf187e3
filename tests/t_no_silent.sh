#!/usr/bin/env bash
# t_no_silent.sh - no silent wrong answers: one case per defect a new user
# would hit.  Context the corpus lacks (a virtual network, a peering's
# remote space, a route table, an ASG's members) is an error naming it, or
# the answer with a note when the answer provably does not depend on it;
# default rules that differ from Azure's are warned about and Azure's are
# evaluated; --captured-at records a rollback and corrects a capture time;
# "nothing happened" is exit 2 unless --allow-empty, and an aborted import
# leaves no corpus directory; lint counts the NSGs with findings and tells
# same-name NSGs apart by resource group; the import report prints flow-log
# problems as text.  Fixtures are derived from the sample (examples/arm).
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
ex=$root/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; rc=$?; }
# want RC PATTERN WHAT: the last run exited RC and its stderr (or stdout
# for exit 0/1) matches PATTERN
want() {
  local f=$tmp/err
  [ "$1" -le 1 ] && f=$tmp/out
  if [ "$rc" = "$1" ] && grep -qE -- "$2" "$f"; then ok; else
    ko "$3: exit $rc (want $1), no /$2/ in: $(head -c 400 "$f")"; fi
}
# derive DIR PYTHON: a copy of examples/arm in DIR, changed by PYTHON
# (which sees `files` = {name: parsed JSON} and may delete entries).
derive() {
  python3 - "$ex/arm" "$1" "$2" <<'PY'
import json, os, sys
src, dst, code = sys.argv[1:4]
files = {f: json.load(open(os.path.join(src, f))) for f in os.listdir(src)}
exec(code)
os.makedirs(dst, exist_ok=True)
for f, d in files.items():
    json.dump(d, open(os.path.join(dst, f), "w"), indent=1)
PY
}
C="--captured-at 2026-11-20T14:00:00Z"
P="--protocol tcp"

# ---- 1. a NIC whose subnet is in the corpus but not its virtual network -----
derive "$tmp/novnet" '
vn = files.pop("virtualNetworks.json")["value"]
files["subnets.json"] = [s for v in vn for s in v["properties"]["subnets"]]'
run import --corpus "$tmp/c1" $C "$tmp/novnet"
want 0 "belongs to virtual network .*vnet-hub, which is not in the corpus" "import warns of the missing vnet"
run check --corpus "$tmp/c1" --nic web-1 --direction inbound $P --src 10.20.0.5 --dst 10.0.1.4 --dport 9999
want 2 "VirtualNetwork.*virtual network .*/vnet-hub is not in the corpus.*import it" "check with the vnet missing"
run verify --corpus "$tmp/c1" --query 'never 10.20.0.0/16 -> nic:web-1 tcp/9999'
want 2 "virtual network .*/vnet-hub is not in the corpus" "verify with the vnet missing"
run check --corpus "$tmp/c1" --nsg web-nsg --direction inbound $P --src 10.20.0.5 --dst 10.0.1.4 --dport 9999
want 2 "virtual network .*/vnet-hub is not in the corpus" "check --nsg with the vnet missing"
run rules --corpus "$tmp/c1" --nic web-1
want 0 "note: the corpus lacks part of the context.*vnet-hub is not in the corpus" "rules notes the missing vnet"
run lint --corpus "$tmp/c1" --nsg web-nsg
want 1 "note: the corpus lacks part of the context" "lint notes the missing vnet"
run diff --corpus "$tmp/c1" --nsg web-nsg "$ex/proposed/web-nsg.json"
want 2 "not in the corpus" "diff with the vnet missing"
# an answer that does not depend on the vnet is given, with a note
run check --corpus "$tmp/c1" --nic web-2 --direction inbound $P --src 198.51.100.23 --dst 10.0.1.5 --dport 22
want 1 "DenySshRdpInbound" "answer not depending on the vnet"
want 1 "note: the corpus lacks part of the context.*does not depend on it" "... carries a note"

# ---- 2. a peering whose remote space is not in the corpus -------------------
derive "$tmp/nopeer" '
vn = files["virtualNetworks.json"]["value"]
for v in vn:
    for p in v["properties"].get("virtualNetworkPeerings", []):
        p["properties"].pop("remoteAddressSpace", None)
        p["properties"].pop("remoteVirtualNetworkAddressSpace", None)
files["virtualNetworks.json"]["value"] = [v for v in vn if v["name"] == "vnet-spoke"]'
run import --corpus "$tmp/c2" $C "$tmp/nopeer"
run check --corpus "$tmp/c2" --nic db-1 --direction inbound $P --src 10.0.1.4 --dst 10.1.2.4 --dport 5000
want 2 "address space of .*vnet-hub, peered with virtual network vnet-spoke" "peering remote space missing"

# ---- 3. a route table of a subnet not in the corpus --------------------------
derive "$tmp/nort" 'files.pop("rt-spoke.json")'
run import --corpus "$tmp/c3" $C "$tmp/nort"
run check --corpus "$tmp/c3" --nic db-1 --direction inbound $P --src 192.168.50.4 --dst 10.1.2.4 --dport 5000
want 2 "route table .*rt-spoke of subnet snet-(app|db) is not in the corpus" "route table missing"
run check --corpus "$tmp/c3" --nic app-1 --direction inbound $P --src 10.0.1.4 --dst 10.1.1.4 --dport 8080
want 0 "note: .*route table .*rt-spoke" "route table missing: independent answer with a note"

# ---- 4. an ASG whose members are not in the corpus ------------------------------
derive "$tmp/nonics" 'files.pop("networkInterfaces.json")'
run import --corpus "$tmp/c4" $C "$tmp/nonics"
run check --corpus "$tmp/c4" --nsg web-nsg --direction inbound $P --src 203.0.113.7 --dst 10.0.1.4 --dport 80
want 2 "application security group .*asg-web: import its NICs" "ASG members missing"

# ---- 5. default rules that differ from Azure's ------------------------------------
derive "$tmp/baddef" '
for r in files["web-nsg.json"]["properties"]["defaultSecurityRules"]:
    if r["name"] == "DenyAllInBound":
        r["properties"]["access"] = "Allow"'
run import --corpus "$tmp/c5" $C "$tmp/baddef"
want 0 "default rule DenyAllInBound .* differs from Azure's.*evaluates Azure's" "import warns of a changed default rule"
run check --corpus "$tmp/c5" --nic web-2 --direction inbound $P --src 203.0.113.7 --dst 10.0.1.5 --dport 9999
want 1 "Deny +rule DenyAllInBound" "Azure's default rule evaluated"

# ---- 6. re-capture: a rollback and a corrected capture time ----------------------
python3 - "$ex/arm/web-nsg.json" "$tmp/web-b.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["properties"]["securityRules"][0]["properties"]["access"] = "Deny"
json.dump(d, open(sys.argv[2], "w"))
PY
cp "$ex/arm/web-nsg.json" "$tmp/web-a.json"
versions() { python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/manifest.json")); print(" ".join(v["captured_at"][:10] for r in m["resources"].values() if r["name"]=="web-nsg" for v in r["versions"]))' "$1"; }
run import --corpus "$tmp/c6" --captured-at 2026-01-01 "$tmp/web-a.json"
run import --corpus "$tmp/c6" --captured-at 2026-02-01 "$tmp/web-b.json"
run import --corpus "$tmp/c6" --captured-at 2026-03-01 "$tmp/web-a.json"
[ "$(versions "$tmp/c6")" = "2026-01-01 2026-02-01 2026-03-01" ] && ok \
  || ko "rollback to known content not recorded: $(versions "$tmp/c6")"
run import --corpus "$tmp/c6" "$tmp/web-a.json"
want 0 "unchanged" "re-import without --captured-at adds nothing"
[ "$(versions "$tmp/c6")" = "2026-01-01 2026-02-01 2026-03-01" ] && ok || ko "plain re-import changed history"
run import --corpus "$tmp/c6" --captured-at 2025-12-01 "$tmp/web-a.json"
[ "$(versions "$tmp/c6" | cut -d' ' -f1)" = "2025-12-01" ] && ok \
  || ko "earlier capture time not recorded: $(versions "$tmp/c6")"

# ---- 7. nothing happened ---------------------------------------------------------------
mkdir -p "$tmp/empty" "$tmp/nojson"
echo "just notes" >"$tmp/nojson/notes.txt"
echo 'ERROR: Please run az login to setup account.' >"$tmp/azerr.json"
echo '{"value": []}' >"$tmp/novalue.json"
for what in empty nojson azerr.json novalue.json; do
  run import --corpus "$tmp/n-$what" "$tmp/$what"
  want 2 "nothing (to import|importable)" "import of $what"
  [ ! -e "$tmp/n-$what" ] && ok || ko "aborted import of $what left $tmp/n-$what behind"
  run import --corpus "$tmp/n-$what" --allow-empty "$tmp/$what"
  [ "$rc" = 0 ] && ok || ko "import --allow-empty of $what: exit $rc"
done
run import --corpus "$tmp/n-x" "$tmp/azerr.json"
grep -q "not JSON: it begins with 'ERROR: Please run az login" "$tmp/out" && ok || ko "plain-text .json: reason"
run replay --corpus "$tmp/c5"
want 2 "nothing to replay: the corpus holds no flow logs" "replay without flow logs"
run replay --corpus "$tmp/c5" --allow-empty
[ "$rc" = 0 ] && ok || ko "replay --allow-empty: exit $rc"
run replay --corpus "$tmp/c5" --proposed "$ex/proposed/web-nsg.json"
want 2 "nothing to replay" "what-if without flow logs"

# ---- 8. counts and names ----------------------------------------------------------------
run import --corpus "$tmp/c8" $C "$ex/arm" "$ex/ServiceTags_Public_20261116.json"
run lint --corpus "$tmp/c8"
want 1 "^9 findings in 4 NSGs" "lint counts the NSGs with findings"
derive "$tmp/twins" '
import copy
nsgs = files["networkSecurityGroups.json"]["value"]
twin = copy.deepcopy([n for n in nsgs if n["name"] == "mgmt-nsg"][0])
twin["id"] = twin["id"].replace("rg-demo", "rg-other")
twin["properties"].pop("subnets", None)
nsgs.append(twin)'
run import --corpus "$tmp/c9" $C "$tmp/twins"
run lint --corpus "$tmp/c9"
want 1 "^mgmt-nsg \\(resource group rg-other\\)" "same-name NSGs: resource group shown"
want 1 "^mgmt-nsg \\(resource group rg-demo\\) \\(vnet vnet-hub\\)" "same-name NSGs: the other one"
run check --corpus "$tmp/c9" --nic jump-1 --direction inbound $P --src 203.0.113.7 --dst 10.0.2.4 --dport 9999
want 1 "subnet +mgmt-nsg \\(resource group rg-demo\\)" "same-name NSGs in check"
mkdir -p "$tmp/fl"
printf '{"records":[{"time":"2026-11-20T13:00:00Z","macAddress":"000D3A2B1004","category":"NetworkSecurityGroupFlowEvent","resourceId":"/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/RG-DEMO/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG","properties":{"Version":2,"flows":[{"rule":"UserRule_AllowWebInbound","flows":[{"mac":"000D3A2B1004","flowTuples":["1763643651,203.0.113.7"]}]}]}}]}' >"$tmp/fl/PT1H.json"
run import --corpus "$tmp/c8" "$tmp/fl"
want 0 "problem: .*PT1H.json, byte [0-9]+: bad flow tuple" "flow-log problems as text"
grep -q '{"file"' "$tmp/out" && ko "flow-log problems printed as raw JSON" || ok

# ---- 9. no path printed twice in an error message -----------------------------
once() { # PATH ARGS...: the error line names PATH exactly once
  local p=$1; shift
  run "$@"
  local n
  n=$(grep -m1 ': error: ' "$tmp/err" | grep -o -- "$p" | wc -l)
  [ "$rc" = 2 ] && [ "$n" = 1 ] && ok || ko "'$*': exit $rc, path $n times: $(head -1 "$tmp/err")"
}
Q=(--direction inbound --protocol tcp --src 1.2.3.4 --dst 10.0.1.4 --dport 1)
once "$tmp/nope" lint --corpus "$tmp/nope"
once "$tmp/nope" check --corpus "$tmp/nope" --nic web-1 "${Q[@]}"
once "$tmp/nope" rules --corpus "$tmp/nope" --nic web-1
once "$tmp/nope" verify --corpus "$tmp/nope" --query 'never Internet -> nic:web-1'
once "$tmp/nope" replay --corpus "$tmp/nope"
once "$tmp/nope.json" import --corpus "$tmp/c8" "$tmp/nope.json"
once "$tmp/nope.json" diff "$tmp/nope.json" "$ex/arm/web-nsg.json"
once "$tmp/nope.json" replay --corpus "$tmp/c8" --proposed "$tmp/nope.json"
once "$tmp/nope.json" check --corpus "$tmp/c8" --proposed "$tmp/nope.json" --nsg web-nsg "${Q[@]}"
once "$tmp/nope.q" verify --corpus "$tmp/c8" --queries "$tmp/nope.q"
once "$tmp/nope.jsonl" check --corpus "$tmp/c8" --batch "$tmp/nope.jsonl"
printf '{"value": [ {"id": ' >"$tmp/broken.json"
once "$tmp/broken.json" import --corpus "$tmp/c8" "$tmp/broken.json"
once "$tmp/broken.json" diff "$tmp/broken.json" "$ex/arm/web-nsg.json"
once "$tmp/broken.json" replay --corpus "$tmp/c8" --proposed "$tmp/broken.json"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
