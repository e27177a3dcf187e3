#!/usr/bin/env bash
# t_cli_io.sh - the command line users expect: "-" (standard input),
# /dev/stdin and <(...) wherever a file is read (import, diff, replay
# --proposed, check --batch, verify --queries); --format json printing
# valid JSON on every command; colour only on a terminal and never with
# NO_COLOR; vm:NAME in check, rules and verify; --at naming resources
# first captured later; `make install PREFIX=...`.
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
isjson() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1" 2>/dev/null; }
jtrue() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null; }

C=$tmp/c
"$NSGPROOF" import --corpus "$C" --captured-at 2026-11-20T14:00:00Z "$ex/arm" \
  "$ex/ServiceTags_Public_20261116.json" "$ex/flowlogs" >/dev/null 2>&1 || ko "import of the sample"

# ---- standard input and pipes ----------------------------------------------
cat "$ex/arm/networkSecurityGroups.json" | "$NSGPROOF" import --corpus "$tmp/s1" --json - >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && jtrue "$tmp/o" 'j["files"][0]["path"]=="standard input" and j["totals"]["resources"]["new"]==4' \
  && ok || ko "import -: $(head -c 300 "$tmp/o" "$tmp/e")"
"$NSGPROOF" import --corpus "$tmp/s2" --json /dev/stdin <"$ex/arm/networkSecurityGroups.json" >"$tmp/o" 2>&1
[ $? = 0 ] && jtrue "$tmp/o" 'j["totals"]["resources"]["new"]==4' && ok || ko "import /dev/stdin"
"$NSGPROOF" import --corpus "$tmp/s3" --json <(cat "$ex/arm/networkSecurityGroups.json") >"$tmp/o" 2>&1
[ $? = 0 ] && jtrue "$tmp/o" 'j["totals"]["resources"]["new"]==4' && ok || ko "import <(...)"
# a flow-log blob through a pipe keeps its name, so it is still a flow log
blob=$(find "$ex/flowlogs" -name PT1H.json | head -1)
"$NSGPROOF" import --corpus "$tmp/s3" --json <(cat "$blob") >"$tmp/o" 2>&1
jtrue "$tmp/o" 'j["files"][0]["kind"]=="flowlog"' && ok || ko "a PT1H.json blob through <(...)"
# a bad file on standard input: the error names standard input, not a temp file
echo '{"value": [ {"id": ' | "$NSGPROOF" import --corpus "$tmp/s4" - >"$tmp/o" 2>"$tmp/e"
[ $? = 2 ] && grep -q "standard input" "$tmp/e" && ! grep -q "nsgproof-in\." "$tmp/e" && ok \
  || ko "bad standard input: $(cat "$tmp/e")"
cat "$ex/proposed/web-nsg.json" | "$NSGPROOF" diff --corpus "$C" --nsg web-nsg - --json >"$tmp/o" 2>"$tmp/e"
[ $? = 1 ] && jtrue "$tmp/o" 'not j["equivalent"] and j["nsgs"]["b"]["file"]=="-"' && ok || ko "diff with B on standard input"
"$NSGPROOF" diff <(cat "$ex/arm/web-nsg.json") <(cat "$ex/arm/web-nsg.json") --corpus "$C" --vnet vnet-hub >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && ok || ko "diff <(...) <(...): $(cat "$tmp/e")"
cat "$ex/proposed/web-nsg.json" | "$NSGPROOF" replay --corpus "$C" --proposed - --json >"$tmp/o" 2>"$tmp/e"
[ $? = 1 ] && jtrue "$tmp/o" 'j["newly_denied"]["count"]>0' && ok || ko "replay --proposed -: $(head -c 200 "$tmp/e")"
printf '{"nic": "web-1", "direction": "inbound", "protocol": "tcp", "src": "203.0.113.7", "dst": "10.0.1.4", "dport": 443}\n' |
  "$NSGPROOF" check --corpus "$C" --batch - --json >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && grep -q '"decision":"Allow"' "$tmp/o" && ok || ko "check --batch -"
"$NSGPROOF" check --corpus "$C" --batch <(printf '{"nic": "vm:vm-web-1", "direction": "inbound", "protocol": "tcp", "src": "203.0.113.7", "dst": "10.0.1.4", "dport": 443}\n') >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && grep -q "line 1: Allow" "$tmp/o" && ok || ko "check --batch <(...) with vm:NAME"
echo 'never Internet -> nic:db-1 tcp/1433' | "$NSGPROOF" verify --corpus "$C" --queries - >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && grep -q "^HOLDS" "$tmp/o" && ok || ko "verify --queries -"

# ---- --format json on every command: valid JSON ---------------------------------
jcase() { # NAME ARGS...
  local name=$1; shift
  "$NSGPROOF" "$@" --format json >"$tmp/j" 2>"$tmp/e" </dev/null
  local rc=$?
  [ $rc -le 1 ] && isjson "$tmp/j" && ok || ko "$name --format json: exit $rc, $(head -c 200 "$tmp/j" "$tmp/e")"
}
jcase import import --corpus "$tmp/j1" "$ex/arm"
jcase check check --corpus "$C" --nic web-1 --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.0.1.4 --dport 443
jcase rules rules --corpus "$C" --nic web-1
jcase replay replay --corpus "$C"
jcase diff diff --corpus "$C" --nsg web-nsg "$ex/proposed/web-nsg.json"
jcase verify verify --corpus "$C" --query 'never Internet -> nic:db-1'
jcase lint lint --corpus "$C"
jcase compact compact --corpus "$C"
jcase list list --corpus "$C"
jcase list-flows list --corpus "$C" flows
jcase show show --corpus "$C" web-nsg --history

# ---- vm:NAME ----------------------------------------------------------------------
"$NSGPROOF" check --corpus "$C" --nic vm:vm-web-1 --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.0.1.4 --dport 443 >"$tmp/o" 2>&1
[ $? = 0 ] && grep -q "^Allow" "$tmp/o" && ok || ko "check --nic vm:NAME"
"$NSGPROOF" rules --corpus "$C" --nic vm:vm-web-1 >"$tmp/o" 2>&1
[ $? = 0 ] && grep -q "^Effective security rules of NIC web-1 " "$tmp/o" && ok || ko "rules --nic vm:NAME"
"$NSGPROOF" verify --corpus "$C" --query 'never Internet -> vm:vm-db-1 tcp/1433' >"$tmp/o" 2>&1
[ $? = 0 ] && grep -q "^HOLDS" "$tmp/o" && ok || ko "verify vm:NAME"
"$NSGPROOF" check --corpus "$C" --nic vm:vm-wb-1 --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.0.1.4 --dport 1 >"$tmp/o" 2>"$tmp/e"
[ $? = 2 ] && grep -q "did you mean.* vm-web-1?" "$tmp/e" && ok || ko "vm:NAME typo suggests: $(cat "$tmp/e")"

# ---- --at names resources first captured later ---------------------------------------
"$NSGPROOF" check --corpus "$C" --at 2026-01-01 --nic web-1 --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.0.1.4 --dport 443 >"$tmp/o" 2>"$tmp/e"
[ $? = 0 ] && grep -q "note: .*first captured after 2026-01-01T00:00:00Z, taken as first seen: nsg app-nsg (2026-11-20T14:00:00Z)" "$tmp/e" \
  && ok || ko "--at before every capture: note: $(cat "$tmp/e")"
for c in rules lint verify; do
  case $c in
  rules) a=(--nic web-1) ;; lint) a=(--nsg web-nsg) ;; verify) a=(--query 'never Internet -> nic:db-1') ;;
  esac
  "$NSGPROOF" "$c" --corpus "$C" --at 2026-01-01 "${a[@]}" >/dev/null 2>"$tmp/e"
  grep -q "note: .*first captured after" "$tmp/e" && ok || ko "$c --at: no note"
done

# ---- colour: only on a terminal, never with NO_COLOR ------------------------------------
esc=$'\033['
Q=(check --corpus "$C" --nic web-1 --direction inbound --protocol tcp --src 203.0.113.7 --dst 10.0.1.4 --dport 80)
"$NSGPROOF" "${Q[@]}" >"$tmp/o" 2>&1
grep -qF "$esc" "$tmp/o" && ko "colour written to a file" || ok
if command -v script >/dev/null; then
  TERM=xterm script -qec "$(printf '%q ' "$NSGPROOF" "${Q[@]}")" /dev/null </dev/null >"$tmp/tty" 2>&1
  grep -qF "${esc}31mDeny" "$tmp/tty" && ok || ko "no colour on a terminal: $(head -c 200 "$tmp/tty" | od -c | head -3)"
  NO_COLOR=1 TERM=xterm script -qec "$(printf '%q ' "$NSGPROOF" "${Q[@]}")" /dev/null </dev/null >"$tmp/tty" 2>&1
  grep -qF "$esc" "$tmp/tty" && ko "colour despite NO_COLOR" || ok
fi

# ---- make install ------------------------------------------------------------------------
if [ -z "${NSGPROOF_SKIP_INSTALL:-}" ] && [ -x "$root/nsgproof" ]; then
  make -C "$root" --no-print-directory -s install PREFIX="$tmp/prefix" >"$tmp/inst" 2>&1
  [ -x "$tmp/prefix/bin/nsgproof" ] && "$tmp/prefix/bin/nsgproof" --version | grep -q '^nsgproof ' \
    && ok || ko "make install: binary: $(cat "$tmp/inst")"
  cmp -s "$tmp/prefix/share/man/man1/nsgproof.1" "$root/docs/nsgproof.1" && ok || ko "make install: man page"
  make -C "$root" --no-print-directory -s install DESTDIR="$tmp/stage" PREFIX=/usr >/dev/null 2>&1
  [ -x "$tmp/stage/usr/bin/nsgproof" ] && ok || ko "make install DESTDIR"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
