#!/usr/bin/env bash
# t_harden.sh - end-to-end tests of harden, plan, alerts, prove and enforce:
# on the shipped sample and on a generated topology whose flow logs come
# from an independent Python evaluator (tests/data/harden/gen.py), which
# also replays every observed flow against the plan applied.
#   harden -> plan edits -> prove -> enforce --out -> replay --proposed
# plus every plan-edit refusal, a plan narrowed below an observed source,
# a plan that widens, a plan that denies 168.63.129.16, a stale plan,
# --exclude-sources and alerts.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
case $NSGPROOF in /*) ;; *) NSGPROOF="$PWD/$NSGPROOF" ;; esac
N=$NSGPROOF
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect_rc WANT NAME CMD...: run CMD (stdout $tmp/out, stderr $tmp/err)
expect_rc() {
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else
    ko "$name: exit $rc, want $want"; tail -5 "$tmp/err"; fi
}
# jget FILE EXPR: a Python expression over the JSON in FILE (j)
jget() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
check_eq() { if [ "$2" = "$3" ]; then ok; else ko "$1: got '$2', want '$3'"; fi; }
check_grep() { # NAME PATTERN FILE
  if grep -q -- "$2" "$3"; then ok; else ko "$1: no '$2' in $3"; head -5 "$3"; fi; }

cd "$root" || exit 2
EX=examples
C=$tmp/c
"$N" import --corpus "$C" --captured-at 2026-11-20T14:00:00Z "$EX/arm" \
  "$EX/ServiceTags_Public_20261116.json" "$EX/flowlogs" >"$tmp/imp" 2>&1 ||
  { cat "$tmp/imp"; echo "0 passed, 1 failed"; exit 1; }

# ---- harden on the sample --------------------------------------------------
expect_rc 0 "sample: 30 days needed, nothing scanned" \
  "$N" harden --corpus "$C" --json
check_eq "sample default: no recommendations" "$(jget "$tmp/out" "len(j['recommendations'])")" 0
check_eq "sample default: all unscanned" \
  "$(jget "$tmp/out" "sorted(set(n['status'] for n in j['nics']))")" "['unscanned']"
check_grep "sample default: reason names the days" "fewer than 30 distinct UTC days" "$tmp/out"

P=$tmp/plan.json
expect_rc 1 "sample: harden --min-days 0" "$N" harden --corpus "$C" --min-days 0 --out "$P"
check_eq "sample: two recommendations" "$(jget "$P" "len(j['recommendations'])")" 2
check_eq "sample: statuses" \
  "$(jget "$P" "' '.join(n['name']+':'+n['status'] for n in j['nics'])")" \
  "jump-1:unscanned web-1:unhealthy web-2:unhealthy"
check_grep "sample: jump-1 has no flow logs" "no flow logs cover it" "$P"
check_eq "sample: web-nsg affects both web NICs" \
  "$(jget "$P" "[r['nics'] for r in j['recommendations'] if r['nsg']=='web-nsg'][0]")" \
  "['web-1', 'web-2']"
check_eq "sample: narrowed to the observed source" \
  "$(jget "$P" "[x['source'] for r in j['recommendations'] for x in r['rules'] if x['access']=='Allow' and r['nsg']=='web-nsg']")" \
  "[['10.0.2.5/32']]"
check_eq "sample: deny is the replaced rule on port 22" \
  "$(jget "$P" "[(x['source'],x['destination'],x['destination_ports'],x['priority']) for r in j['recommendations'] for x in r['rules'] if x['access']=='Deny' and r['nsg']=='web-nsg']")" \
  "[(['10.0.2.0/24', '192.168.10.0/24'], ['10.0.1.0/24'], ['22'], 199)]"
check_eq "sample: the shadowed partner rule is left alone" \
  "$(jget "$P" "[r['replaces']['name'] for r in j['recommendations'] if r['replaces']['name']=='AllowSshFromPartner']")" "[]"
check_eq "sample: names at most 65 characters" \
  "$(jget "$P" "max(len(x['name']) for r in j['recommendations'] for x in r['rules']) <= 65")" True
check_eq "sample: plan records generation, etags, versions" \
  "$(jget "$P" "(j['corpus']['generation'], [n['etag'][:4] for n in j['nsgs']], all(len(n['object'])==64 for n in j['nsgs']))")" \
  "(1, ['W/\"e', 'W/\"e'], True)"
expect_rc 1 "harden --nic web-2 --ports 80" \
  "$N" harden --corpus "$C" --nic web-2 --min-days 0 --ports 80 --json
check_eq "--nic web-2 --ports 80: only web-2; AllowWebInbound (priority 100) has no room above it" \
  "$(jget "$tmp/out" "([n['name'] for n in j['nics']], [n['status'] for n in j['nics']], len(j['recommendations']), 'make room' in str(j['nics']))")" \
  "(['web-2'], ['unhealthy'], 0, True)"
expect_rc 0 "harden --nic db-1 (not internet-facing)" "$N" harden --corpus "$C" --nic db-1 --min-days 0 --json
check_grep "db-1 is not internet-facing" "not internet-facing" "$tmp/out"
expect_rc 2 "harden --nic unknown" "$N" harden --corpus "$C" --nic nope
expect_rc 2 "harden --nic and --nsg" "$N" harden --corpus "$C" --nic web-1 --nsg web-nsg
expect_rc 2 "harden bad --open-factor" "$N" harden --corpus "$C" --open-factor 0.5
printf 'not-a-cidr\n' >"$tmp/bad-excl"
expect_rc 2 "harden bad exclude file" "$N" harden --corpus "$C" --exclude-sources "$tmp/bad-excl"
check_grep "bad exclude file names the line" "line 1" "$tmp/err"

# ---- prove and enforce on the sample --------------------------------------
expect_rc 0 "sample: prove" "$N" prove --corpus "$C" --plan "$P" --json
cp "$tmp/out" "$tmp/prove.json"
check_eq "sample: prove parts" \
  "$(jget "$tmp/prove.json" "(j['observed']['status'], j['no_widening']['status'], j['invariants']['status'], j['closes']['exact'])")" \
  "('proven', 'proven', 'proven', True)"
check_eq "sample: closes 511 + 255 (source, port) pairs" \
  "$(jget "$tmp/prove.json" "sorted((r['nics'][0], r['size']) for r in j['closes']['regions'])")" \
  "[('web-1', 255), ('web-2', 511)]"
printf 'always 10.0.2.5 -> nic:web-1 tcp/22\nnever 203.0.113.9 -> nic:web-2 tcp/22\n' >"$tmp/inv"
expect_rc 0 "sample: prove with invariants" "$N" prove --corpus "$C" --plan "$P" --invariants "$tmp/inv"
printf 'always 10.0.2.9 -> nic:web-2 tcp/22\n' >"$tmp/inv2"
expect_rc 1 "sample: an invariant the plan breaks" "$N" prove --corpus "$C" --plan "$P" --invariants "$tmp/inv2" --json
check_eq "invariant violated with a witness" \
  "$(jget "$tmp/out" "(j['invariants']['user'][0]['status'], j['invariants']['user'][0]['witness']['src'])")" \
  "('violated', '10.0.2.9')"

O=$tmp/enforced
expect_rc 2 "enforce --apply without credentials" env -u AZURE_ACCESS_TOKEN -u AZURE_CLIENT_SECRET \
  -u AZURE_FEDERATED_TOKEN_FILE "$N" enforce --corpus "$C" --plan "$P" --apply --out "$tmp/noapply"
check_grep "--apply names the credentials it needs" "AZURE_ACCESS_TOKEN" "$tmp/err"
[ ! -e "$tmp/noapply" ] && ok || ko "enforce --apply without credentials wrote files"
expect_rc 0 "sample: enforce --out" "$N" enforce --corpus "$C" --plan "$P" --out "$O"
W=$O/rg-demo/web-nsg.json
[ -f "$W" ] && [ -f "$O/rg-demo/web-nsg.rollback.json" ] && [ -f "$O/rg-demo/web-1-nsg.json" ] && ok || ko "enforce files"
# only securityRules changed; the rollback is the captured resource
python3 - "$C" "$O/rg-demo" >"$tmp/cmp" 2>&1 <<'PY' && ok || { ko "enforced files differ from the capture beyond securityRules"; cat "$tmp/cmp"; }
import json, os, sys
corpus, d = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(corpus, "manifest.json")))
for name in ("web-nsg", "web-1-nsg"):
    r = [v for v in m["resources"].values() if v["name"] == name][0]
    o = r["versions"][-1]["object"]
    cap = json.load(open(os.path.join(corpus, "objects", o[:2], o + ".json")))
    new = json.load(open(os.path.join(d, name + ".json")))
    back = json.load(open(os.path.join(d, name + ".rollback.json")))
    assert back == cap, name + ": rollback differs"
    a, b = dict(cap), dict(new)
    pa, pb = dict(a.pop("properties")), dict(b.pop("properties"))
    ra, rb = pa.pop("securityRules"), pb.pop("securityRules")
    assert a == b and pa == pb, name + ": more than securityRules changed"
    assert rb[:len(ra)] == ra and len(rb) == len(ra) + 2, name
    assert all(x["name"].startswith("harden-") for x in rb[len(ra):]), name
PY
expect_rc 0 "replay --proposed the enforced files: nothing newly denied" \
  "$N" replay --corpus "$C" --json --proposed "$W" "$O/rg-demo/web-1-nsg.json"
check_eq "replay: 0 newly denied, 0 newly allowed" \
  "$(jget "$tmp/out" "(j['newly_denied']['count'], j['newly_allowed']['count'])")" "(0, 0)"
expect_rc 1 "diff against the enforced file" "$N" diff --corpus "$C" --nsg web-nsg "$W" --json
check_grep "diff finds the new deny" "harden-AllowSshFromMgmt-deny" "$tmp/out"

# ---- plan edits: every refusal leaves the file unchanged -------------------
E=$tmp/edit.json
cp "$P" "$E"
refuse() { # NAME PATTERN ARGS...
  local name=$1 pat=$2; shift 2
  expect_rc 2 "refused: $name" "$N" plan --plan "$E" "$@"
  check_grep "refusal says why: $name" "$pat" "$tmp/err"
  cmp -s "$E" "$P" && ok || ko "refusal changed the file: $name"
}
refuse "modify the deny" "cannot be modified, only deleted" \
  modify web-nsg/harden-AllowSshFromMgmt-deny --source 10.0.2.0/28
refuse "allow becomes deny" "cannot become a deny" \
  modify web-nsg/harden-AllowSshFromMgmt-allow1 --access deny
refuse "add a deny" "only allow rules can be added" \
  add --nic web-1 --source 1.2.3.4 --ports 22 --protocol tcp --access deny
refuse "ambiguous name" "ambiguous" modify harden-AllowSshFromMgmt-allow1 --source 10.0.2.5
refuse "unknown rule" "no rule named" modify NoSuch --source 10.0.2.5
refuse "bad source" "not a CIDR" modify web-nsg/harden-AllowSshFromMgmt-allow1 --source 10.0.2.5/40
refuse "bad protocol" "tcp or udp" modify web-nsg/harden-AllowSshFromMgmt-allow1 --protocol icmp
refuse "nothing to modify" "give --source" modify web-nsg/harden-AllowSshFromMgmt-allow1
refuse "add: no deny for the port" "no deny rule of the plan closes" \
  add --nic web-2 --source 1.2.3.4 --ports 443 --protocol tcp
refuse "add: NIC not in the plan" "not in the plan" \
  add --nic db-1 --source 1.2.3.4 --ports 22 --protocol tcp
refuse "add: missing options" "needs" add --nic web-1
refuse "unknown action" "unknown action" rename x
refuse "delete takes no --source" "takes no" delete web-nsg/harden-AllowSshFromMgmt-deny --source 1.2.3.4
# a hand edit that breaks the deny is refused on load
python3 - "$E" "$tmp/hand.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for r in j["recommendations"]:
    for x in r["rules"]:
        if x["access"] == "Deny":
            x["source"] = ["10.0.2.0/25"]
json.dump(j, open(sys.argv[2], "w"))
PY
expect_rc 2 "hand-edited deny refused on load" "$N" plan --plan "$tmp/hand.json" list
check_grep "hand edit: the reason and the path" 'recommendations\[0\].rules\[1\].*cannot be modified' "$tmp/err"
expect_rc 2 "prove refuses the hand-edited plan too" "$N" prove --corpus "$C" --plan "$tmp/hand.json"
# accepted edits
expect_rc 0 "modify an allow" "$N" plan --plan "$E" modify web-nsg/harden-AllowSshFromMgmt-allow1 --source 10.0.2.4/30
expect_rc 0 "add an allow" "$N" plan --plan "$E" add --nic web-2 --source 10.0.2.77 --ports 22 --protocol tcp --json
check_eq "added rule lands above the deny, for web-2's address" \
  "$(jget "$E" "[(x['priority'] < 199, x['destination']) for r in j['recommendations'] for x in r['rules'] if x['origin']=='added']")" \
  "[(True, ['10.0.1.5'])]"
expect_rc 0 "delete the NIC-level deny" "$N" plan --plan "$E" delete web-1-nsg/harden-AllowSshFromMgmt-deny
expect_rc 0 "edited plan still proves" "$N" prove --corpus "$C" --plan "$E"

# ---- refuted plans -----------------------------------------------------------
cp "$P" "$tmp/narrow.json"
"$N" plan --plan "$tmp/narrow.json" modify web-nsg/harden-AllowSshFromMgmt-allow1 --source 10.0.2.6 >/dev/null
expect_rc 1 "plan narrowed below an observed source is refuted" \
  "$N" prove --corpus "$C" --plan "$tmp/narrow.json" --json
check_eq "the blocked observed flow is the witness" \
  "$(jget "$tmp/out" "[(b['nic'], b['src'], b['dport'], b['blocked_by']['rule']) for b in j['observed']['blocked']]")" \
  "[('web-1', '10.0.2.5', 22, 'harden-AllowSshFromMgmt-deny')]"
expect_rc 1 "enforce refuses a refuted plan" "$N" enforce --corpus "$C" --plan "$tmp/narrow.json" --out "$tmp/nope"
[ ! -e "$tmp/nope/rg-demo" ] && ok || ko "a refuted plan was written"
expect_rc 0 "--force-unproven writes it, loudly" \
  "$N" enforce --corpus "$C" --plan "$tmp/narrow.json" --out "$tmp/forced" --force-unproven
check_grep "--force-unproven warns" "WARNING: --force-unproven" "$tmp/err"
[ -f "$tmp/forced/rg-demo/web-nsg.json" ] && ok || ko "forced file missing"

cp "$P" "$tmp/wide.json"
"$N" plan --plan "$tmp/wide.json" modify web-nsg/harden-AllowSshFromMgmt-allow1 --source 10.0.2.5,203.0.113.0/24 >/dev/null
expect_rc 1 "a plan that widens is refuted" "$N" prove --corpus "$C" --plan "$tmp/wide.json" --json
cp "$tmp/out" "$tmp/wide-proof.json"
check_eq "widening witness from the added range" \
  "$(jget "$tmp/wide-proof.json" "[(w['src'].startswith('203.0.113.'), w['current']['decision'], w['proposed']['decision']) for w in j['no_widening']['witnesses']][:1]")" \
  "[(True, 'Deny', 'Allow')]"
# the witness is reproduced by check (denied today)
cmdline=$(jget "$tmp/wide-proof.json" "j['no_widening']['witnesses'][0]['check']")
cmdline=${cmdline#nsgproof }
expect_rc 1 "check reproduces the widening witness (denied today)" "$N" $cmdline

# ---- after enforcement: a flow Azure logged as denied by the plan's deny -------
C3=$tmp/c3
cp -r "$C" "$C3"
mkdir -p "$tmp/late"
python3 - "$tmp/late/PT1H.json" <<'PY'
import json, sys
rid = ("/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000000/RESOURCEGROUPS/"
       "RG-DEMO/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/WEB-NSG")
rec = {"time": "2026-11-21T10:00:00.000Z", "systemId": "x",
       "macAddress": "000D3A2B1005", "category": "NetworkSecurityGroupFlowEvent",
       "resourceId": rid, "operationName": "NetworkSecurityGroupFlowEvents",
       "properties": {"Version": 2, "flows": [
           {"rule": "UserRule_harden-AllowSshFromMgmt-deny",
            "flows": [{"mac": "000D3A2B1005", "flowTuples": [
                "1795255200,10.0.2.99,10.0.1.5,50001,22,T,I,D,B,,,,"]}]},
           {"rule": "UserRule_AllowSshFromMgmt",
            "flows": [{"mac": "000D3A2B1005", "flowTuples": [
                "1795255300,10.0.2.77,10.0.1.5,50002,22,T,I,A,B,,,,"]}]}]}}
json.dump({"records": [rec]}, open(sys.argv[1], "w"))
PY
"$N" import --corpus "$C3" "$tmp/late/PT1H.json" >/dev/null || ko "import late flows"
expect_rc 1 "alerts: flows after the plan, denied by its deny and still allowed" \
  "$N" alerts --corpus "$C3" --plan "$P" --json
check_eq "alerts: the late flows, with their logged decisions" \
  "$(jget "$tmp/out" "sorted((a['src'], a['logged']['allowed'], a['logged']['denied'], a['rule']) for a in j['alerts'])")" \
  "[('10.0.2.77', 1, 0, 'harden-AllowSshFromMgmt-deny'), ('10.0.2.99', 0, 1, 'harden-AllowSshFromMgmt-deny')]"
expect_rc 1 "prove sees the allowed flow imported after the plan" \
  "$N" prove --corpus "$C3" --plan "$P" --json
check_eq "prove blocks the late allowed flow" \
  "$(jget "$tmp/out" "[(b['src'], b['nic']) for b in j['observed']['blocked']]")" "[('10.0.2.77', 'web-2')]"
expect_rc 0 "harden --since after every flow: nothing in the window" \
  "$N" harden --corpus "$C" --min-days 0 --since 2030-01-01 --json
check_grep "--since: no flow records in the window" "no flow records in the window" "$tmp/out"

# ---- stale plan ---------------------------------------------------------------
C2=$tmp/c2
cp -r "$C" "$C2"
P2=$tmp/plan2.json
"$N" harden --corpus "$C2" --min-days 0 --out "$P2" >/dev/null
"$N" import --corpus "$C2" "$EX/proposed/web-nsg.json" >/dev/null
expect_rc 2 "stale plan" "$N" prove --corpus "$C2" --plan "$P2"
check_grep "stale says what moved" "AllowSshFromPartner" "$tmp/err"
expect_rc 2 "enforce refuses a stale plan" "$N" enforce --corpus "$C2" --plan "$P2" --out "$tmp/stale-out"
expect_rc 0 "prove --rebase" "$N" prove --corpus "$C2" --plan "$P2" --rebase --json
check_eq "rebase reports what moved" \
  "$(jget "$tmp/out" "(j['rebased'], j['moved'][0]['nsg'], j['moved'][0]['rules_removed'])")" \
  "(True, 'web-nsg', ['AllowSshFromPartner'])"

# ---- security admin rules in the proof ------------------------------------------
# The sample's admin configuration plus AlwaysAllow tcp/22 from 10.0.2.0/25
# and Deny tcp/22 from 10.0.2.128/26 (tests/data/harden/admin-ssh.json):
# the observed SSH from 10.0.2.5 is the AlwaysAllow's, so harden learns
# nothing for AllowSshFromMgmt and denies it all; the proof still holds
# (the admin rule decides those flows before any NSG), and what the plan
# closes is only what the admin stage hands on to the NSGs: 10.0.2.192/26
# (and, for web-2, 192.168.10.0/24), certified by Z3.
CA=$tmp/ca
"$N" import --corpus "$CA" "$EX/arm" "$EX/ServiceTags_Public_20261116.json" \
  "$EX/flowlogs" "$EX/avnm" tests/data/harden/admin-ssh.json >"$tmp/imp" 2>&1 ||
  { cat "$tmp/imp"; ko "import with admin rules"; }
PA=$tmp/plan-admin.json
expect_rc 1 "admin: harden" "$N" harden --corpus "$CA" --min-days 0 --out "$PA"
check_eq "admin: AllowSshFromMgmt learned nothing (the admin rule allowed it)" \
  "$(jget "$PA" "sorted(set((r['replaces']['name'], len([x for x in r['rules'] if x['access'] == 'Allow'])) for r in j['recommendations']))")" \
  "[('AllowSshFromMgmt', 0)]"
expect_rc 0 "admin: prove" "$N" prove --corpus "$CA" --plan "$PA" --json
check_eq "admin: observed SSH flows are not newly denied" \
  "$(jget "$tmp/out" "(j['status'], j['observed']['newly_denied']['flow_records'])")" "('proven', 0)"
check_eq "admin: closes only what the admin stage hands on, exactly" \
  "$(jget "$tmp/out" "(j['closes']['exact'], sorted((r['nics'][0], r['sources']) for r in j['closes']['regions']))")" \
  "(True, [('web-1', ['10.0.2.192/26']), ('web-2', ['10.0.2.192/26', '192.168.10.0/24'])])"

# ---- a generated topology -------------------------------------------------------
G=$tmp/g
python3 "$here/data/harden/gen.py" "$G" || { ko "generator"; echo "$pass passed, $fail failed"; exit 1; }
GC=$tmp/gc
"$N" import --corpus "$GC" "$G/topology.json" "$G/flows" >"$tmp/imp" 2>&1 || { cat "$tmp/imp"; ko "import generated"; }
GP=$tmp/gplan.json
expect_rc 1 "generated: harden" "$N" harden --corpus "$GC" --out "$GP"
python3 "$here/data/harden/gen.py" --check "$G" "$GP" >"$tmp/chk.json"
check_eq "generated: no legitimate flow blocked (independent evaluator)" \
  "$(jget "$tmp/chk.json" "(j['blocked'], j['problems'], j['legit_allowed'] > 3000)")" "([], [], True)"
check_eq "generated: shared NSG with a data-poor NIC is not narrowed" \
  "$(jget "$tmp/chk.json" "j['nsgs']")" "['front-nsg', 'lb-nsg', 'nic0-nsg']"
check_eq "generated: statuses" "$(jget "$tmp/chk.json" "sorted(j['statuses'].items())")" \
  "[('back-0', 'unhealthy'), ('front-0', 'unhealthy'), ('front-1', 'unhealthy'), ('front-2', 'unhealthy'), ('front-3', 'unhealthy'), ('lb-0', 'unhealthy'), ('sh-0', 'unscanned')]"
check_eq "generated: lb-0 is internet-facing through the public load balancer" \
  "$(jget "$GP" "[(n['internet_facing'], n['public_ips']) for n in j['nics'] if n['name']=='lb-0']")" \
  "[(True, [])]"
check_grep "generated: sh-0 says why" "also governs NIC sh-1" "$GP"
# assess reports adaptive hardening exactly as harden decides by default:
# High findings for the unhealthy NICs, the unscanned ones not evaluated
expect_rc 1 "generated: assess" "$N" assess --corpus "$GC" --json
cp "$tmp/out" "$tmp/assess.json"
check_eq "generated: assess adaptive-hardening findings are harden's unhealthy NICs" \
  "$(python3 -c "
import json, sys
a = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
got = sorted(f['resource']['name'] for f in a['findings']
             if f['recommendation'] == 'adaptive-hardening')
want = sorted(n['name'] for n in p['nics'] if n['status'] == 'unhealthy')
sev = set(f['severity'] for f in a['findings']
          if f['recommendation'] == 'adaptive-hardening')
print(got == want and len(got) > 0, sev)" "$tmp/assess.json" "$GP")" "True {'High'}"
check_eq "generated: assess lists sh-0 as not evaluated, with harden's reason" \
  "$(jget "$tmp/assess.json" "[(x['resource'], 'also governs NIC sh-1' in x['reason']) for x in j['not_evaluated'] if x['recommendation'] == 'adaptive-hardening']")" \
  "[('NIC sh-0', True)]"
check_grep "generated: back-0 says there is no room above priority 100" "make room above it" "$GP"
check_eq "generated: every front NIC's own SSH sources kept (shared subnet NSG)" \
  "$(jget "$GP" "[r['nics'] for r in j['recommendations'] if r['replaces']['name']=='AllowSsh']")" \
  "[['front-0', 'front-1', 'front-2', 'front-3']]"
check_eq "generated: a platform rule keeps 168.63.129.16" \
  "$(jget "$GP" "sorted(set(x['source'][0] for r in j['recommendations'] for x in r['rules'] if x['origin']=='platform'))")" \
  "['168.63.129.16', 'fe80::1234:5678:9abc']"
expect_rc 0 "generated: prove" "$N" prove --corpus "$GC" --plan "$GP" --json
check_eq "generated: closes is exact" "$(jget "$tmp/out" "j['closes']['exact']")" True
GO=$tmp/genforced
expect_rc 0 "generated: enforce" "$N" enforce --corpus "$GC" --plan "$GP" --out "$GO"
check_eq "generated: tags and unknown properties kept" \
  "$(jget "$GO/rg-harden/front-nsg.json" "(sorted(j['tags'].items()), j['properties']['someFutureProperty'])")" \
  "([('env', 'test'), ('owner', 'netops')], {'kept': True})"
expect_rc 0 "generated: replay --proposed the enforced files" \
  "$N" replay --corpus "$GC" --json --proposed "$GO"/rg-harden/front-nsg.json "$GO"/rg-harden/nic0-nsg.json \
  "$GO"/rg-harden/lb-nsg.json
check_eq "generated: replay finds nothing newly denied" "$(jget "$tmp/out" "j['newly_denied']['count']")" 0

# --exclude-sources: exactly those sources are not learned, and are alerts
printf '# threat list\n185.220.101.0/24\n' >"$tmp/excl"
GX=$tmp/gplanx.json
expect_rc 1 "generated: harden --exclude-sources" "$N" harden --corpus "$GC" --out "$GX" --exclude-sources "$tmp/excl"
python3 "$here/data/harden/gen.py" --check "$G" "$GX" --exclude "$tmp/excl" >"$tmp/chkx.json"
check_eq "exclude: legitimate flows kept, excluded ones blocked" \
  "$(jget "$tmp/chkx.json" "(j['blocked'], j['excluded_still_allowed'], j['excluded_blocked'] > 0)")" "([], 0, True)"
check_eq "exclude: no allow rule covers an excluded source" \
  "$(jget "$GX" "any(s.startswith('185.220.') or s in ('0.0.0.0/0','128.0.0.0/1') for r in j['recommendations'] for x in r['rules'] if x['access']=='Allow' for s in x['source'])")" False
expect_rc 1 "alerts: the excluded sources" "$N" alerts --corpus "$GC" --plan "$GX" --json
check_eq "alerts: exactly the excluded sources, marked" \
  "$(jget "$tmp/out" "(sorted(set(a['src'].rsplit('.',1)[0] for a in j['alerts'])), all(a['excluded'] for a in j['alerts']), j['tuples'] == j['excluded_tuples'] > 0)")" \
  "(['185.220.101'], True, True)"
check_eq "alerts: the same count harden reported" \
  "$(jget "$GX" "j['alerts']['tuples']")" "$(jget "$tmp/out" "j['tuples']")"
expect_rc 0 "alerts: none for the plan without exclusions" "$N" alerts --corpus "$GC" --plan "$GP"
expect_rc 0 "the plan with exclusions proves (excluded sources are not legitimate)" \
  "$N" prove --corpus "$GC" --plan "$GX" --json
check_eq "prove counts the excluded sources' flows, blocks nothing else" \
  "$(jget "$tmp/out" "(j['observed']['excluded_tuples'] > 0, j['observed']['newly_denied']['tuples'])")" "(True, 0)"

# a plan that denies 168.63.129.16: the platform rule deleted
GL=$tmp/gplanlb.json
cp "$GP" "$GL"
"$N" plan --plan "$GL" delete front-nsg/harden-AllowWinRm-lb >/dev/null
expect_rc 1 "a plan that denies AzureLoadBalancer is refuted" "$N" prove --corpus "$GC" --plan "$GL" --json
check_eq "the platform invariant fails with a 168.63.129.16 witness" \
  "$(jget "$tmp/out" "(j['invariants']['platform']['status'], j['invariants']['platform']['witnesses'][0]['src'])")" \
  "('refuted', '168.63.129.16')"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
