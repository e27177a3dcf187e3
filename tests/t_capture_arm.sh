#!/usr/bin/env bash
# t_capture_arm.sh - `nsgproof capture arm` against a local ARM and token
# server (tests/arm_server.py): every modelled list paged with nextLink,
# children, effective admin rules (POST, skipToken, 202 + Location polled),
# a 429 with Retry-After, a 500 then success, an expired token (refreshed
# with client credentials; an error with a fixed AZURE_ACCESS_TOKEN),
# workload identity, --resource-group, Service Tags; the corpus equals an
# import of the same files; all or nothing; no secret in any output or
# corpus file; TLS with a self-signed CA fails without --ca-file and works
# with it; http only to loopback; a redirect to another host carries no
# credentials.
set -u
source "$(dirname "$0")/capture_lib.sh"
SUBID=00000000-0000-0000-0000-000000000000
SECRET='cs~Test.Secret-9f8e7d6c5b4a'
ASSERTION='eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJlLXRlc3Q'
FIXED_TOKEN='fixed-token-expired-0123456789abcdef'
export NSGPROOF_HTTP_BACKOFF_MS=20
CORPORA="$tmp/c1 $tmp/c2 $tmp/c3 $tmp/c4 $tmp/c5 $tmp/c6 $tmp/c7 $tmp/imp"

start_arm A --secret "$SECRET" --assertion "$ASSERTION" \
  --throttle-once networkInterfaces --fail-once publicIPAddresses \
  --expire-first-token
EP=http://127.0.0.1:$A_PORT
creds() { env AZURE_TENANT_ID=test-tenant AZURE_CLIENT_ID=test-client "$@"; }

# ---- 1. client secret: everything, with faults on the way ----
n_run=$((n_run + 1))
creds AZURE_CLIENT_SECRET="$SECRET" "$NSGPROOF" capture arm --corpus "$tmp/c1" \
  --subscription $SUBID --arm-endpoint "$EP" --login-endpoint "$EP" \
  --service-tags westeurope --json >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err"); cp "$tmp/outputs/$n_run.out" "$tmp/r1.json"
expect_rc 0 "capture with client secret"
check_json "$tmp/r1.json" 'j["committed"] and j["credential"] == "client-secret"' "committed"
check_json "$tmp/r1.json" 'j["http"]["retries"] == 2' "one 429 and one 500 retried"
check_json "$tmp/r1.json" 'j["lists"]["networkSecurityGroups"] == {"pages": 3, "resources": 6}' "NSGs paged by nextLink"
check_json "$tmp/r1.json" 'j["lists"]["networkInterfaces"]["resources"] == 8 and j["lists"]["virtualMachines"]["resources"] == 8' "NICs and VMs"
check_json "$tmp/r1.json" 'j["lists"]["flowLogs"]["resources"] == 1 and j["lists"]["rules"]["resources"] == 1 and j["lists"]["staticMembers"]["resources"] == 1' "children under parents"
check_json "$tmp/r1.json" 'j["effective_admin_rules"] == {"vnets": 2, "rules": 2}' "effective admin rules: async, skipToken"
check_json "$tmp/r1.json" 'j["service_tags"]["tags"] > 0' "service tags"
check_json "$tmp/r1.json" 'j["imported"]["nsg"] == 6 and j["imported"]["vm"] == 8 and j["resources"]["new"] == sum(j["imported"].values()) >= 30' "imported counts"
# the expired first token was refused, a second one asked for and used
grep -q '"issued": "tok-2' "$tmp/A.log" && ok || ko "no second token after the 401"
python3 - "$tmp/A.log" <<'PY' && ok || ko "requests after the refresh use the new token"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
toks = [r.get("token") for r in rows if r.get("method") == "GET"]
sys.exit(0 if toks[0].startswith("tok-1") and all(t.startswith("tok-2") for t in toks[1:]) else 1)
PY
# scope of the ARM token: the ARM endpoint's
grep -q "\"scope\": \"$EP/.default\"" "$tmp/A.log" && ok || ko "token scope"

# ---- 2. the corpus holds what an import of the same files holds ----
python3 - "$root" "$tmp/files" <<'PY'
import json, os, sys
root, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
extra = json.load(open(os.path.join(root, "tests/data/capture/arm_extra.json")))
json.dump({"value": extra["resources"]}, open(os.path.join(out, "extra.json"), "w"))
# each virtual network's effective admin rules: a file imported with --vnet
for i, (vnet, rules) in enumerate(sorted(extra["effective_admin_rules"].items())):
    os.makedirs(os.path.join(out + "-eff", str(i)))
    json.dump({"value": rules}, open(os.path.join(out + "-eff", str(i), "eff.json"), "w"))
    open(os.path.join(out + "-eff", str(i), "vnet"), "w").write(vnet)
PY
run import --corpus "$tmp/imp" --json "$root/examples/arm" "$tmp/files" \
  "$root/examples/ServiceTags_Public_20261116.json"
expect_rc 0 "import of the same files"
for d in "$tmp/files-eff"/*; do
  run import --corpus "$tmp/imp" --vnet "$(cat "$d/vnet")" "$d/eff.json"
  expect_rc 0 "import of a virtual network's effective admin rules"
done
python3 - "$tmp/c1/manifest.json" "$tmp/imp/manifest.json" <<'PY' && ok || ko "captured objects differ from imported ones"
import json, sys
def objs(p):
    m = json.load(open(p))
    return {k: [v["object"] for v in r["versions"]] for k, r in m["resources"].items()}, m.get("service_tags")
a, b = objs(sys.argv[1]), objs(sys.argv[2])
sys.exit(0 if a[0] == b[0] and len(a[0]) >= 30 and (a[1] is None) == (b[1] is None) else 1)
PY
run rules --corpus "$tmp/c1" --nic web-1
expect_rc 0 "the captured corpus answers questions"

# ---- 3. a second capture: nothing new ----
run capture arm --corpus "$tmp/c1" --subscription $SUBID --arm-endpoint "$EP" \
  --login-endpoint "$EP" --json
expect_rc 2 "no credentials in the environment"
err_has "AZURE_ACCESS_TOKEN" "names the variables"
creds AZURE_CLIENT_SECRET="$SECRET" "$NSGPROOF" capture arm --corpus "$tmp/c1" \
  --subscription $SUBID --arm-endpoint "$EP" --login-endpoint "$EP" --json \
  >"$tmp/r3.json" 2>"$tmp/outputs/r3.err"
check_json "$tmp/r3.json" 'j["resources"]["new"] == 0 and j["resources"]["changed"] == 0' "recapture: unchanged"

# ---- 4. --resource-group, workload identity, text output ----
echo "$ASSERTION" >"$tmp/federated-token"
n_run=$((n_run + 1))
creds AZURE_FEDERATED_TOKEN_FILE="$tmp/federated-token" "$NSGPROOF" capture arm \
  --corpus "$tmp/c2" --subscription $SUBID --resource-group rg-demo \
  --arm-endpoint "$EP" --login-endpoint "$EP" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; out=$(cat "$tmp/outputs/$n_run.out"); err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 0 "workload identity, one resource group"
[ -z "$err" ] && ok || ko "progress or noise on a standard error that is not a terminal: ${err:0:300}"
out_has "workload-identity credentials" "credential named"
out_has "5 nsg" "rg-demo's NSGs only"
grep -q "other-nsg" "$tmp/c2/manifest.json" && ko "rg-other captured" || ok
grep -q "networkWatchers/NetworkWatcher_westeurope/flowLogs" "$tmp/A.log" && ok || ko "flow logs of the subscription's watchers"

# ---- 5. a fixed token that expired: exit 2, corpus untouched ----
cp -r "$tmp/c2" "$tmp/c2.before"
n_run=$((n_run + 1))
AZURE_ACCESS_TOKEN="$FIXED_TOKEN" "$NSGPROOF" capture arm --corpus "$tmp/c2" \
  --subscription $SUBID --arm-endpoint "$EP" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "expired access token"
err_has "ExpiredAuthenticationToken" "Azure's error code"
err_has "get a new one" "what to do"
diff -r "$tmp/c2" "$tmp/c2.before" >/dev/null && ok || ko "failed capture changed the corpus"

# ---- 6. wrong secret; persistent 500; all or nothing on a bad resource ----
n_run=$((n_run + 1))
creds AZURE_CLIENT_SECRET="wrong-secret-value-123" "$NSGPROOF" capture arm --corpus "$tmp/c3" \
  --subscription $SUBID --arm-endpoint "$EP" --login-endpoint "$EP" \
  >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "wrong client secret"
err_has "invalid_client" "token endpoint's error"
[ -e "$tmp/c3/manifest.json" ] && ko "a manifest after a refused capture" || ok

start_arm B --secret "$SECRET" --fail-once routeTables \
  --token good-token-abcdef123456
n_run=$((n_run + 1))
NSGPROOF_HTTP_RETRIES=0 AZURE_ACCESS_TOKEN=good-token-abcdef123456 "$NSGPROOF" capture arm \
  --corpus "$tmp/c4" --subscription $SUBID --arm-endpoint "http://127.0.0.1:$B_PORT" \
  >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "a 500 with no retries left"
err_has "HTTP 500 (InternalServerError" "the status and Azure's code"
[ -e "$tmp/c4/manifest.json" ] && ko "half a capture committed" || ok

# ---- 7. --verbose: requests shown, secrets not ----
n_run=$((n_run + 1))
creds AZURE_CLIENT_SECRET="$SECRET" "$NSGPROOF" capture arm --corpus "$tmp/c5" \
  --subscription $SUBID --resource-group rg-other --arm-endpoint "$EP" \
  --login-endpoint "$EP" --verbose >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 0 "verbose capture"
err_has "> GET $EP/subscriptions/$SUBID/resourceGroups/rg-other/providers/Microsoft.Network/networkSecurityGroups?api-version=2024-05-01" "request line"
err_has ">   Authorization: [REDACTED]" "authorization redacted"
err_has "< 200" "answers shown"

# ---- 8. URLs: http only to loopback; redirects keep credentials home ----
run capture arm --corpus "$tmp/c6" --subscription $SUBID --arm-endpoint http://management.example.com
expect_rc 2 "plain http to a remote host"
err_has "only https://" "the rule"
start_arm C --token good-token-abcdef123456
start_arm D --token good-token-abcdef123456 \
  --redirect "networkSecurityGroups=http://localhost:$C_PORT"
n_run=$((n_run + 1))
AZURE_ACCESS_TOKEN=good-token-abcdef123456 "$NSGPROOF" capture arm --corpus "$tmp/c6" \
  --subscription $SUBID --arm-endpoint "http://127.0.0.1:$D_PORT" \
  >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "redirected to another host: no token there"
grep -q '"auth": false' "$tmp/C.log" && ! grep -q '"auth": true' "$tmp/C.log" && ok ||
  ko "credentials sent to another host: $(cat "$tmp/C.log")"

# ---- 9. TLS: a self-signed CA is refused unless given with --ca-file ----
if make_ca "$tmp/ca"; then
  start_arm T --tls "$tmp/ca/server.pem" "$tmp/ca/server.key" --token good-token-abcdef123456
  n_run=$((n_run + 1))
  AZURE_ACCESS_TOKEN=good-token-abcdef123456 "$NSGPROOF" capture arm --corpus "$tmp/c7" \
    --subscription $SUBID --arm-endpoint "https://127.0.0.1:$T_PORT" \
    >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
  rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
  expect_rc 2 "untrusted certificate"
  err_has "not trusted" "says why"
  err_has "--ca-file" "says what to do"
  n_run=$((n_run + 1))
  AZURE_ACCESS_TOKEN=good-token-abcdef123456 "$NSGPROOF" capture arm --corpus "$tmp/c7" \
    --subscription $SUBID --arm-endpoint "https://127.0.0.1:$T_PORT" \
    --ca-file "$tmp/ca/ca.pem" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
  rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
  expect_rc 0 "trusted with --ca-file"
  grep -q web-1-nsg "$tmp/c7/manifest.json" && ok || ko "nothing captured over TLS"
else
  ko "openssl could not make a test CA"
fi

# ---- 10. progress: shown on a terminal (script(1) gives one) ----
if command -v script >/dev/null; then
  AZURE_ACCESS_TOKEN=good-token-abcdef123456 script -qec "'$NSGPROOF' capture arm \
    --corpus '$tmp/c9' --subscription $SUBID --arm-endpoint http://127.0.0.1:$B_PORT \
    >/dev/null" /dev/null >"$tmp/outputs/tty.out" 2>&1
  grep -q "networkInterfaces: 8 resources, 4 pages" "$tmp/outputs/tty.out" && ok ||
    ko "no progress on a terminal: $(head -c 300 "$tmp/outputs/tty.out")"
fi

# ---- 11. usage ----
run capture arm --corpus "$tmp/c8" --subscription 'x/../y'
expect_rc 2 "bad subscription id"
run capture arm --corpus "$tmp/c8" --subscription $SUBID --resource-group a --resource-group 'b c'
expect_rc 2 "bad resource group"
run capture
expect_rc 2 "capture without a kind"
run capture arm --subscription $SUBID
expect_rc 2 "no corpus"
run capture arm --corpus "$tmp/c8" --subscription $SUBID --lock-wait soon
expect_rc 2 "bad --lock-wait"
run capture flowlogs --corpus "$tmp/c8" --account acct --since yesterday
expect_rc 2 "bad --since"
err_has "--since" "names the option"
run capture arm --corpus "$tmp/c8" --subscription $SUBID --subscription $SUBID
expect_rc 2 "a repeated single-valued option"
run capture flowlogs --corpus "$tmp/c8" --account acct --parallel 99
expect_rc 2 "--parallel out of range"

# ---- 12. no secret anywhere ----
tokens=$(python3 -c 'import json,sys; print(" ".join(r["issued"] for r in map(json.loads, open(sys.argv[1])) if "issued" in r))' "$tmp/A.log")
cp "$tmp/r3.json" "$tmp/outputs/r3.json"
# shellcheck disable=SC2086
no_secret "secrets" "$SECRET" "$ASSERTION" "$FIXED_TOKEN" good-token-abcdef123456 $tokens
finish
