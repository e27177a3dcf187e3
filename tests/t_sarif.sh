#!/usr/bin/env bash
# t_sarif.sh - every SARIF log that lint and verify write is valid against
# the SARIF 2.1.0 schema (tests/data/sarif/sarif-schema-2.1.0.json, the
# OASIS errata01 schema, checked with python3-jsonschema), on the sample,
# on a corpus with missing context, on random scenarios and on errors;
# and says what the format promises: one rule per finding kind or query,
# a level, the witness in the message, the NSG rule's resource id as the
# logical location, its JSON pointer in properties, no physical location
# (the corpus does not record source files per rule).
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
schema=$here/data/sarif/sarif-schema-2.1.0.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

cat >"$tmp/validate.py" <<'PY'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
cls = jsonschema.validators.validator_for(schema)
errs = sorted(cls(schema).iter_errors(log), key=lambda e: list(e.path))
for e in errs[:5]:
    print("invalid at", "/".join(str(p) for p in e.path), ":", e.message[:200])
sys.exit(1 if errs else 0)
PY
# promises.py LOG KIND: what nsgproof's logs promise beyond the schema
cat >"$tmp/promises.py" <<'PY'
import json, sys
log, kind = json.load(open(sys.argv[1])), sys.argv[2]
run = log["runs"][0]
assert log["version"] == "2.1.0"
rules = run["tool"]["driver"]["rules"]
ids = [r["id"] for r in rules]
assert len(ids) == len(set(ids)), "one rule per id"
for r in run["results"]:
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"], "ruleIndex"
    assert r["level"] in ("none", "note", "warning", "error")
    assert r["message"]["text"]
    for loc in r.get("locations", []):
        assert "physicalLocation" not in loc, "no source file is recorded"
        for ll in loc["logicalLocations"]:
            if kind == "assess":  # findings are located at a resource
                assert ll["kind"] == "resource", ll
                assert ll["fullyQualifiedName"].lower().startswith("/subscriptions/"), ll
                continue
            assert "/securityRules/" in ll["fullyQualifiedName"] or \
                   "/defaultSecurityRules/" in ll["fullyQualifiedName"], ll
    if kind == "lint":
        assert r["ruleId"] in ("shadowed", "redundant", "conflict",
                               "management-port-open", "unknown-tag",
                               "tag-in-plural-field", "asg-mixed-with-prefix",
                               "asg-across-vnets", "prefix-limit", "empty-asg",
                               "gateway-subnet-nsg", "ports-ignored",
                               "overridden-by-admin-rule")
        assert r["properties"]["jsonPointer"].startswith("/properties/securityRules/")
        assert len(r["locations"]) == 1
        if "witness" in r["properties"]:
            assert "e.g. " in r["message"]["text"]
    elif kind == "assess":
        assert r["properties"]["severity"] in ("High", "Medium", "Low")
    else:
        assert r["kind"] in ("pass", "fail", "open")
        if r["kind"] == "fail":
            assert r["level"] == "error" and ("witness" in r["message"]["text"] or "(" in r["message"]["text"])
PY

check_log() { # NAME FILE KIND
  if python3 "$tmp/validate.py" "$schema" "$2" >"$tmp/v.out" 2>&1; then ok; else
    ko "$1: not valid SARIF 2.1.0: $(head -5 "$tmp/v.out")"; return; fi
  if python3 "$tmp/promises.py" "$2" "$3" >"$tmp/p.out" 2>&1; then ok; else
    ko "$1: $(tail -3 "$tmp/p.out")"; fi
}
# sarif NAME KIND ARGS...: run, then validate
sarif() {
  local name=$1 kind=$2; shift 2
  "$NSGPROOF" "$kind" "$@" --format sarif >"$tmp/$name.sarif" 2>"$tmp/$name.err"
  local rc=$?
  [ $rc -le 3 ] && ok || ko "$name: exit $rc"
  check_log "$name" "$tmp/$name.sarif" "$kind"
}

cd "$root" || exit 2
S=$tmp/sample
"$NSGPROOF" import --corpus "$S" examples/arm examples/ServiceTags_Public_20261116.json >/dev/null 2>&1 || ko "import"
sarif lint-sample lint --corpus "$S"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
k = {x["ruleId"] for x in r["results"]}
assert {"conflict", "shadowed", "redundant", "management-port-open"} <= k, k
m = [x for x in r["results"] if x["ruleId"] == "management-port-open"][0]
assert m["level"] == "error"
assert m["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].endswith("/networkSecurityGroups/mgmt-nsg/securityRules/AllowSshFromOffice")
' "$tmp/lint-sample.sarif" && ok || ko "lint SARIF: kinds, levels, rule ids"
# the JSON pointer points at the rule in the stored NSG
python3 - "$tmp/lint-sample.sarif" "$root/examples/arm/networkSecurityGroups.json" <<'PY' && ok || ko "lint SARIF: jsonPointer"
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
nsgs = {n["id"].lower(): n for n in json.load(open(sys.argv[2]))["value"]}
checked = 0
for x in r["results"]:
    nsg = nsgs.get(x["properties"]["nsg"].lower())
    if not nsg:
        continue
    node = nsg
    for part in x["properties"]["jsonPointer"].strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    assert node["name"] == x["locations"][0]["logicalLocations"][0]["name"], (node["name"], x)
    checked += 1
assert checked > 0
PY
sarif lint-one lint --corpus "$S" --nsg web-nsg
sarif verify-sample verify --corpus "$S" --queries examples/properties.txt --query 'never Internet -> nic:web-2 tcp/80'
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert len(r["results"]) == 11, len(r["results"])
f = [x for x in r["results"] if x["kind"] == "fail"]
assert len(f) == 1 and "witness" in f[0]["message"]["text"] and f[0]["locations"]
assert len(r["tool"]["driver"]["rules"]) == 11
' "$tmp/verify-sample.sarif" && ok || ko "verify SARIF: one rule per query, the violation located"
# a query that cannot be answered: a notification, still a valid log
sarif verify-error verify --corpus "$S" --query 'never Internet -> nic:no-such-nic' --query 'never Internet -> nic:db-1'
python3 -c '
import json, sys
inv = json.load(open(sys.argv[1]))["runs"][0]["invocations"][0]
assert not inv["executionSuccessful"] and inv["toolExecutionNotifications"][0]["level"] == "error"
' "$tmp/verify-error.sarif" && ok || ko "verify SARIF: query errors as notifications"

# missing context: notes become warnings
mkdir -p "$tmp/nort"; cp examples/arm/*.json "$tmp/nort/"; rm "$tmp/nort/rt-spoke.json"
"$NSGPROOF" import --corpus "$tmp/c2" "$tmp/nort" >/dev/null 2>&1 || ko "import nort"
sarif lint-partial lint --corpus "$tmp/c2"
sarif verify-partial verify --corpus "$tmp/c2" --query 'never Internet -> nic:db-1 tcp/1433'

# random scenarios
for seed in 3 7; do
  python3 "$here/data/witness/gen.py" "$tmp/g$seed" "$seed" && \
    "$NSGPROOF" import --corpus "$tmp/g$seed/c" "$tmp/g$seed/capture" >/dev/null 2>&1 || { ko "gen $seed"; continue; }
  sarif "lint-gen$seed" lint --corpus "$tmp/g$seed/c"
  sarif "verify-gen$seed" verify --corpus "$tmp/g$seed/c" --queries "$tmp/g$seed/queries.txt"
done
# the golden SARIF outputs too
for g in tests/golden/*/*.args; do
  grep -q -- '--format sarif' "$g" || continue
  # a usage error (exit 2) writes no log
  [ "$(cat "${g%.args}.rc")" -ge 2 ] && continue
  out=${g%.args}.out kind=$(awk '{print $1}' "$g")
  check_log "golden ${g#tests/golden/}" "$out" "$kind"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
