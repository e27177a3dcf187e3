#!/usr/bin/env bash
# t_check.sh - CLI tests of `nsgproof check` and `nsgproof rules` on the
# fixture tests/data/sim (two peered vnets, subnet and NIC NSGs, ASGs, a
# UDR, service tags, a tag that is not known, an ambiguous NSG name).
# Expected answers follow Azure's documented semantics.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# run ARGS...: sets $rc, $out (stdout) and $err (stderr); JSON compacted in $j
run() {
  "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  j=$(tr -d ' \t\n' <"$tmp/out")
}
expect_rc() { [ "$rc" = "$1" ] && ok || ko "$2: exit $rc, wanted $1; stderr: $err"; }
has() { case "$j" in *"$1"*) ok ;; *) ko "$2: output lacks $1: $j" ;; esac; }
hasnt() { case "$j" in *"$1"*) ko "$2: output has $1" ;; *) ok ;; esac; }
has_re() { echo "$j" | grep -qE -- "$1" && ok || ko "$2: output does not match $1: $j"; }
err_has() { case "$err" in *"$1"*) ok ;; *) ko "$2: stderr lacks '$1': $err" ;; esac; }

C="--corpus $tmp/corpus"
run import $C "$data"
expect_rc 0 "import fixture"
[ "$rc" = 0 ] || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }

chk() { run check $C "$@" --json; }

# 1. both levels allow: NIC level decides (last level evaluated)
chk --nic web1-nic --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.10.1.4 --dport 443
expect_rc 0 "https from internet"
has '"decision":"Allow","nsg":"nic-nsg","rule":"AllowWebAsg"' "https from internet"
has_re '"levels":\[\{"level":"subnet","nsg":"web-nsg".*"rule":"AllowHttpsInternet","priority":100\},\{"level":"nic"' "inbound order subnet then nic"

# 2. subnet allows, NIC denies
chk --nic web1-nic --direction inbound --protocol tcp --src 198.51.100.7 --dst 10.10.1.4 --dport 80
expect_rc 1 "partner B http denied"
has '"decision":"Deny","nsg":"nic-nsg","rule":"DenyHttpFromPartnerB"' "partner B"

# 3. a deny shadows a later allow; the NIC level is not evaluated
chk --nic web1-nic --direction inbound --protocol tcp --src 198.51.100.10 --dst 10.10.1.4 --dport 22 --trace
expect_rc 1 "ssh shadowed"
has '"decision":"Deny","nsg":"web-nsg","rule":"DenySsh"' "ssh shadowed"
hasnt '"level":"nic"' "stops after the denying level"
has '"trace":[{"name":"AllowHttpsInternet","priority":100,"access":"Allow","default":false,"matched":false},{"name":"AllowHttpFromPartners","priority":110,"access":"Allow","default":false,"matched":false},{"name":"DenySsh","priority":120,"access":"Deny","default":false,"matched":true}]' "trace stops at first match"

# 4. no NIC NSG: the subnet level decides; plural ports
chk --nic web2-nic --direction inbound --protocol tcp --src 203.0.113.9 --sport 40000 --dst 10.10.1.5 --dport 8085
expect_rc 0 "partner range port"
has '"decision":"Allow","nsg":"web-nsg","rule":"AllowHttpFromPartners"' "partner range port"
has '{"level":"nic","nsg":null,"nsg_id":null,"decision":"Allow","rule":null,"priority":null}' "missing NIC NSG allows"
has '"sport":40000' "sport kept"

# 5. the answer depends on a tag that is not known: exit 2 naming it
chk --nic web2-nic --direction inbound --protocol tcp --src 203.0.113.9 --dst 10.10.1.5 --dport 8443
expect_rc 2 "unknown tag"
err_has "AzureFrontDoor.Backend" "unknown tag named"
err_has "AllowFrontDoor" "rule named"

# 6. VirtualNetwork: connected peering, disconnected peering, UDR
chk --nic web2-nic --direction inbound --protocol icmp --src 10.20.1.4 --dst 10.10.1.5
expect_rc 0 "icmp from peered vnet"
has '"rule":"AllowIcmpVnet"' "icmp from peered vnet"
chk --nic web2-nic --direction inbound --protocol icmp --src 10.30.0.5 --dst 10.10.1.5
expect_rc 1 "icmp from disconnected peering"
has '"rule":"DenyAllInBound"' "disconnected peering is not VirtualNetwork"
chk --nic web2-nic --direction inbound --protocol icmp --src 192.168.50.9 --dst 10.10.1.5
expect_rc 0 "icmp from UDR prefix"
has '"rule":"AllowIcmpVnet"' "UDR prefix is VirtualNetwork"
chk --nic db1-nic --direction inbound --protocol tcp --src 10.10.2.4 --dst 10.20.1.4 --dport 1433
expect_rc 0 "sql from hub"
has '"nsg":"db-nsg","rule":"AllowSqlFromHub"' "sql from hub"

# 7. ASG as source
chk --nic app1-nic --direction inbound --protocol tcp --src 10.10.1.4 --dst 10.10.2.4 --dport 8080
expect_rc 0 "from web-asg member"
has '"rule":"AllowFromWebAsg"' "from web-asg member"
chk --nic app1-nic --direction inbound --protocol tcp --src 10.10.1.5 --dst 10.10.2.4 --dport 8080
expect_rc 1 "from non-member"
has '"rule":"DenyVnetIn"' "from non-member"

# 8. outbound: NIC level first, service tags, regional tag before global
chk --nic web1-nic --direction outbound --protocol tcp --src 10.10.1.4 --dst 20.60.1.1 --dport 443
expect_rc 0 "storage westus"
has '"decision":"Allow","nsg":"web-nsg","rule":"AllowStorageWest"' "storage westus"
has_re '"levels":\[\{"level":"nic","nsg":"nic-nsg".*"rule":"AllowInternetOutBound".*\{"level":"subnet"' "outbound order nic then subnet"
chk --nic web1-nic --direction outbound --protocol tcp --src 10.10.1.4 --dst 20.38.1.1 --dport 443
expect_rc 1 "storage elsewhere"
has '"rule":"DenyStorage"' "storage elsewhere"

# 9. --nsg: context is the vnet it is applied in
chk --nsg web-nsg --direction inbound --protocol icmp --src 10.20.1.4 --dst 10.10.1.5
expect_rc 0 "nsg alone"
has '"rule":"AllowIcmpVnet"' "nsg alone"
has '"vnet":"hub"' "nsg vnet context"

# IPv6: 2000::/3 is Internet, unique-local fd00::/8 is not
chk --nsg web-nsg --direction inbound --protocol tcp --src 2001:db8::5 --dst fd00::4 --dport 443
expect_rc 0 "ipv6 from internet"
has '"rule":"AllowHttpsInternet"' "ipv6 internet tag"
has '"src":"2001:db8::5"' "ipv6 packet echoed"
chk --nsg web-nsg --direction inbound --protocol tcp --src fd00::9 --dst fd00::4 --dport 443
expect_rc 1 "ipv6 unique-local"
has '"rule":"DenyAllInBound"' "fd00::/8 is not Internet"

# 10. --nsg applied nowhere: no vnet context, said so
chk --nsg orphan-nsg --direction inbound --protocol tcp --src 10.10.1.4 --dst 10.10.1.5 --dport 80
expect_rc 1 "orphan nsg"
has '"rule":"DenyAllInBound"' "orphan: VirtualNetwork is only the host IP"
has '"vnet":null' "orphan vnet null"
has '"note":' "orphan note"
chk --nsg orphan-nsg --direction inbound --protocol tcp --src 168.63.129.16 --dst 10.10.1.5 --dport 80
has '"rule":"DenyVnet"' "orphan: 168.63.129.16 is VirtualNetwork"

# 11. ambiguous NSG name lists the candidates; a full id resolves it
chk --nsg shared-nsg --direction inbound --protocol tcp --src 10.10.1.4 --dst 10.10.1.5 --dport 80
expect_rc 2 "ambiguous nsg"
err_has "resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/shared-nsg" "candidate 1"
err_has "resourceGroups/rg-other/providers/Microsoft.Network/networkSecurityGroups/shared-nsg" "candidate 2"
chk --nsg /SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG-OTHER/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/SHARED-NSG --direction inbound --protocol tcp --src 203.0.113.1 --dst 10.10.1.5 --dport 80
expect_rc 1 "nsg by upper-case id"
has '"rule":"DenyAllInBound"' "nsg by id"

# 12. NIC by full id, any case; IPv4 readable output
run check $C --nic /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/RG-NET/providers/Microsoft.Network/networkInterfaces/WEB1-NIC --direction in --protocol TCP --src 198.51.100.7 --dst 10.10.1.4 --dport 80
expect_rc 1 "nic by id, text"
case "$out" in "Deny  rule DenyHttpFromPartnerB of NSG nic-nsg"*) ok ;; *) ko "text first line: $out" ;; esac

# 13. bad input
run check $C --nic web1-nic --direction inbound --protocol tcp --src 10.10.1.300 --dst 10.10.1.4 --dport 80
expect_rc 2 "bad source address"; err_has "10.10.1.300" "bad address named"
run check $C --nic nosuch --direction inbound --protocol tcp --src 10.10.1.3 --dst 10.10.1.4 --dport 80
expect_rc 2 "unknown nic"; err_has "nosuch" "unknown nic named"
run check $C --nic web1-nic --direction inbound --protocol tcp --src 10.10.1.3 --dst 10.10.1.4
expect_rc 2 "tcp without --dport"
run check $C --nic web1-nic --direction inbound --protocol gre --src 10.10.1.3 --dst 10.10.1.4
expect_rc 2 "bad protocol"
run check $C --nic web1-nic --direction sideways --protocol icmp --src 10.10.1.3 --dst 10.10.1.4
expect_rc 2 "bad direction"
run check $C --nic web1-nic --nsg web-nsg --direction in --protocol icmp --src 10.10.1.3 --dst 10.10.1.4
expect_rc 2 "both --nic and --nsg"
run check $C --nic web1-nic --direction in --protocol tcp --src 10.10.1.3 --dst 10.10.1.4 --dport 70000
expect_rc 2 "port out of range"
run check $C --nic web1-nic --direction in --protocol tcp --src 10.10.1.3 --dst fd00::1 --dport 80
expect_rc 2 "mixed families"
run check --corpus "$tmp/none" --nic web1-nic --direction in --protocol icmp --src 10.10.1.3 --dst 10.10.1.4
expect_rc 2 "missing corpus"

# NSGs see private addresses: the NIC's public IP is refused with a hint,
# another address is evaluated with a note
chk --nic web1-nic --direction inbound --protocol tcp --src 203.0.113.7 --dst 20.50.1.10 --dport 443
expect_rc 2 "public IP as destination"; err_has "use 10.10.1.4" "private address suggested"
chk --nic web1-nic --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.10.1.99 --dport 443
has '"note":"thedestinationisnotanaddressoftheNIC' "note for a foreign address"

# 14. batch
cat >"$tmp/q.jsonl" <<'EOF'
{"nic": "web1-nic", "direction": "inbound", "protocol": "tcp", "src": "203.0.113.7", "dst": "10.10.1.4", "dport": 443}

{"nic": "web1-nic", "direction": "inbound", "protocol": "tcp", "src": "198.51.100.7", "dst": "10.10.1.4", "dport": "80"}
{"nsg": "web-nsg", "direction": "outbound", "protocol": "tcp", "src": "10.10.1.4", "dst": "20.38.1.1", "dport": 443}
EOF
run check $C --batch "$tmp/q.jsonl" --json
expect_rc 0 "batch all answered"
[ "$(wc -l <"$tmp/out")" = 3 ] && ok || ko "batch: 3 answers: $out"
has '"rule":"AllowWebAsg"' "batch line 1"
has '"rule":"DenyHttpFromPartnerB"' "batch line 3"
has '"line":4' "batch line numbers count blank lines"
printf '%s\n' '{"nic": "web1-nic", "direction": "inbound", "protocol": "icmp", "src": "10.10.1.5", "dst": "10.10.1.4"}' \
  '{"nic": "web1-nic", "direction": "inbound", "protocol": "tcp", "src": "bogus", "dst": "10.10.1.4", "dport": 22}' \
  'not json' >"$tmp/bad.jsonl"
run check $C --batch "$tmp/bad.jsonl"
expect_rc 2 "batch with bad lines"
err_has "line 2" "bad line number named"
err_has "line 3" "non-JSON line named"
case "$out" in "line 1: Allow rule AllowIcmpVnet of NSG nic-nsg"*) ok ;; *) ko "batch text: $out" ;; esac

# 15. rules
run rules $C --nic web1-nic --json
expect_rc 0 "rules json"
has '"nic":"web1-nic"' "rules nic"
has_re '"levels":\[\{"level":"subnet","nsg":"web-nsg".*\{"level":"nic","nsg":"nic-nsg"' "rules levels"
has_re '"name":"AllowWebAsg"[^}]*"expandedDestinationAddressPrefixes":\["10.10.1.4/32"\]' "ASG expanded"
has_re '"name":"AllowFrontDoor"[^}]*"sourceUnknownTag":"AzureFrontDoor.Backend"' "unknown tag shown"
has_re '"name":"AllowIcmpVnet"[^}]*"expandedSourceAddressPrefixes":\["10.10.0.0/16","10.20.0.0/16","168.63.129.16/32","192.168.50.0/24"\]' "VirtualNetwork expanded"
has_re '"name":"AllowHttpFromPartners"[^}]*"destinationPortRanges":\["80","8080-8090"\][^}]*"sourceAddressPrefixes":\["203.0.113.0/24","198.51.100.0/24"\]' "plural fields as written"
has_re '"name":"DenyAllOutBound","default":true,"priority":65500' "default rules listed"
n=$(echo "$j" | grep -o '"default":true' | wc -l)
[ "$n" = 12 ] && ok || ko "six default rules per level: $n"
run rules $C --nic web1-nic
expect_rc 0 "rules text"
case "$out" in *AllowWebAsg*unknown\ tag\ AzureFrontDoor.Backend*|*unknown\ tag\ AzureFrontDoor.Backend*AllowWebAsg*) ok ;; *) ko "rules text: $out" ;; esac
run rules $C --nic nosuch
expect_rc 2 "rules unknown nic"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
