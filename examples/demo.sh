#!/usr/bin/env bash
# demo.sh - the main nsgproof job on the shipped sample (make demo): import,
# check, rules, replay, diff, verify and lint, then hardening: harden, plan,
# prove, enforce --out and a replay of the written files, then assess, one
# question per step; it ends by writing the map of the sample (build/demo/)
# and saying where.
# With Node.js it also captures flow logs live from Azurite.
# usage: examples/demo.sh [NSGPROOF]     (default ./nsgproof)
# Exits 0 when every step ended with the exit code it is expected to have
# (a denied check exits 1 by design); 1 when any step surprised us.
set -u

NSGPROOF=${1:-./nsgproof}
case $NSGPROOF in */*) NSGPROOF=$(cd "$(dirname "$NSGPROOF")" && pwd)/$(basename "$NSGPROOF") ;; esac
# Run from the repository root so that reports name files examples/...
cd "$(dirname "$0")/.." || exit 1
EX=examples
CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/nsgproof-demo.XXXXXX") || exit 1
trap 'rm -rf "$CORPUS"' EXIT
unexpected=0
step_no=0

# step QUESTION: a header line saying what the next command answers.
step() {
step_no=$((step_no + 1))
    printf '\n=== %d. %s\n' "$step_no" "$1"
}

# run "EXPECTED EXIT CODES" ARGS...: show the command, run it, and count it
# as a failure of the demo only when its exit code is not an expected one.
run() {
    local want=$1 rc shown=nsgproof a
    shift
    for a in "$@"; do
        case $a in
        *[!A-Za-z0-9_./:=,@+-]*) a="'$a'" ;;
        esac
        shown="$shown ${a//"$CORPUS"/\$CORPUS}"
    done
    printf '$ %s\n' "$shown"
    "$NSGPROOF" "$@"
    rc=$?
    case " $want " in
    *" $rc "*) printf '(exit %d)\n' "$rc" ;;
    *)
        printf 'demo: unexpected exit %d from "%s" (expected %s)\n' \
            "$rc" "$shown" "$want" >&2
        unexpected=$((unexpected + 1))
        ;;
    esac
}

if [ ! -x "$NSGPROOF" ]; then
    echo "demo: $NSGPROOF is not an executable (run make first)" >&2
    exit 1
fi
echo "nsgproof demo on the sample in examples/ (see examples/README.md)"
echo "corpus: \$CORPUS = $CORPUS (removed at exit)"

step "What is in my capture? Import ARM JSON, Service Tags and flow logs into a corpus"
run 0 import --corpus "$CORPUS" --captured-at 2026-11-20T14:00:00Z "$EX/arm" "$EX/ServiceTags_Public_20261116.json" \
    "$EX/flowlogs" "$EX/avnm"
if [ "$unexpected" -ne 0 ]; then
    echo "demo: the import failed; nothing else can run" >&2
    exit 1
fi

step "Can a client on the Internet reach web-1 over HTTPS? (allowed: exit 0)"
run 0 check --corpus "$CORPUS" --nic web-1 --direction inbound --protocol tcp \
    --src 203.0.113.7 --dst 10.0.1.4 --dport 443

step "And over plain HTTP? The subnet NSG allows it, web-1's own NSG does not (denied: exit 1)"
run 1 check --corpus "$CORPUS" --nic web-1 --direction inbound --protocol tcp \
    --src 203.0.113.7 --dst 10.0.1.4 --dport 80

step "Does the partner's SSH allow rule work? Trace every rule evaluated on web-2"
run 1 check --corpus "$CORPUS" --nic web-2 --direction inbound --protocol tcp \
    --src 198.51.100.23 --dst 10.0.1.5 --dport 22 --trace

step "Can the application reach its database? (east-west through the peering)"
run 0 check --corpus "$CORPUS" --nic db-1 --direction inbound --protocol tcp \
    --src 10.1.1.4 --dst 10.1.2.4 --dport 1433

step "Can the database server browse the web? (outbound Internet denied)"
run 1 check --corpus "$CORPUS" --nic db-1 --direction outbound --protocol tcp \
    --src 10.1.2.4 --dst 93.184.216.34 --dport 443

step "Can db-1 resolve names though db-nsg denies the Internet? (platform traffic: DNS to 168.63.129.16 is not subject to NSG rules)"
run 0 check --corpus "$CORPUS" --nic db-1 --direction outbound --protocol udp \
    --src 10.1.2.4 --dst 168.63.129.16 --dport 53

step "Does the security scanner reach app-1 although app-nsg denies it? (a security admin AlwaysAllow rule skips the NSGs)"
run 0 check --corpus "$CORPUS" --nic app-1 --direction inbound --protocol tcp \
    --src 10.0.2.4 --dst 10.1.1.4 --dport 9100

step "Can a blocked client reach web-1 over HTTPS? (the NSGs allow it; a security admin Deny comes first: exit 1)"
run 1 check --corpus "$CORPUS" --nic web-1 --direction inbound --protocol tcp \
    --src 203.0.113.201 --dst 10.0.1.4 --dport 443 --trace

step "Which rules apply to web-1, with tags and ASGs expanded? (effective security rules, admin and platform stages)"
run 0 rules --corpus "$CORPUS" --nic web-1

step "Does the model reproduce every decision Azure logged?"
run 0 replay --corpus "$CORPUS"

step "Which observed flows would the proposed web-nsg edit block? (some: exit 1)"
run 1 replay --corpus "$CORPUS" --proposed "$EX/proposed/web-nsg.json"

step "What exactly does the proposed web-nsg edit change? (differences: exit 1)"
run 1 diff --corpus "$CORPUS" --nsg web-nsg "$EX/proposed/web-nsg.json"

step "Do the network's properties hold? (examples/properties.txt)"
run 0 verify --corpus "$CORPUS" --queries "$EX/properties.txt"

step "Is web-2 reachable from the Internet over HTTP? (a counterexample: exit 1)"
run 1 verify --corpus "$CORPUS" --query 'never Internet -> nic:web-2 tcp/80'

step "Are there shadowed, redundant or risky rules? (findings: exit 1)"
run 1 lint --corpus "$CORPUS"

step "Which source ports must aggregation jobs keep apart for the proposal? (none: every row exact)"
run 0 sport-boundaries --corpus "$CORPUS" --proposed "$EX/proposed/web-nsg.json"

step "Aggregates move between corpora: export the stored flows, import them elsewhere, replay agrees"
run 0 export-flows --corpus "$CORPUS" --out "$CORPUS/flows.csv"
run 0 import --corpus "$CORPUS/copy" "$EX/arm" "$EX/ServiceTags_Public_20261116.json" "$CORPUS/flows.csv"
run 1 replay --corpus "$CORPUS/copy" --proposed "$EX/proposed/web-nsg.json"

PLAN=$CORPUS.plan.json
ENFORCED=$CORPUS.enforced
trap 'rm -rf "$CORPUS" "$PLAN" "$ENFORCED"' EXIT
step "Which internet-facing NICs admit more than the traffic they get? (harden the sample's one hour: --min-days 0; recommendations: exit 1)"
run 1 harden --corpus "$CORPUS" --min-days 0 --out "$PLAN"

step "The plan as written (review it; edit it with nsgproof plan)"
run 0 plan --plan "$PLAN" list

step "Is the plan safe? Replay every observed flow, Z3 no-widening, invariants, what it closes (proven: exit 0)"
run 0 prove --corpus "$CORPUS" --plan "$PLAN"

step "Enforce: prove again, then write the new NSG resources and rollback copies"
run 0 enforce --corpus "$CORPUS" --plan "$PLAN" --out "$ENFORCED"

step "The written files three ways: what-if replay of the observed flows (nothing newly denied: exit 0)"
run 0 replay --corpus "$CORPUS" --proposed "$ENFORCED/rg-demo/web-nsg.json" "$ENFORCED/rg-demo/web-1-nsg.json"

step "... and as a semantic diff of web-nsg against its written file (differences: exit 1)"
run 1 diff --corpus "$CORPUS" --nsg web-nsg "$ENFORCED/rg-demo/web-nsg.json"

step "What would Defender for Cloud recommend? Add the flow-log configuration, then assess (High findings: exit 1)"
run 0 import --corpus "$CORPUS" --captured-at 2026-11-20T14:00:00Z "$EX/watcher"
run 1 assess --corpus "$CORPUS"

MAPDIR=build/demo
mkdir -p "$MAPDIR"
step "Draw the network: topology, and every possible traffic with the observed flows over it"
run 0 map --corpus "$CORPUS" --format html --out "$MAPDIR/map.html"
run 0 map --corpus "$CORPUS" --format html --view traffic --out "$MAPDIR/map-traffic.html"

step "Capture flow logs live from Blob storage (Azurite, the storage emulator)"
AZURITE=build/azurite/node_modules/.bin/azurite-blob
if command -v node >/dev/null && [ -x "$AZURITE" ]; then
    # Azurite on a free loopback port, filled with the sample's flow logs
    # as Azure writes them; its published development key signs requests.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$AZURITE" --blobHost 127.0.0.1 --blobPort "$port" --location "$CORPUS/azurite" \
        --disableTelemetry --silent >/dev/null 2>&1 &
    azurite_pid=$!
    for _ in $(seq 100); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$port" 2>/dev/null && break
        sleep 0.1
    done
    export AZURE_STORAGE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
    blob=http://127.0.0.1:$port/devstoreaccount1
    container=insights-logs-networksecuritygroupflowevent
    python3 tests/blob_tool.py "$blob" devstoreaccount1 "$AZURE_STORAGE_KEY" mkcontainer $container
    (cd "$EX/flowlogs" && find . -name '*.json' | sort | while read -r f; do
        python3 ../../tests/blob_tool.py "$blob" devstoreaccount1 "$AZURE_STORAGE_KEY" \
            blocks $container "${f#./}" "$f"; done)
    run 0 capture flowlogs --corpus "$CORPUS/live" --account devstoreaccount1 --blob-endpoint "$blob"
    echo "(a second capture reads nothing again: every blob is unchanged)"
    run 0 capture flowlogs --corpus "$CORPUS/live" --account devstoreaccount1 --blob-endpoint "$blob"
    unset AZURE_STORAGE_KEY
    kill "$azurite_pid" 2>/dev/null
    wait "$azurite_pid" 2>/dev/null
else
    echo "(skipped: Node.js and Azurite are needed; 'make deps' installs them)"
fi
cat <<'HOW'

To capture a real subscription (read-only; nothing is changed in Azure):
  export AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=...
  #   (or AZURE_ACCESS_TOKEN=$(az account get-access-token --query accessToken -o tsv))
  nsgproof capture arm --corpus DIR --subscription SUBSCRIPTION-ID --service-tags westeurope
  nsgproof capture flowlogs --corpus DIR --account STORAGE-ACCOUNT
  #   (with AZURE_STORAGE_KEY, AZURE_STORAGE_SAS, or the Azure credentials above)
then harden and prove as above, and apply the proven plan (not run here: it
changes the NSGs; it needs Network Contributor on them): every NSG's etag is
checked against the capture first, each is PUT with If-Match, its operation
polled, and what Azure then holds proven to be what was proven; the rollback
copies and a journal are written before the first PUT:
  nsgproof enforce --corpus DIR --plan plan.json --apply --out applied
  nsgproof enforce --rollback applied     # puts the rollback copies back
See docs/capture.md and docs/enforce.md.
HOW

echo
if [ "$unexpected" -ne 0 ]; then
    echo "demo: $unexpected step(s) ended with an unexpected exit code" >&2
    exit 1
fi
echo "demo: all $step_no steps ended as expected"
echo "demo: the map of the sample is $(pwd)/$MAPDIR/map.html (traffic view:" \
    "$(pwd)/$MAPDIR/map-traffic.html); open it in a browser, it needs no network"
