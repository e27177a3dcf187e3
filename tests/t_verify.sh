#!/usr/bin/env bash
# t_verify.sh - CLI tests of `nsgproof verify`: imports the fixture in
# tests/data/verify into a scratch corpus, then checks answers, witnesses,
# JSON output, exit codes and error positions.
set -u
here=$(cd "$(dirname "$0")" && pwd)
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
data="$here/data/verify"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect_rc WANT NAME CMD...: run, keep stdout/stderr in $tmp/out, $tmp/err
expect_rc() {
  local want=$1 name=$2; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  if [ "$rc" = "$want" ]; then ok; else
    bad "$name: exit $rc, want $want"; sed 's/^/  | /' "$tmp/out" "$tmp/err" | head -20
  fi
}
# expect_grep FILE PATTERN NAME
expect_grep() {
  if grep -qE -- "$2" "$1"; then ok; else bad "$3: no /$2/ in $(basename "$1")"
    sed 's/^/  | /' "$1" | head -20; fi
}
# expect_jq FILTER NAME: the filter must print true for $tmp/out
expect_jq() {
  if [ "$(jq -r "$1" "$tmp/out" 2>/dev/null)" = "true" ]; then ok; else
    bad "$2: jq '$1' not true"; head -40 "$tmp/out" | sed 's/^/  | /'; fi
}

c="$tmp/corpus"
if ! "$NSGPROOF" import --corpus "$c" "$data"/*.json >"$tmp/imp" 2>&1; then
  bad "import of the fixture failed"; sed 's/^/  | /' "$tmp/imp" | head -20
  echo "$pass passed, $fail failed"; exit 1
fi

V() { "$NSGPROOF" verify --corpus "$c" "$@"; }

# holds / violated, human output
expect_rc 0 "never holds" V --query 'never Internet -> nic:db-1 tcp/1433'
expect_grep "$tmp/out" '^HOLDS +never Internet -> nic:db-1 tcp/1433' "holds line"
expect_rc 1 "never violated" V --query 'never Internet -> nic:web-1 tcp/22'
expect_grep "$tmp/out" '^VIOLATED +never Internet' "violated line"
# two regions pass both levels: the allowed admin half, and 168.63.129.16
# (in Internet, and in VirtualNetwork: AllowVnetInBound)
expect_grep "$tmp/out" 'witness: Tcp (203\.0\.113\.([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7])|168\.63\.129\.16):[0-9]+ -> 10\.0\.1\.4:22' \
  "witness from the allowed half"
expect_grep "$tmp/out" 'subnet NSG web-nsg: rule (AllowSshAdmin \(priority 110\)|AllowVnetInBound \(priority 65000\)) -> Allow' "subnet level"
expect_rc 1 "never violated outside 168/8" V --query 'never 203.0.113.0/24 -> nic:web-1 tcp/22'
expect_grep "$tmp/out" 'witness: Tcp 203\.0\.113\.([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7]):[0-9]+ -> 10\.0\.1\.4:22' \
  "witness from the allowed half (203.0.113.0/24)"
expect_grep "$tmp/out" 'subnet NSG web-nsg: rule AllowSshAdmin \(priority 110\) -> Allow' "subnet level (admin half)"
expect_grep "$tmp/out" 'nic NSG web1-nic-nsg: rule AllowAll \(priority 4000\) -> Allow' "nic level"
expect_rc 0 "two levels" V --query 'never 203.0.113.128/25 -> nic:web-1 tcp/22'
expect_rc 0 "can holds" V --query 'can asg:web-asg -> nic:db-1 tcp/1433'
expect_grep "$tmp/out" 'example: Tcp 10\.0\.1\.[45]:[0-9]+ -> 10\.0\.2\.4:1433  => Allow' "can: example"
expect_grep "$tmp/out" 'NIC web-[12] Outbound' "can: source hop"
expect_rc 1 "can violated" V --nsg-only --query 'can Internet -> nic:db-1 tcp/1433'
expect_grep "$tmp/out" 'DenyAllInBound' "can: denied sample's rule"
# along paths: db-1 has no public IP, nothing from the Internet reaches it
expect_rc 1 "can: no path" V --query 'can Internet -> nic:db-1 tcp/1433'
expect_grep "$tmp/out" 'no packet of the class has a path' "can: no path reason"
expect_grep "$tmp/out" 'witness: Tcp [0-9.]+:[0-9]+ -> 10\.0\.2\.4:1433  => no path' "can: no-path sample"
expect_grep "$tmp/out" 'not reachable from the Internet' "can: where it ends"

# JSON: schema and witness
expect_rc 1 "json violated" V --json --query 'always Internet -> nic:web-1 tcp/22'
expect_jq '.results[0].status == "violated" and .violated == 1 and .holds == 0 and .unknown == 0' "json counts"
expect_jq '.results[0].witness.decision == "Deny" and .results[0].witness.dport == 22 and .results[0].witness.protocol == "Tcp" and .results[0].witness.dst == "10.0.1.4" and .results[0].witness.direction == "Inbound"' "json witness"
expect_jq '[.results[0].path[] | select(.decision == "Deny")] | length >= 1' "json path has the deny"
expect_jq '.results[0].line == 1 and .results[0].query == "always Internet -> nic:web-1 tcp/22" and (.results[0].failing | index("web-1")) != null' "json query fields"

# source NIC outbound: the ASG members reach SQL; the path has two NICs
expect_rc 1 "vnet source" V --json --query 'never 10.0.0.0/16 -> nic:db-1 tcp/1433'
expect_jq '.results[0].witness.src == "10.0.1.4" or .results[0].witness.src == "10.0.1.5"' "source is a web NIC"
expect_jq '[.results[0].path[] | select(.direction == "Outbound")] | length >= 1' "outbound hop in path"

# a public IP is translated to the NIC's private address
expect_rc 1 "public ip" V --json --query 'never Internet -> 52.0.0.10 tcp/443'
expect_jq '.results[0].witness.dst == "10.0.1.4"' "public ip translated"

# queries file: counts, lines, exit 1 for one violation
expect_rc 1 "queries file" V --json --queries "$data/queries.txt"
expect_jq '.holds == 4 and .violated == 1 and (.results | length) == 5' "file counts"
expect_jq '.results[1].line == 3 and .results[1].status == "violated"' "file lines"
expect_rc 1 "queries file text" V --queries "$data/queries.txt"
expect_grep "$tmp/out" '^5 queries: 4 hold, 1 violated, 0 unknown' "summary line"

# errors: positions, unknown and ambiguous endpoints, usage
expect_rc 2 "bad query" V --query 'never Internet -> nic:web-1 tpc/22'
expect_grep "$tmp/err" 'line 1, column 29: expected a service' "bad query position"
printf 'never * -> nic:web-1\n\n# c\ncan * => nic:db-1\n' >"$tmp/q.txt"
expect_rc 2 "bad file" V --queries "$tmp/q.txt"
expect_grep "$tmp/err" 'line 4, column 7' "bad file position"
expect_rc 2 "unknown nic" V --query 'never * -> nic:web-9 tcp/22'
expect_grep "$tmp/err" "line 1, column 12: endpoint 'nic:web-9'" "unknown nic message"
expect_rc 2 "unknown tag" V --query 'never NoSuchTag -> nic:web-1'
expect_rc 2 "no path" V --query 'never 8.8.8.8 -> 1.1.1.1'
expect_rc 2 "no corpus" "$NSGPROOF" verify --query 'never * -> *'

# one bad query in a --queries file: the others are answered, the bad one
# is reported with status error and its message, exit 2 (error > violated)
printf 'never Internet -> nic:db-1 tcp/1433\nnever * -> nic:web-9 tcp/22\nnever Internet -> nic:web-1 tcp/22\nnever NoSuchTag -> nic:web-1\n' >"$tmp/qe.txt"
expect_rc 2 "query errors" V --queries "$tmp/qe.txt"
expect_grep "$tmp/out" '^HOLDS +never Internet -> nic:db-1 tcp/1433  \(line 1\)' "errors: first answered"
expect_grep "$tmp/out" '^ERROR +never \* -> nic:web-9 tcp/22  \(line 2\)' "errors: error line"
expect_grep "$tmp/out" "endpoint 'nic:web-9'" "errors: message"
expect_grep "$tmp/out" '^VIOLATED +never Internet -> nic:web-1 tcp/22  \(line 3\)' "errors: later answered"
expect_grep "$tmp/out" '^ERROR +never NoSuchTag' "errors: unknown tag"
expect_grep "$tmp/out" '^4 queries: 1 hold, 1 violated, 0 unknown, 2 errors' "errors: summary"
expect_rc 2 "query errors json" V --json --queries "$tmp/qe.txt"
expect_jq '.errors == 2 and .holds == 1 and .violated == 1 and ([.results[].status] == ["holds", "error", "violated", "error"]) and (.results[1].error | test("nic:web-9")) and .results[1].witness == null and .results[2].witness.dport == 22' "errors: json"
printf 'never Internet -> nic:db-1 tcp/1433\nnever * -> nic:web-9 tcp/22\n' >"$tmp/qe2.txt"
expect_rc 2 "error beats holds" V --queries "$tmp/qe2.txt"

# witnesses look like real packets: an ephemeral source port, a host
# address (not the network address), the destination port where the
# class starts; a NIC -> NIC flow is printed without a direction
expect_rc 1 "realistic witness" V --json --query 'never 203.0.113.0/24 -> nic:web-1 tcp/20-30'
expect_jq '.results[0].witness.sport == 49152 and .results[0].witness.dport == 22 and (.results[0].witness.src | test("^203\\.0\\.113\\.([4-9]|[1-9][0-9]+)$"))' "witness: port 49152, host source"
expect_jq '.results[0].witness.text == "Tcp \(.results[0].witness.src):49152 -> 10.0.1.4:22"' "witness: json text"
expect_rc 0 "nic to nic text" V --query 'can nic:web-1 -> nic:db-1 tcp/1433'
expect_grep "$tmp/out" '^  example: Tcp 10\.0\.1\.4:49152 -> 10\.0\.2\.4:1433  => Allow' "nic to nic: no direction, port 49152"
expect_grep "$tmp/out" '^    NIC web-1 Outbound, ' "nic to nic: source hop kept"
expect_grep "$tmp/out" '^    NIC db-1 Inbound, ' "nic to nic: destination hop kept"
# --query and --queries mix: every query answered, in the order given
expect_rc 1 "both query forms" V --query 'never * -> *' --queries "$data/queries.txt" --query 'never Internet -> nic:db-1 tcp/1433' --json
n_file=$(grep -cvE '^[[:space:]]*(#|$)' "$data/queries.txt")
expect_jq "(.results | length) == $((n_file + 2)) and .results[0].query == \"never * -> *\" and .results[0].source == \"--query\" and .results[1].line == 2 and .results[-1].source == \"--query\" and .results[-1].query == \"never Internet -> nic:db-1 tcp/1433\"" "both query forms: all answered, in order"
expect_rc 1 "two --query: both answered" V --query 'never Internet -> nic:web-1 tcp/22' --query 'never Internet -> nic:db-1 tcp/1433' --json
expect_jq '(.results | length) == 2 and .violated == 1 and .holds == 1 and .results[0].status == "violated"' "two --query: the first one's violation counts"
expect_rc 2 "bad timeout" V --timeout x --query 'never * -> nic:web-1'
expect_rc 2 "missing corpus dir" "$NSGPROOF" verify --corpus "$tmp/none" --query 'never * -> nic:a'
expect_rc 0 "help" "$NSGPROOF" verify --help
expect_grep "$tmp/out" 'usage: nsgproof verify' "help text"

# a solver time limit too small for an 800-rule NSG: unknown (exit 3),
# never a guess; a fast machine may still answer, then it must be right
big="$tmp/big"; mkdir -p "$big"
cp "$data"/vnets.json "$data"/nics.json "$data"/asgs.json "$data"/publicips.json "$big"/
jq '(.value[] | select(.name == "web-nsg") | .properties.securityRules) |=
      [range(800) as $i | {name: "r\($i)", properties: {priority: (100 + $i),
        direction: "Inbound", access: (if $i % 3 == 0 then "Deny" else "Allow" end),
        protocol: (if $i % 2 == 1 then "Tcp" else "Udp" end),
        sourceAddressPrefix: "\(11 + $i % 200).\(($i * 37) % 256).\(($i * 91) % 256).0/24",
        sourcePortRange: "*", destinationAddressPrefix: "*",
        destinationPortRange: (if $i % 5 == 0 then "1-1000" else "22" end)}}]' \
  "$data/nsgs.json" >"$big/nsgs.json"
if "$NSGPROOF" import --corpus "$tmp/bigc" "$big"/*.json >/dev/null 2>&1; then ok
else bad "import of the big fixture"; fi
"$NSGPROOF" verify --corpus "$tmp/bigc" --timeout 1 \
  --nsg-only --query 'always Internet -> nic:web-2 tcp/22' >"$tmp/out" 2>"$tmp/err"; rc=$?
case $rc in
  3) expect_grep "$tmp/out" '^UNKNOWN .*always Internet' "unknown line"
     expect_grep "$tmp/out" 'gave up at NIC web-2' "unknown reason" ;;
  1) expect_grep "$tmp/out" '=> Deny' "answered in time: a denied witness" ;;
  *) bad "timeout: exit $rc, want 3 (or 1)"; cat "$tmp/err" ;;
esac

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
