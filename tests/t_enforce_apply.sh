#!/usr/bin/env bash
# t_enforce_apply.sh - `nsgproof enforce --apply` and `--rollback` end to
# end against the local ARM server (tests/arm_server.py): capture arm from
# the server -> import flow logs -> harden -> prove -> enforce --apply;
# the server then holds the proven rules (checked by this script from the
# plan, not by nsgproof), every PUT carried If-Match with the captured etag,
# Retry-After was honoured, Azure-AsyncOperation and Location polling;
# --rollback restores (and a second one sends nothing); an NSG changed in
# the portal since capture is exit 2 with the diff and nothing sent; a 412
# on PUT is exit 2 with the diff; an operation that Fails is exit 2; a
# server that stores something else than was sent is exit 3; a refuted
# plan sends nothing, --force-unproven sends it with a warning; no secret
# in any output or file.
set -u
source "$(dirname "$0")/capture_lib.sh"
SUBID=00000000-0000-0000-0000-000000000000
TOK='apply-token-0123456789abcdef'
SECRET='cs~Apply.Secret-1a2b3c4d5e6f'
export AZURE_ACCESS_TOKEN=$TOK NSGPROOF_HTTP_BACKOFF_MS=20
C=$tmp/corpus
CORPORA="$C $tmp/dirs"
mkdir -p "$tmp/dirs"
RG=rg-demo

# The server's NSG named $2 (JSON on stdout).
get_nsg() {
  python3 - "$1" "$2" "$TOK" <<'PY'
import json, sys, urllib.request
port, name, tok = sys.argv[1:]
rid = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-demo"
       "/providers/Microsoft.Network/networkSecurityGroups/" + name)
req = urllib.request.Request("http://127.0.0.1:%s%s?api-version=2024-05-01" % (port, rid),
                             headers={"Authorization": "Bearer " + tok})
print(urllib.request.urlopen(req).read().decode())
PY
}
mutate() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(
    "http://127.0.0.1:%s/_test/mutate?name=%s" % (sys.argv[1], sys.argv[2]), method="POST"))' "$1" "$2"
}
n_puts() { grep -c '"method": "PUT"' "$tmp/$1.log"; }
# run_json NAME ARGS...: nsgproof ARGS with its JSON in $tmp/NAME.json
run_json() {
  local name=$1; shift
  run "$@"
  cp "$tmp/out" "$tmp/$name.json"
}

# ---- the corpus: captured from the server, flows imported, a plan made -----
start_arm A --token "$TOK" --polls 1 --put-retry-after 1 --location-poll web-1-nsg
EPA=http://127.0.0.1:$A_PORT
run capture arm --corpus "$C" --subscription $SUBID --arm-endpoint "$EPA"
expect_rc 0 "capture arm from the server"
run import --corpus "$C" "$root/examples/flowlogs"
expect_rc 0 "import the sample's flow logs"
P=$tmp/plan.json
run harden --corpus "$C" --min-days 0 --out "$P"
expect_rc 1 "harden finds recommendations"
run prove --corpus "$C" --plan "$P"
expect_rc 0 "the plan is proven"

# ---- 1. apply: both NSGs, Azure-AsyncOperation and Location ----------------
D1=$tmp/dirs/applied
run_json a1 enforce --corpus "$C" --plan "$P" --apply --out "$D1" --arm-endpoint "$EPA" --json
expect_rc 0 "enforce --apply"
check_json "$tmp/a1.json" 'j["prove"]["status"] == "proven" and j["forced"] is False and j["apply"]["status"] == "applied"' "applied"
check_json "$tmp/a1.json" '[n["state"] for n in j["apply"]["nsgs"]] == ["verified", "verified"]' "both NSGs verified"
check_json "$tmp/a1.json" 'all(n["verify"]["equivalent"] and n["etag_before"] == n["etag_captured"] == n["etag_plan"] != n["etag_after"] for n in j["apply"]["nsgs"])' "etags: captured, checked, new"
check_json "$tmp/a1.json" '[(n["nsg"], n["put"]["status"], n["put"]["operation"]) for n in j["apply"]["nsgs"]] == [("web-nsg", 200, "Succeeded"), ("web-1-nsg", 202, "Succeeded")]' "Azure-AsyncOperation and Location polled to Succeeded"
check_json "$tmp/a1.json" 'j["apply"]["credential"] == "access-token" and j["apply"]["http"]["requests"] >= 10' "session reported"
# the server holds the captured rules plus the plan's, as the plan says
for nsg in web-nsg web-1-nsg; do
  get_nsg "$A_PORT" $nsg >"$tmp/now-$nsg.json"
  python3 - "$tmp/now-$nsg.json" "$D1/$RG/$nsg.rollback.json" "$P" $nsg <<'PY' && ok || ko "$nsg: the server does not hold the proven rules"
import json, sys
now, cap, plan, name = [json.load(open(p)) for p in sys.argv[1:4]] + [sys.argv[4]]
rules = {r["name"]: r["properties"] for r in now["properties"]["securityRules"]}
want = {r["name"] for r in cap["properties"]["securityRules"]}
added = [x for rec in plan["recommendations"] if rec["nsg"] == name for x in rec["rules"]]
assert added, "the plan adds no rule to " + name
for x in added:
    got = rules[x["name"]]
    assert got["priority"] == x["priority"] and got["access"] == x["access"], x["name"]
    src = got.get("sourceAddressPrefixes") or [got["sourceAddressPrefix"]]
    assert sorted(src) == sorted(x["source"]), (src, x["source"])
    assert got["direction"] == "Inbound"
    want.add(x["name"])
assert set(rules) == want, (set(rules), want)
PY
done
# every PUT after the GETs of both NSGs, with If-Match = the captured etag;
# the first poll waited for Retry-After: 1
python3 - "$tmp/A.log" "$D1/$RG/web-nsg.rollback.json" <<'PY' && ok || ko "PUT order, If-Match or Retry-After"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"method"' in l]
cap = json.load(open(sys.argv[2]))
puts = [i for i, r in enumerate(rows) if r["method"] == "PUT"]
gets = [i for i, r in enumerate(rows) if r["method"] == "GET" and "networkSecurityGroups/web" in r["path"]]
assert len(puts) == 2 and len(gets) >= 4 and sorted(gets)[1] < puts[0], (puts, gets)
assert rows[puts[0]]["if_match"] == cap["etag"], rows[puts[0]]["if_match"]
assert all(rows[i]["if_match"] for i in puts)
poll = next(r for r in rows[puts[0]:] if r["path"].startswith("/asyncops/"))
assert poll["t"] - rows[puts[0]]["t"] >= 0.9, poll["t"] - rows[puts[0]]["t"]
PY
check_json "$D1/apply.json" '[(n["state"], n["etag_applied"] is not None) for n in j["nsgs"]] == [("verified", True)] * 2 and j["corpus"].endswith("/corpus")' "journal"
cmp <(python3 -m json.tool --sort-keys "$D1/$RG/web-nsg.json") \
    <(run enforce --corpus "$C" --plan "$P" --out "$tmp/dirs/out" >/dev/null; python3 -m json.tool --sort-keys "$tmp/dirs/out/$RG/web-nsg.json") >/dev/null &&
  ok || ko "--apply sent another body than --out writes"

# ---- 2. rollback, and a second rollback that sends nothing ----------------
run_json r1 enforce --rollback "$D1" --arm-endpoint "$EPA" --json
expect_rc 0 "enforce --rollback"
check_json "$tmp/r1.json" 'j["rollback"]["status"] == "restored" and [n["state"] for n in j["rollback"]["nsgs"]] == ["restored", "restored"]' "restored"
check_json "$tmp/r1.json" 'all(n["verify"]["equivalent"] for n in j["rollback"]["nsgs"])' "verified against the rollback copies"
for nsg in web-nsg web-1-nsg; do
  get_nsg "$A_PORT" $nsg >"$tmp/back-$nsg.json"
  python3 - "$tmp/back-$nsg.json" "$D1/$RG/$nsg.rollback.json" <<'PY' && ok || ko "$nsg: not restored"
import json, sys
now, cap = [json.load(open(p)) for p in sys.argv[1:]]
strip = lambda rs: sorted((r["name"], json.dumps({k: v for k, v in r["properties"].items() if k != "provisioningState"}, sort_keys=True)) for r in rs)
assert strip(now["properties"]["securityRules"]) == strip(cap["properties"]["securityRules"])
assert now["etag"] != cap["etag"]
PY
done
puts=$(n_puts A)
run enforce --rollback "$D1" --arm-endpoint "$EPA"
expect_rc 0 "a second rollback"
out_has "already_restored" "says it is restored already"
[ "$(n_puts A)" = "$puts" ] && ok || ko "a second rollback sent a PUT"

# ---- 3. changed in the portal since capture: exit 2, diff, nothing sent ----
start_arm B --token "$TOK" --put-retry-after 0
mutate "$B_PORT" web-1-nsg
D3=$tmp/dirs/stale
run_json s1 enforce --corpus "$C" --plan "$P" --apply --out "$D3" --arm-endpoint "http://127.0.0.1:$B_PORT" --json
expect_rc 2 "stale NSG"
check_json "$tmp/s1.json" 'j["apply"]["status"] == "stale" and [n["state"] for n in j["apply"]["nsgs"]] == ["not_sent", "stale"]' "stale one named"
check_json "$tmp/s1.json" '(lambda d: not d["equivalent"] and d["rules_added"] == ["AddedInPortal"] and any(w["dport"] == 8080 and w["a"]["decision"] == "Deny" and w["b"]["decision"] == "Allow" and w["b"]["rule"] == "AddedInPortal" for w in d["differences"]))(j["apply"]["nsgs"][1]["diff"])' "the diff shows the portal's rule with a witness"
[ "$(n_puts B)" = 0 ] && ok || ko "a PUT was sent for a stale plan"
[ ! -e "$D3" ] && ok || ko "files written for a stale plan"
run enforce --corpus "$C" --plan "$P" --apply --out "$D3" --arm-endpoint "http://127.0.0.1:$B_PORT"
expect_rc 2 "stale NSG (text)"
out_has "AddedInPortal" "text names the changed rule"
out_has "different: captured and Azure now" "text shows the diff"
err_has "changed in Azure since it was captured" "the error says why"

# ---- 4. 412 on the second PUT: exit 2; rollback undoes the first only ------
start_arm C --token "$TOK" --put-retry-after 0 --conflict-on-put web-1-nsg
D4=$tmp/dirs/conflict
run_json c1 enforce --corpus "$C" --plan "$P" --apply --out "$D4" --arm-endpoint "http://127.0.0.1:$C_PORT" --json
expect_rc 2 "412 on PUT"
check_json "$tmp/c1.json" 'j["apply"]["status"] == "conflict" and [n["state"] for n in j["apply"]["nsgs"]] == ["verified", "conflict"]' "states"
check_json "$tmp/c1.json" 'j["apply"]["nsgs"][1]["put"]["status"] == 412 and j["apply"]["nsgs"][1]["diff"]["rules_added"] == ["AddedInPortal"]' "412 with the diff"
[ -f "$D4/$RG/web-1-nsg.rollback.json" ] && ok || ko "rollback copy kept"
run_json c2 enforce --rollback "$D4" --arm-endpoint "http://127.0.0.1:$C_PORT" --json
expect_rc 0 "rollback after a conflict"
check_json "$tmp/c2.json" '[n["state"] for n in j["rollback"]["nsgs"]] == ["restored", "skipped"]' "only what was applied is put back"
get_nsg "$C_PORT" web-1-nsg | grep -q AddedInPortal && ok || ko "rollback overwrote the other change"

# ---- 5. the server stores something else: exit 3; rollback restores --------
start_arm M --token "$TOK" --put-retry-after 0 --mangle web-nsg
D5=$tmp/dirs/mangled
run_json m1 enforce --corpus "$C" --plan "$P" --apply --out "$D5" --arm-endpoint "http://127.0.0.1:$M_PORT" --json
expect_rc 3 "what Azure holds is not what was proven"
check_json "$tmp/m1.json" 'j["apply"]["status"] == "mismatch" and [n["state"] for n in j["apply"]["nsgs"]] == ["mismatch", "not_sent"]' "mismatch, the rest not sent"
check_json "$tmp/m1.json" '(lambda v: not v["equivalent"] and v["differences"] and v["rules_changed"])(j["apply"]["nsgs"][0]["verify"])' "witness packets and the changed rule"
run enforce --rollback "$D5" --arm-endpoint "http://127.0.0.1:$M_PORT"
expect_rc 0 "rollback after a mismatch"
out_has "web-nsg (rg-demo): restored" "restored"

# ---- 6. the operation Fails: exit 2 ----------------------------------------
start_arm F --token "$TOK" --put-retry-after 0 --fail-put web-nsg
D6=$tmp/dirs/failed
run_json f1 enforce --corpus "$C" --plan "$P" --apply --out "$D6" --arm-endpoint "http://127.0.0.1:$F_PORT" --json
expect_rc 2 "failed operation"
check_json "$tmp/f1.json" '(lambda n: n["state"] == "failed" and n["put"]["operation"] == "Failed" and "InternalServerError" in n["error"])(j["apply"]["nsgs"][0])' "the operation's error"
run enforce --rollback "$D6" --arm-endpoint "http://127.0.0.1:$F_PORT"
expect_rc 0 "rollback after a failed operation"
out_has "already_restored" "nothing to put back"

# ---- 6b. the answer to an applied PUT is lost: the retry gets 412 ---------
start_arm X --token "$TOK" --put-retry-after 0 --cut-put web-nsg
run_json x1 enforce --corpus "$C" --plan "$P" --apply --out "$tmp/dirs/cut" --arm-endpoint "http://127.0.0.1:$X_PORT" --json
expect_rc 0 "a retried PUT answered 412 after its first attempt was applied"
check_json "$tmp/x1.json" '(lambda n: n["state"] == "verified" and n["put"]["status"] == 412 and "earlier attempt" in n["note"])(j["apply"]["nsgs"][0])' "recognized as applied"
[ "$(grep -c '"method": "PUT".*web-nsg?' "$tmp/X.log")" = 2 ] && ok || ko "the PUT was not sent again once"

# ---- 7. a refuted plan sends nothing; --force-unproven sends it ------------
cp "$P" "$tmp/narrow.json"
run plan --plan "$tmp/narrow.json" modify web-nsg/harden-AllowSshFromMgmt-allow1 --source 10.0.2.6
expect_rc 0 "narrow the plan below an observed source"
start_arm U --token "$TOK" --put-retry-after 0
run enforce --corpus "$C" --plan "$tmp/narrow.json" --apply --out "$tmp/dirs/u" --arm-endpoint "http://127.0.0.1:$U_PORT"
expect_rc 1 "a refuted plan is not applied"
err_has "nothing sent" "says so"
[ ! -s "$tmp/U.log" ] && ok || ko "requests sent for a refuted plan"
run_json u2 enforce --corpus "$C" --plan "$tmp/narrow.json" --apply --force-unproven --out "$tmp/dirs/u" --arm-endpoint "http://127.0.0.1:$U_PORT" --json
expect_rc 0 "--force-unproven applies"
err_has "APPLIED TO AZURE anyway" "the warning"
check_json "$tmp/u2.json" 'j["forced"] is True and j["prove"]["status"] == "refuted" and j["apply"]["status"] == "applied"' "forced"
check_json "$tmp/dirs/u/apply.json" 'j["forced"] is True' "the journal says forced"

# ---- 8. --verbose redacts; client credentials; usage ------------------------
start_arm V --secret "$SECRET" --put-retry-after 0
n_run=$((n_run + 1))
env -u AZURE_ACCESS_TOKEN AZURE_TENANT_ID=test-tenant AZURE_CLIENT_ID=test-client AZURE_CLIENT_SECRET="$SECRET" \
  "$NSGPROOF" enforce --corpus "$C" --plan "$P" --apply --out "$tmp/dirs/v" --arm-endpoint "http://127.0.0.1:$V_PORT" \
  --login-endpoint "http://127.0.0.1:$V_PORT" --verbose >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 0 "apply with a client secret, verbose"
err_has "> PUT http://127.0.0.1:$V_PORT/subscriptions/$SUBID/resourceGroups/$RG/providers/Microsoft.Network/networkSecurityGroups/web-nsg?api-version=2024-05-01" "PUT shown"
err_has ">   If-Match: W/\"e000000d" "If-Match shown"
err_has ">   Authorization: [REDACTED]" "token redacted"
run enforce --rollback "$D1" --plan "$P"
expect_rc 2 "--rollback with a plan"
run enforce --corpus "$C" --plan "$P" --out "$tmp/dirs/x" --arm-endpoint "$EPA"
expect_rc 2 "--arm-endpoint without --apply"
run enforce --corpus "$C" --plan "$P"
expect_rc 2 "neither --out nor --apply"
run enforce --corpus "$C" --plan "$P" --apply --out "$D1" --arm-endpoint "$EPA"
expect_rc 2 "--apply into the directory of an earlier apply"
err_has "journal of an earlier apply" "says why"
run enforce --rollback "$tmp/dirs/out" --arm-endpoint "$EPA"
expect_rc 2 "--rollback of an --out directory needs --corpus"
err_has "--corpus" "says so"
run enforce --corpus "$C" --plan "$P" --apply --out "$tmp/dirs/y" --arm-endpoint http://management.example.com
expect_rc 2 "plain http to a remote ARM endpoint"
[ ! -e "$tmp/dirs/y" ] && ok || ko "files written for a refused endpoint"

# ---- 9. no secret anywhere ---------------------------------------------------
tokens=$(python3 -c 'import json,sys; print(" ".join(r["issued"] for r in map(json.loads, open(sys.argv[1])) if "issued" in r))' "$tmp/V.log")
# shellcheck disable=SC2086
no_secret "secrets" "$TOK" "$SECRET" $tokens
finish
