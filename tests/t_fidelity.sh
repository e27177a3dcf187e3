#!/usr/bin/env bash
# t_fidelity.sh - the CLI on what Azure does around and beyond the NSG
# text: platform traffic (check's "platform" member, rules' platform
# section, verify's reason), traffic the VNet drops, security admin rules
# (check's "admin" member and levels, unknown application = exit 3, import
# --vnet for effective admin rules, replay, lint, diff), the new lint kinds.
set -u
here=$(cd "$(dirname "$0")" && pwd)
NSGPROOF=${NSGPROOF:-$here/../build/asan/nsgproof}
EX=$here/../examples
DATA=$here/data/config/admin
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# jq-like assertions with python: pyassert FILE 'python expression on j'
pyassert() {
    python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), json.dumps(j)[:800]
PY
}

c=$tmp/c
"$NSGPROOF" import --corpus "$c" "$EX/arm" "$EX/ServiceTags_Public_20261116.json" \
  "$EX/avnm" >/dev/null 2>&1 && ok || ko "import of examples/arm + avnm"

# --- platform traffic ---------------------------------------------------
# db-nsg denies Internet outbound, yet DNS to Azure's resolver is allowed
"$NSGPROOF" check --corpus "$c" --nic db-1 --direction outbound --protocol udp \
  --src 10.1.2.4 --dst 168.63.129.16 --dport 53 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" 'j["platform"] == "dns" and j["nsg"] is None and j["rule"] is None and j["levels"] == [] and j["admin"] is None' \
  && ok || ko "check platform dns: exit $rc: $(cat "$tmp/o")"
# an ordinary answer says platform null
"$NSGPROOF" check --corpus "$c" --nic db-1 --direction outbound --protocol tcp \
  --src 10.1.2.4 --dst 93.184.216.34 --dport 443 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && pyassert "$tmp/o" '"platform" in j and j["platform"] is None and j["rule"] == "DenyInternetOutbound"' \
  && ok || ko "check ordinary: exit $rc: $(cat "$tmp/o")"
# the text says it is platform traffic
"$NSGPROOF" check --corpus "$c" --nic web-2 --direction outbound --protocol tcp \
  --src 10.0.1.5 --dst 169.254.169.254 --dport 80 >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && grep -q "platform traffic (imds)" "$tmp/o" && ok || ko "check imds text: $(cat "$tmp/o")"
# --protocol as a number; GRE is dropped by the VNet whatever NSGs say
"$NSGPROOF" check --corpus "$c" --nic nva-1 --direction inbound --protocol 47 \
  --src 192.168.1.1 --dst 10.0.2.4 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && pyassert "$tmp/o" 'j["platform"] == "vnet-blocked" and j["decision"] == "Deny"' \
  && ok || ko "check GRE: exit $rc: $(cat "$tmp/o")"
# rules lists the platform stage in its own section
"$NSGPROOF" rules --corpus "$c" --nic db-1 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" '[p["class"] for p in j["platform"]] == ["dhcp","dns","wireserver","imds","kms","vnet-blocked"] and j["platform"][1]["tag"] == "AzurePlatformDNS"' \
  && ok || ko "rules platform section: $(head -c 400 "$tmp/o")"
# verify: a property the platform violates, and says so
"$NSGPROOF" verify --corpus "$c" --query 'never nic:db-1 -> 168.63.129.16 udp/53' \
  >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "platform traffic (dns)" "$tmp/o" && ok || ko "verify platform: exit $rc: $(cat "$tmp/o")"

# --- security admin rules -----------------------------------------------
# AlwaysAllow over app-nsg's DenyAllInbound
"$NSGPROOF" check --corpus "$c" --nic app-1 --direction inbound --protocol tcp \
  --src 10.0.2.4 --dst 10.1.1.4 --dport 9100 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" 'j["admin"]["access"] == "AlwaysAllow" and j["rule"] == "AlwaysAllowSecurityScanner" and j["nsg"] is None and j["admin"]["configuration"] == "cfg-baseline" and j["admin"]["collection"] == "rc-guardrails"' \
  && ok || ko "check AlwaysAllow: exit $rc: $(cat "$tmp/o")"
# Deny over the NSGs' allow
"$NSGPROOF" check --corpus "$c" --nic web-1 --direction inbound --protocol tcp \
  --src 203.0.113.201 --dst 10.0.1.4 --dport 443 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && pyassert "$tmp/o" 'j["admin"]["access"] == "Deny" and j["levels"] == []' \
  && ok || ko "check admin Deny: exit $rc: $(cat "$tmp/o")"
# Allow hands on: the admin level comes first in levels
"$NSGPROOF" check --corpus "$c" --nic web-1 --direction inbound --protocol tcp \
  --src 203.0.113.7 --dst 10.0.1.4 --dport 443 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" 'j["admin"] is None and j["levels"][0]["level"] == "admin" and j["levels"][0]["rule"] == "AllowHttpsToWebTier" and j["levels"][1]["level"] == "subnet"' \
  && ok || ko "check admin Allow: exit $rc: $(cat "$tmp/o")"
# without the deployment status the application cannot be established
c2=$tmp/c2
"$NSGPROOF" import --corpus "$c2" "$EX/arm" "$EX/ServiceTags_Public_20261116.json" \
  "$EX/avnm/rules.json" "$EX/avnm/ruleCollections.json" "$EX/avnm/networkGroups.json" \
  "$EX/avnm/staticMembers.json" >/dev/null 2>&1 && ok || ko "import without deploy status"
"$NSGPROOF" check --corpus "$c2" --nic app-1 --direction inbound --protocol tcp \
  --src 10.0.2.4 --dst 10.1.1.4 --dport 9100 >"$tmp/o" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "list-deploy-status" "$tmp/o" && ok || ko "check unknown admin: exit $rc: $(cat "$tmp/o")"
# ... but an answer no admin rule can touch is still given
"$NSGPROOF" check --corpus "$c2" --nic db-1 --direction inbound --protocol tcp \
  --src 10.1.1.4 --dst 10.1.2.4 --dport 1433 >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && ok || ko "check unrelated to admin: exit $rc: $(cat "$tmp/o")"
# verify: unknown (exit 3) when a witness rests on such a rule
"$NSGPROOF" verify --corpus "$c2" --query 'never 10.0.2.4 -> nic:app-1 tcp/9100' >"$tmp/o" 2>&1; rc=$?
[ $rc = 3 ] && grep -q "UNKNOWN" "$tmp/o" && ok || ko "verify unknown admin: exit $rc: $(cat "$tmp/o")"
# effective admin rules need --vnet; with it they are preferred
vnet=/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo/providers/Microsoft.Network/virtualNetworks/vnet-spoke
"$NSGPROOF" import --corpus "$c2" "$DATA/effective_admin_rules.json" >"$tmp/o" 2>&1; rc=$?
[ $rc = 2 ] && grep -q -- "--vnet" "$tmp/o" && ok || ko "import effective without --vnet: exit $rc: $(cat "$tmp/o")"
"$NSGPROOF" import --corpus "$c2" --vnet "$vnet" "$DATA/effective_admin_rules.json" >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && ok || ko "import effective --vnet: exit $rc: $(cat "$tmp/o")"
"$NSGPROOF" import --corpus "$c2" --vnet "$vnet" --vnet "$vnet" "$DATA/effective_admin_rules.json" >"$tmp/o" 2>&1; rc=$?
[ $rc = 2 ] && ok || ko "import --vnet twice: exit $rc"
# now the spoke's answer comes from its effective rules (the monitoring
# range is AlwaysAllow there; the scanner rule is not listed)
"$NSGPROOF" check --corpus "$c2" --nic app-1 --direction inbound --protocol tcp \
  --src 10.200.0.9 --dst 10.1.1.4 --dport 5000 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" 'j["rule"] == "AllowMonitoring"' && ok || ko "check from effective rules: exit $rc: $(cat "$tmp/o")"
"$NSGPROOF" check --corpus "$c2" --nic app-1 --direction inbound --protocol tcp \
  --src 10.0.2.4 --dst 10.1.1.4 --dport 9100 >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && ok || ko "check scanner not in effective rules: exit $rc: $(cat "$tmp/o")"
# rules shows the admin stage
"$NSGPROOF" rules --corpus "$c" --nic app-1 --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 0 ] && pyassert "$tmp/o" 'j["admin"]["source"] == "configuration" and j["admin"]["rules"][0]["name"] == "AlwaysAllowSecurityScanner" and j["admin"]["rules"][0]["access"] == "AlwaysAllow"' \
  && ok || ko "rules admin: $(head -c 400 "$tmp/o")"

# --- lint kinds ------------------------------------------------------------
c3=$tmp/c3
"$NSGPROOF" import --corpus "$c3" "$DATA/plural_tag.json" >/dev/null 2>&1 && ok || ko "import plural_tag"
"$NSGPROOF" lint --corpus "$c3" --json >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && pyassert "$tmp/o" '{(f["kind"], f["rule"]) for n in j["nsgs"] for f in n["findings"]} >= {("tag-in-plural-field", "AllowInternetWeb"), ("ports-ignored", "IcmpWithPorts")} and not any(f["kind"] == "tag-in-plural-field" and f["rule"] == "AllowTagSingular" for n in j["nsgs"] for f in n["findings"])' \
  && ok || ko "lint kinds: exit $rc: $(head -c 800 "$tmp/o")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
