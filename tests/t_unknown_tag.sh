#!/usr/bin/env bash
# t_unknown_tag.sh - a corpus whose rules name service tags that were never
# imported: answers that do not depend on them are given, answers that do
# are reported naming the tag, never guessed (verify, lint, check).
set -u
here=$(cd "$(dirname "$0")" && pwd)
NSGPROOF=${NSGPROOF:-$here/../build/asan/nsgproof}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

c=$tmp/c
"$NSGPROOF" import --corpus "$c" "$here/../examples/arm" >/dev/null 2>&1 \
  && ok || ko "import of examples/arm"

# inbound question: db-nsg's Storage rule is outbound, so it cannot matter
"$NSGPROOF" verify --corpus "$c" --query 'never Internet -> nic:db-1 tcp/1433' >"$tmp/o" 2>&1
[ $? = 0 ] && grep -q '^HOLDS' "$tmp/o" && ok || ko "verify unrelated to the tag: $(cat "$tmp/o")"

# outbound to storage: the answer rests on Storage.WestEurope
"$NSGPROOF" verify --corpus "$c" --query 'can nic:db-1 -> 20.150.8.4 tcp/443' >"$tmp/o" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "Storage.WestEurope" "$tmp/o" && ok || ko "verify resting on the tag: exit $rc: $(cat "$tmp/o")"

# lint: the tagged rules are reported as not checked, the rest is linted
"$NSGPROOF" lint --corpus "$c" --json >"$tmp/o" 2>"$tmp/e"; rc=$?
[ $rc = 1 ] && ok || ko "lint exit $rc: $(cat "$tmp/e")"
python3 - "$tmp/o" <<'PY' && ok || ko "lint findings: $(head -c 600 "$tmp/o")"
import json, sys
j = json.load(open(sys.argv[1]))
fs = [f for n in j["nsgs"] for f in n["findings"]]
unk = {(f["rule"], f["tag"]) for f in fs if f["kind"] == "unknown-tag"}
assert ("AllowStorageHttps", "Storage") in unk, unk
assert ("AllowBackupToStorage", "Storage.WestEurope") in unk, unk
# no claim about the tagged rules beyond "not checked"
assert not [f for f in fs if f["kind"] != "unknown-tag" and f["rule"] in
            ("AllowStorageHttps", "AllowSqlWestEurope", "AllowBackupToStorage")]
# findings that do not involve the tags are still made
assert any(f["kind"] == "shadowed" and f["rule"] == "AllowSshFromPartner" for f in fs)
PY

# check: a packet the tagged rule decides is an error naming the tag
"$NSGPROOF" check --corpus "$c" --nic db-1 --direction outbound --protocol tcp \
  --src 10.1.2.4 --dst 20.150.8.4 --dport 443 >"$tmp/o" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "Storage" "$tmp/o" && ok || ko "check resting on the tag: exit $rc: $(cat "$tmp/o")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
