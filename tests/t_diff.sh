#!/usr/bin/env bash
# t_diff.sh - CLI tests of `nsgproof diff` and `nsgproof lint`: answers,
# exit codes, JSON shape, corpus contexts and bad input.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
D=tests/data/solver
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0

# run NAME EXPECTED_RC ARGS...: stdout in $tmp/out, stderr in $tmp/err;
# a wrong exit status fails the case and every expectation on it.
runok=0
run() {
  local name=$1 want=$2; shift 2
  "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  runok=1
  [ "$rc" = "$want" ] && return 0
  runok=0
  echo "FAIL $name: exit $rc, wanted $want"; sed 's/^/  err: /' "$tmp/err" | head -5
}
ok() { passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
# expect NAME [COMMAND...]: the last run had the right status (and COMMAND
# succeeds)
expect() {
  local name=$1; shift
  if [ $runok = 1 ] && { [ $# = 0 ] || "$@"; }; then ok; else bad "$name"; fi
}
# check NAME PYTHON-EXPR: evaluate against the JSON in $tmp/out as j
check() {
  if [ $runok = 1 ] && python3 -c "import json,sys; j=json.load(open('$tmp/out')); sys.exit(0 if ($2) else 1)"; then ok; else bad "$1"; fi
}
has() { grep -q "$1" "$tmp/$2"; }

# --- diff of files -------------------------------------------------------
run eq-text 0 diff $D/web-a.json $D/web-b.json
expect eq-text has '^equivalent' out
run eq-json 0 diff --json $D/web-a.json $D/web-b.json
check eq-json "j['equivalent'] is True and j['differences'] == [] and j['regions'] == []"
run self 0 diff $D/web-c.json $D/web-c.json
expect self
run diff-text 1 diff $D/web-a.json $D/web-c.json
expect diff-text has '^different' out
expect diff-text has 'AllowSSH' out
run diff-json 1 diff --json $D/web-a.json $D/web-c.json
check diff-json "not j['equivalent'] and 1 <= len(j['differences']) <= 10 and all(d['a']['decision'] != d['b']['decision'] for d in j['differences']) and set(d['direction'] for d in j['differences']) == {'Inbound', 'Outbound'}"
# the SSH region: a witness from 198.51.100.0/24 to port 22 that A denies, B allows
run diff-ssh 1 diff --json $D/web-a.json $D/web-c.json
check diff-ssh "any(d['protocol'] == 'Tcp' and d['dport'] == 22 and d['src'].startswith('198.51.100.') and d['a']['decision'] == 'Deny' and d['b']['rule'] == 'AllowSSH' for d in j['differences'])"
run diff-regions 1 diff --json $D/web-a.json $D/web-c.json
check diff-regions "j['regions_complete'] and len(j['regions']) == 2 and sum(r['witnesses'] for r in j['regions']) == len(j['differences'])"
run max1 1 diff --json --max 1 $D/web-a.json $D/web-c.json
check max1 "len(j['differences']) == 1 and len(j['regions']) == 2"
run max0 1 diff --json --max 0 $D/web-a.json $D/web-c.json
check max0 "j['differences'] == [] and not j['equivalent']"
run outbound 1 diff --json --direction outbound $D/web-a.json $D/web-c.json
check outbound "all(d['direction'] == 'Outbound' and d['protocol'] == 'Udp' and d['dport'] == 53 and d['dst'] == '8.8.8.8' for d in j['differences']) and j['differences']"
run inbound-eq 0 diff --direction in $D/web-a.json $D/web-b.json
expect inbound-eq

# --- bad input -----------------------------------------------------------
run tag-needs-corpus 2 diff $D/web-a.json $D/tags.json
expect tag-needs-corpus has 'Storage.WestEurope' err
# AzureLoadBalancer is a constant tag: no corpus needed; VirtualNetwork
# depends on the context and still needs one (exit 2 naming the tag)
python3 - "$tmp" <<'PY'
import json, sys
def nsg(name, rules):
    rs = [{"name": n, "properties": dict(priority=p, direction="Inbound", access=a,
           protocol="Tcp", sourceAddressPrefix=src, sourcePortRange="*",
           destinationAddressPrefix="*", destinationPortRange=port)}
          for (n, p, a, src, port) in rules]
    json.dump({"name": name, "properties": {"securityRules": rs}},
              open("%s/%s.json" % (sys.argv[1], name), "w"))
nsg("lb-none", [])
nsg("lb-deny", [("DenyLbHttp", 100, "Deny", "AzureLoadBalancer", "80")])
nsg("lb-allow", [("AllowLb", 100, "Allow", "AzureLoadBalancer", "*")])
nsg("vnet-deny", [("DenyVnet", 100, "Deny", "VirtualNetwork", "80")])
PY
run lb-diff 1 diff --json $tmp/lb-none.json $tmp/lb-deny.json
check lb-diff "not j['equivalent'] and j['differences'] and all(d['src'] in ('168.63.129.16', 'fe80::1234:5678:9abc') and d['dport'] == 80 and d['protocol'] == 'Tcp' and {k: d['b'][k] for k in ('decision', 'rule', 'priority')} == {'decision': 'Deny', 'rule': 'DenyLbHttp', 'priority': 100} and d['b']['check']['nsg'] == 'lb-deny' and d['b']['check']['dport'] == 80 for d in j['differences'])"
run lb-equal 0 diff $tmp/lb-none.json $tmp/lb-allow.json
expect lb-equal
run vnet-tag-needs-corpus 2 diff $tmp/lb-none.json $tmp/vnet-deny.json
expect vnet-tag-needs-corpus has "service tag 'VirtualNetwork'" err
# witnesses look real: an ephemeral source port, a host source address
run real-witness 1 diff --json $D/web-a.json $D/web-c.json
check real-witness "all((d['sport'] == 49152 or d['protocol'] not in ('Tcp', 'Udp')) and not d['src'].endswith('.0') for d in j['differences'])"
run bad-json 2 diff $D/bad.json $D/web-a.json
expect bad-json has 'bad.json' err
run two-nsgs 2 diff $D/two.json $D/web-a.json
expect two-nsgs
run missing-file 2 diff $D/web-a.json $tmp/nope.json
expect missing-file
run one-side 2 diff $D/web-a.json
expect one-side
run three-sides 2 diff $D/web-a.json $D/web-a.json $D/web-a.json
expect three-sides
run bad-max 2 diff --max x $D/web-a.json $D/web-b.json
expect bad-max
run bad-dir 2 diff --direction up $D/web-a.json $D/web-b.json
expect bad-dir
run nsg-no-corpus 2 diff --nsg web-nsg $D/web-a.json
expect nsg-no-corpus
run bad-option 2 diff --frobnicate $D/web-a.json $D/web-b.json
expect bad-option

# --- solver unknown: a 1 ms limit on two big NSGs is exit 3, never a guess
python3 - "$tmp" <<'PY'
import json, random, sys
random.seed(7)
for tag in ("big-a", "big-b"):
    rules = []
    for i in range(1000):
        acc = "Allow" if (i % 3 or tag == "big-a") else "Deny"
        rules.append({"name": "r%d" % i, "properties": {
            "priority": 100 + i, "direction": "Inbound" if i % 2 else "Outbound",
            "access": acc, "protocol": random.choice(["Tcp", "Udp", "*"]),
            "sourceAddressPrefix": "%d.%d.%d.0/24" % (random.randint(11, 200), random.randint(0, 255), random.randint(0, 255)),
            "sourcePortRange": "*",
            "destinationAddressPrefix": "10.0.%d.%d" % (random.randint(0, 63), random.randint(4, 250)),
            "destinationPortRange": random.choice(["22", "80", "443", "1000-2000", "*"])}})
    json.dump({"name": tag, "properties": {"securityRules": rules}}, open("%s/%s.json" % (sys.argv[1], tag), "w"))
PY
run timeout-unknown 3 diff --timeout 1 $tmp/big-a.json $tmp/big-b.json
expect timeout-unknown has 'unknown' err
run big-diff 1 diff --json --max 3 $tmp/big-a.json $tmp/big-b.json
check big-diff "len(j['differences']) == 3"

# --- with a corpus -------------------------------------------------------
c=$tmp/corpus
if "$NSGPROOF" import --corpus "$c" $D/corpus >"$tmp/imp" 2>&1; then ok; else bad import; cat "$tmp/imp"; fi
run corpus-eq 0 diff --corpus "$c" --nsg web-nsg $D/web-b.json
expect corpus-eq
run corpus-diff 1 diff --json --corpus "$c" --nsg web-nsg $D/web-c.json
check corpus-diff "j['nsgs']['a']['corpus'] == 'web-nsg' and not j['equivalent']"
run corpus-both 0 diff --corpus "$c" --nsg web-nsg --nsg web-nsg
expect corpus-both
run corpus-ambiguous 2 diff --corpus "$c" --nsg shared-nsg --nsg shared-nsg
expect corpus-ambiguous has 'hub, spoke' err
run corpus-unknown-nsg 2 diff --corpus "$c" --nsg no-such-nsg $D/web-a.json
expect corpus-unknown-nsg
# tags resolve in a context; two vnets use shared-nsg: ambiguous without one
run tag-ambiguous 2 diff --corpus "$c" $D/tags.json --nsg shared-nsg
expect tag-ambiguous has 'ambiguous' err
run tag-vnet 0 diff --corpus "$c" --vnet hub $D/tags.json --nsg shared-nsg
expect tag-vnet
run tag-nic 0 diff --corpus "$c" --nic web-1-nic $D/tags.json --nsg shared-nsg
expect tag-nic
run nic-and-vnet 2 diff --corpus "$c" --nic web-1-nic --vnet hub $D/tags.json $D/tags.json
expect nic-and-vnet
# the corpus's NSG vs a proposal that drops the tag rule: differs on Storage
run tag-diff 1 diff --json --corpus "$c" --vnet spoke --nsg shared-nsg $D/web-a.json
check tag-diff "not j['equivalent']"

# --- lint ----------------------------------------------------------------
run lint-findings 1 lint --json --corpus "$c" --nsg lint-nsg
check lint-kinds "sorted((f['kind'], f['rule']) for n in j['nsgs'] for f in n['findings']) == [('conflict', 'AllowPartner1500'), ('management-port-open', 'AllowRdp'), ('redundant', 'AllowMonUdp'), ('shadowed', 'AllowAppFromWeb')]"
check lint-by "[b['rule'] for n in j['nsgs'] for f in n['findings'] if f['kind'] == 'shadowed' for b in f['by']] == ['AllowAppFromHub']"
check lint-witness "all(f['witness'] and f['witness']['dport'] == (3389 if f['kind'] == 'management-port-open' else 1500) for n in j['nsgs'] for f in n['findings'] if f['kind'] in ('conflict', 'management-port-open'))"
check lint-context "j['nsgs'][0]['vnet'] == 'spoke' and j['count'] == 4 and not j['clean']"
run lint-clean 0 lint --corpus "$c" --nsg clean-nsg
expect lint-clean has '^clean' out
run lint-clean-json 0 lint --json --corpus "$c" --nsg clean-nsg
check lint-clean-json "j['clean'] and j['nsgs'][0]['vnet'] is None and j['nsgs'][0]['findings'] == []"
run lint-all 1 lint --json --corpus "$c"
check lint-all "len(set(n['nsg'] for n in j['nsgs'])) == 4 and sorted(n['vnet'] for n in j['nsgs'] if n['nsg'] == 'shared-nsg') == ['hub', 'spoke']"
run lint-no-corpus 2 lint --nsg lint-nsg
expect lint-no-corpus
run lint-unknown 2 lint --corpus "$c" --nsg nope
expect lint-unknown
run lint-missing-corpus 2 lint --corpus "$tmp/none"
expect lint-missing-corpus

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
