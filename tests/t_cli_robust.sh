#!/usr/bin/env bash
# t_cli_robust.sh - every command with hostile arguments and inputs: each
# must fail with its documented exit code (2 for usage or input errors), say
# why in exactly one "nsgproof CMD: error:" line on stderr, and never trip the
# address or undefined-behaviour sanitizers.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data/sim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# want RC ARGS...: run nsgproof ARGS, check the exit code, the single error
# line and the absence of sanitizer reports.
want() {
  local rc_want=$1; shift
  timeout 60 "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local rc=$? n
  local what="nsgproof $*"
  what=${what:0:160}
  if grep -qE 'Sanitizer|runtime error:' "$tmp/err"; then
    ko "$what: sanitizer report: $(head -c 600 "$tmp/err")"
    return
  fi
  [ "$rc" = "$rc_want" ] || { ko "$what: exit $rc, wanted $rc_want; stderr: $(head -c 400 "$tmp/err")"; return; }
  if [ "$rc_want" = 2 ] || [ "$rc_want" = 3 ]; then
    n=$(grep -cE '^nsgproof( [a-z-]+)?: error: ' "$tmp/err")
    [ "$n" = 1 ] || { ko "$what: $n error lines on stderr: $(head -c 400 "$tmp/err")"; return; }
    grep -qE '^nsgproof( [a-z-]+)?: error: .+' "$tmp/err" || { ko "$what: empty error message"; return; }
  fi
  ok
}

C="--corpus $tmp/corpus"
"$NSGPROOF" import $C "$data" >/dev/null 2>&1 || { echo "FAIL: import fixture"; echo "$pass passed, 1 failed"; exit 1; }

NSG_ID=/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/web-nsg
NIC_ID=$(grep -o '"id": *"[^"]*networkInterfaces/[^"/]*"' "$data/nics.json" | head -1 | sed 's/.*"\(\/[^"]*\)"/\1/')

# ---- corpus paths that are not corpora --------------------------------------
echo hello >"$tmp/afile"
mkdir -p "$tmp/nomanifest" "$tmp/badmanifest"
printf '{"version": 1, "objects": [' >"$tmp/badmanifest/manifest.json"
for bad in "$tmp/afile" "$tmp/nomanifest" "$tmp/badmanifest" "$tmp/missing" ""; do
  want 2 check --corpus "$bad" --nsg web-nsg --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
  want 2 rules --corpus "$bad" --nic web1-nic
  want 2 replay --corpus "$bad"
  want 2 verify --corpus "$bad" --query 'never Internet -> nic:web1-nic'
  want 2 lint --corpus "$bad"
  want 2 diff --corpus "$bad" --nsg web-nsg --nsg nic-nsg
done

# ---- options: missing values, unknown options, empty strings ---------------
for cmd in check rules replay diff verify lint; do
  want 2 "$cmd" --no-such-option
  want 2 "$cmd" --corpus
  want 2 "$cmd" $C --json --bogus=1
  want 2 "$cmd" -x
done
want 2 check $C
want 2 check $C --nsg web-nsg
want 2 check $C --nsg web-nsg --direction
want 2 check $C --nsg web-nsg --direction sideways --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 check $C --nsg web-nsg --direction "" --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 check $C --nsg "" --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 check $C --nic "" --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 check $C --nic web1-nic --nsg web-nsg --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 check $C --nsg web-nsg --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443 extra
want 2 rules $C
want 2 rules $C --nic ""
want 2 rules $C --nic web1-nic extra
want 2 replay $C --limit
want 2 replay $C --limit 0
want 2 replay $C --limit -1
want 2 replay $C --limit abc
want 2 replay $C --limit 99999999999999999999999
want 2 replay $C --nsg ""
want 2 replay $C --nsg no-such-nsg
want 2 replay $C --proposed
want 2 replay $C --proposed "$tmp/missing.json"
want 2 replay $C --proposed "$tmp/afile"
want 2 diff
want 2 diff "$tmp/afile"
want 2 diff "$tmp/afile" "$tmp/afile"
want 2 diff "$tmp/missing" "$tmp/missing"
want 2 diff "" ""
want 2 diff a b c
want 2 diff $C --nsg web-nsg --nsg nic-nsg --max -1
want 2 diff $C --nsg web-nsg --nsg nic-nsg --max abc
want 2 diff $C --nsg web-nsg --nsg nic-nsg --timeout -1
want 2 diff $C --nsg web-nsg --nsg nic-nsg --timeout ""
want 2 diff $C --nsg web-nsg --nsg nic-nsg --timeout 99999999999999999999999
want 2 diff $C --nsg web-nsg --nsg nic-nsg --direction up
want 2 diff $C --nsg web-nsg --nsg nic-nsg --nic no-such-nic
want 2 diff $C --nsg web-nsg --nsg nic-nsg --vnet ""
want 2 diff $C --nsg "" --nsg nic-nsg
want 2 verify $C
want 2 verify $C --query ""
want 2 verify $C --query 'never'
want 2 verify $C --query 'never Internet -> nic:no-such-nic'
want 2 verify $C --query 'never Internet -> nic:web1-nic tcp/65536'
want 2 verify $C --query 'never Internet -> nic:web1-nic tcp/-1'
want 2 verify $C --query 'never Internet -> nic:web1-nic tcp/abc'
want 2 verify $C --query 'never 999.1.1.1 -> nic:web1-nic'
want 2 verify $C --query 'never Internet -> nic:web1-nic' --timeout -1
want 2 verify $C --query 'never Internet -> nic:web1-nic' --timeout abc
want 2 verify $C --query 'never Internet -> nic:web1-nic' extra
want 2 lint $C --timeout -1
want 2 lint $C --timeout ""
want 2 lint $C --timeout 99999999999999999999999
want 2 lint $C --nsg ""
want 2 lint $C --nsg no-such-nsg
want 2 lint $C extra

# ---- addresses, ports and protocols ----------------------------------------
pk() { want 2 check $C --nsg web-nsg --direction inbound "$@"; }
for ip in 999.1.1.1 10.0.0.1/24 1.2.3 1.2.3.4.5 "" " 1.2.3.4" 1.2.3.4x ::ffff:1.2.3.4x 2001:db8::/64 :::: 01.2.3.4a; do
  pk --protocol tcp --src "$ip" --dst 10.10.1.4 --dport 443
  pk --protocol tcp --src 1.2.3.4 --dst "$ip" --dport 443
done
for port in -1 65536 abc "" 1-2 99999999999999999999 " 1" 0x10; do
  pk --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport "$port"
  pk --protocol udp --src 1.2.3.4 --sport "$port" --dst 10.10.1.4 --dport 53
done
for proto in 256 -1 999999999999 "" foo 6x; do
  pk --protocol "$proto" --src 1.2.3.4 --dst 10.10.1.4 --dport 443
done
pk --protocol tcp --src 1.2.3.4 --dst 10.10.1.4
pk --protocol tcp --src 1.2.3.4 --dst 2001:db8::1 --dport 443

# ---- names that are ids of the wrong type ---------------------------------
want 2 check $C --nic "$NSG_ID" --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
[ -n "$NIC_ID" ] && want 2 check $C --nsg "$NIC_ID" --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.10.1.4 --dport 443
want 2 rules $C --nic "$NSG_ID"
want 2 rules $C --nic web-nsg
want 2 replay $C --nsg web1-nic
want 2 lint $C --nsg web1-nic
want 2 diff $C --nsg web1-nic --nsg web-nsg
want 2 diff $C --nsg web-nsg --nsg nic-nsg --nic web-nsg
want 2 verify $C --query 'never Internet -> nic:web-nsg'

# ---- --batch files -----------------------------------------------------------
printf '\n\n' >"$tmp/empty-lines.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound",\n' >"$tmp/badjson.jsonl"
printf '[1, 2, 3]\n' >"$tmp/array.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound", "protocol": "tcp", "src": "999.1.1.1", "dst": "10.10.1.4", "dport": 443}\n' >"$tmp/badip.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound", "protocol": "tcp", "src": "1.2.3.4", "dst": "10.10.1.4", "dport": 70000}\n' >"$tmp/badport.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound", "protocol": "tcp", "src": "1.2.3.4", "dst": "10.10.1.4", "dport": 4.5}\n' >"$tmp/fracport.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound", "protocol": "tcp", "src": "1.2.3.4", "dst": "10.10.1.4", "dport": -1e300}\n' >"$tmp/hugeport.jsonl"
printf '{"nsg": 7, "direction": true, "protocol": null, "src": [], "dst": {}, "dport": "x"}\n' >"$tmp/types.jsonl"
printf '{"nsg": "web-nsg", "direction": "inbound", "protocol": 256, "src": "1.2.3.4", "dst": "10.10.1.4"}\n' >"$tmp/proto.jsonl"
printf '\001\002\377\376binary\000junk\n' >"$tmp/binary.jsonl"
{ printf '{"nsg": "'; head -c 3000000 /dev/zero | tr '\0' a; printf '"}\n'; } >"$tmp/huge.jsonl"
for f in empty-lines badjson array badip badport fracport hugeport types proto binary huge; do
  want 2 check $C --batch "$tmp/$f.jsonl"
  want 2 check $C --batch "$tmp/$f.jsonl" --json
done
want 2 check $C --batch "$tmp/missing.jsonl"
want 2 check $C --batch "$tmp"
want 2 check $C --batch ""
want 2 check $C --batch

# ---- verify --queries files ---------------------------------------------------
: >"$tmp/empty.q"
printf '# only a comment\n\n' >"$tmp/comments.q"
printf '\001\002\377\376binary\000junk\n' >"$tmp/binary.q"
{ head -c 2000000 /dev/zero | tr '\0' x; echo; } >"$tmp/huge.q"
for f in empty comments binary huge; do
  want 2 verify $C --queries "$tmp/$f.q"
  want 2 verify $C --queries "$tmp/$f.q" --json
done
want 2 verify $C --queries "$tmp/missing.q"
want 2 verify $C --queries "$tmp"
want 2 verify $C --queries ""
want 2 verify $C --query 'never Internet -> nic:web1-nic' --queries "$tmp/comments.q"

# ---- and the valid forms still work -------------------------------------------
want 0 check $C --nic web1-nic --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.10.1.4 --dport 443
# ICMPv6 from outside the virtual network: answered (DenyAllInBound), not an error
want 1 check $C --nsg web-nsg --direction inbound --protocol 58 --src 2001:db8::1 --dst 2001:db8::2 --json
# blank lines between queries are skipped
printf '\n{"nic": "web1-nic", "direction": "inbound", "protocol": "tcp", "src": "203.0.113.7", "dst": "10.10.1.4", "dport": 443}\n\n' >"$tmp/blank-ok.jsonl"
want 0 check $C --batch "$tmp/blank-ok.jsonl" --json
[ "$(wc -l <"$tmp/out")" = 1 ] && grep -q '"line":2' "$tmp/out" && ok || ko "batch with blank lines: one answer, for line 2: $(cat "$tmp/out")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
