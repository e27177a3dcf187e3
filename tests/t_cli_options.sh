#!/usr/bin/env bash
# t_cli_options.sh - the one option parser, as every command sees it:
# -h/--help on every command (exit 0) and `nsgproof help CMD` printing the
# same; -V/--version; "option '--X' needs a value"; a single-valued option
# given twice is exit 2 naming it; --format text|json with --json as the
# short form (and sarif where it exists); the manual page's SYNOPSIS and
# OPTIONS generated from the same tables (tests/man_sections.sh) and every
# option of every --help listed in the page's OPTIONS section.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
run() { "$NSGPROOF" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; rc=$?; }

cmds=$("$NSGPROOF" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[ -n "$cmds" ] && ok || ko "no command list in nsgproof --help"
for c in import check rules replay diff verify lint compact list show; do
  grep -qx "$c" <<<"$cmds" && ok || ko "command $c missing from nsgproof --help"
done

# ---- help everywhere ---------------------------------------------------------
for c in $cmds; do
  for h in -h --help; do
    run "$c" "$h"
    [ "$rc" = 0 ] && head -1 "$tmp/out" | grep -q "^usage: nsgproof $c " && [ ! -s "$tmp/err" ] \
      && ok || ko "$c $h: exit $rc, $(head -1 "$tmp/out")"
  done
  cp "$tmp/out" "$tmp/help-$c"
  run help "$c"
  [ "$rc" = 0 ] && cmp -s "$tmp/out" "$tmp/help-$c" && ok || ko "nsgproof help $c differs from $c --help"
  grep -q -- "-h, --help" "$tmp/help-$c" && ok || ko "$c --help does not list -h, --help"
  # --help wins wherever it stands (plan reads a plan file, not a corpus)
  o=--corpus; grep -q -- "--corpus" "$tmp/help-$c" || o=--plan
  run "$c" $o /nonexistent --help
  [ "$rc" = 0 ] && ok || ko "$c $o X --help: exit $rc"
done
run help no-such-command
[ "$rc" = 2 ] && grep -q "unknown command 'no-such-command'" "$tmp/err" && ok || ko "help of an unknown command"
for v in -V --version; do
  run "$v"
  [ "$rc" = 0 ] && grep -qE '^nsgproof [0-9]+\.[0-9]+' "$tmp/out" && ok || ko "$v"
done

# ---- errors: one format, the option named ---------------------------------------
for c in $cmds; do
  o=--corpus; grep -q -- "--corpus" "$tmp/help-$c" || o=--plan
  run "$c" $o
  [ "$rc" = 2 ] && grep -q "^nsgproof $c: error: option '$o' needs a value" "$tmp/err" \
    && ok || ko "$c $o (no value): $(head -1 "$tmp/err")"
  run "$c" --no-such-option
  [ "$rc" = 2 ] && grep -q "^nsgproof $c: error: unknown option '--no-such-option'" "$tmp/err" \
    && ok || ko "$c --no-such-option: $(head -1 "$tmp/err")"
  run "$c" $o a $o b
  [ "$rc" = 2 ] && grep -q "^nsgproof $c: error: option '$o' given twice" "$tmp/err" \
    && ok || ko "$c $o twice: exit $rc $(head -1 "$tmp/err")"
  run "$c" --format json --format text
  [ "$rc" = 2 ] && grep -q "option '--format' given twice" "$tmp/err" && ok || ko "$c --format twice"
  # map and export-flows write data: their --format is html|dot|json and
  # csv|jsonl (the report formats do not apply); they are checked below
  [ "$c" = map ] || [ "$c" = export-flows ] && continue
  run "$c" --json --format text
  [ "$rc" = 2 ] && grep -q "conflicts" "$tmp/err" && ok || ko "$c --json --format text"
  run "$c" --format yaml
  [ "$rc" = 2 ] && grep -q "option '--format' takes text" "$tmp/err" && ok || ko "$c --format yaml"
done
run map --corpus c --out o --format yaml
[ "$rc" = 2 ] && grep -q "html, dot or json" "$tmp/err" && ok || ko "map --format yaml: $(head -1 "$tmp/err")"
run export-flows --corpus c --format yaml
[ "$rc" = 2 ] && grep -q "csv or jsonl" "$tmp/err" && ok || ko "export-flows --format yaml: $(head -1 "$tmp/err")"
for c in lint verify assess; do
  run "$c" --format sarif --corpus /nonexistent --query x
  [ "$rc" = 2 ] && ! grep -q "option '--format'" "$tmp/err" && ok || ko "$c accepts --format sarif"
done
for c in check diff replay rules import list show compact; do
  run "$c" --format sarif
  [ "$rc" = 2 ] && grep -q "option '--format' takes text or json" "$tmp/err" && ok || ko "$c refuses sarif"
done

# ---- every single-valued option refuses a second value (exit 2, named) ------------
C=$tmp/corpus
"$NSGPROOF" import --corpus "$C" --captured-at 2026-11-20T14:00:00Z "$root/examples/arm" \
  "$root/examples/ServiceTags_Public_20261116.json" "$root/examples/flowlogs" >/dev/null 2>&1 \
  || ko "import of the sample"
twice() { # CMD OPTION VALUE1 VALUE2 [OTHER ARGS...]
  local c=$1 o=$2 a=$3 b=$4; shift 4
  run "$c" "$@" "--$o" "$a" "--$o" "$b"
  [ "$rc" = 2 ] && grep -q "^nsgproof $c: error: option '--$o' given twice" "$tmp/err" \
    && ok || ko "$c --$o twice: exit $rc; $(head -1 "$tmp/err")"
}
P=(--protocol tcp --src 203.0.113.7 --dst 10.0.1.4 --dport 443)
twice check nsg web-nsg mgmt-nsg --corpus "$C" --direction inbound "${P[@]}"
twice check nic web-1 web-2 --corpus "$C" --direction inbound "${P[@]}"
twice check direction outbound inbound --corpus "$C" --nic web-1 "${P[@]}"
twice check dport 22 443 --corpus "$C" --nic web-1 --direction inbound --protocol tcp --src 1.2.3.4 --dst 10.0.1.4
twice check at 2026-11-20 2026-11-21 --corpus "$C" --nic web-1 --direction inbound "${P[@]}"
twice rules nic web-1 web-2 --corpus "$C"
twice replay nsg web-nsg db-nsg --corpus "$C"
twice replay limit 5 6 --corpus "$C"
twice diff direction inbound outbound --corpus "$C" --nsg web-nsg --nsg mgmt-nsg
twice diff max 1 2 --corpus "$C" --nsg web-nsg --nsg mgmt-nsg
twice diff vnet vnet-hub vnet-spoke --corpus "$C" --nsg web-nsg --nsg mgmt-nsg
twice verify timeout 100 200 --corpus "$C" --query 'never Internet -> nic:web-1'
twice lint nsg web-nsg db-nsg --corpus "$C"
twice lint timeout 100 200 --corpus "$C"
twice import captured-at 2026-11-20 2026-11-21 --corpus "$tmp/imp" "$root/examples/arm"
twice import lock-wait 1 2 --corpus "$tmp/imp" "$root/examples/arm"
twice compact lock-wait 1 2 --corpus "$C"
twice show at 2026-11-20 2026-11-21 --corpus "$C" web-1
[ ! -e "$tmp/imp" ] && ok || ko "a refused import created its corpus directory"
# repeatable options do repeat: two --query are both answered
run verify --corpus "$C" --query 'never Internet -> nic:web-2 tcp/80' --query 'never Internet -> nic:db-1' --json
[ "$rc" = 1 ] && python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if len(j["results"])==2 and j["violated"]==1 and j["holds"]==1 else 1)' "$tmp/out" \
  && ok || ko "two --query: exit $rc"

# ---- --json is --format json ----------------------------------------------------------
run rules --corpus "$C" --nic web-1 --json; cp "$tmp/out" "$tmp/a.json"
run rules --corpus "$C" --nic web-1 --format json
cmp -s "$tmp/out" "$tmp/a.json" && ok || ko "--json and --format json differ"
run rules --corpus "$C" --nic web-1 --json --format json
[ "$rc" = 0 ] && ok || ko "--json --format json (agreeing) refused"

# ---- the manual page comes from the same tables ------------------------------------------
if bash "$here/man_sections.sh" "$NSGPROOF" "$root/docs/nsgproof.1" >"$tmp/man.1" 2>"$tmp/man.err"; then
  diff -u "$root/docs/nsgproof.1" "$tmp/man.1" >"$tmp/man.diff" && ok \
    || { ko "docs/nsgproof.1 is not what the option tables give (run make man)"; head -30 "$tmp/man.diff"; }
else
  ko "man_sections.sh failed: $(cat "$tmp/man.err")"
fi
# and, read independently: each --help option is in the command's OPTIONS
for c in $cmds; do
  sed -n "/^\.SS $c\$/,/^\.SS /p" "$root/docs/nsgproof.1" | grep -oE '^\\fB\\-\\-([a-z]|\\-)+' |
    sed 's/\\fB\\-\\-/--/; s/\\-/-/g' | sort -u >"$tmp/man-$c"
  grep -oE '^  --[a-z-]+' "$tmp/help-$c" | sed 's/^  //' | sort -u >"$tmp/help-opts-$c"
  [ -s "$tmp/help-opts-$c" ] && diff -q "$tmp/man-$c" "$tmp/help-opts-$c" >/dev/null && ok \
    || ko "$c: options of --help and of the manual page differ: $(diff "$tmp/man-$c" "$tmp/help-opts-$c" | tr '\n' ' ')"
done
if command -v groff >/dev/null; then
  groff -man -Tutf8 -ww "$root/docs/nsgproof.1" >/dev/null 2>"$tmp/groff.err"
  [ ! -s "$tmp/groff.err" ] && ok || ko "groff warnings: $(head -5 "$tmp/groff.err")"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
