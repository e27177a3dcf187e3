#!/usr/bin/env bash
# t_map.sh - CLI tests of `nsgproof map`: every format and view of the
# sample (with its flow-log configuration and flow logs) and of the
# fixture tests/data/map (peerings, a VNet outside the corpus, ASGs,
# outbound rules between subnets, an unknown service tag, a NIC whose NSG
# is missing); DOT renders with Graphviz; the HTML fetches nothing; a
# failed run leaves an existing map untouched; and the traffic view is
# confirmed with `nsgproof check` (tests/map_traffic_check.js: random
# entries must be allowed, random allowed packets must be listed).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
NSGPROOF=${NSGPROOF:-$root/build/asan/nsgproof}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nsgproof-map.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if "$@"; then ok; else ko "$*"; fi; }

for tool in node dot; do
    command -v $tool >/dev/null || { echo "t_map: $tool is not installed (make deps)"; echo "0 passed, 1 failed"; exit 1; }
done
ex=$root/examples
"$NSGPROOF" import --corpus "$tmp/sample" --captured-at 2026-11-20T14:00:00Z \
    "$ex/arm" "$ex/ServiceTags_Public_20261116.json" "$ex/flowlogs" "$ex/watcher" \
    >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; echo "0 passed, 1 failed"; exit 1; }
"$NSGPROOF" import --corpus "$tmp/fixture" "$root/tests/data/map" >/dev/null 2>&1 ||
    { echo "t_map: cannot import tests/data/map"; echo "0 passed, 1 failed"; exit 1; }

# json FILE EXPR: a JavaScript expression over the parsed document `d`
# must be true
json() {
    node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             if (!(eval(process.argv[2]))) { console.log("false: " + process.argv[2]); process.exit(1); }' "$1" "$2"
}

for c in sample fixture; do
    for view in topology traffic; do
        base=$tmp/$c-$view
        for fmt in json dot html; do
            "$NSGPROOF" map --corpus "$tmp/$c" --format $fmt --view $view \
                --out "$base.$fmt" >"$tmp/out" 2>"$tmp/err"
            rc=$?
            [ $rc = 0 ] && ok || ko "$c $view $fmt: exit $rc: $(cat "$tmp/err")"
            grep -q "^wrote $base.$fmt: $view view as $fmt, [0-9]* nodes, [0-9]* edges$" "$tmp/out" &&
                ok || ko "$c $view $fmt: report: $(cat "$tmp/out")"
        done
        # DOT renders with Graphviz, without warnings
        dot -Tsvg "$base.dot" -o "$base.svg" 2>"$tmp/dot.err"
        [ $? = 0 ] && [ ! -s "$tmp/dot.err" ] && grep -q '<svg' "$base.svg" && ok ||
            ko "$c $view: dot -Tsvg failed: $(head -5 "$tmp/dot.err")"
        # a collapsed DOT too
        "$NSGPROOF" map --corpus "$tmp/$c" --format dot --view $view --collapse 1 \
            --out "$base-c.dot" >/dev/null && dot -Tsvg "$base-c.dot" -o /dev/null 2>"$tmp/dot.err" &&
            [ ! -s "$tmp/dot.err" ] && grep -q 'shape=box3d' "$base-c.dot" && ok ||
            ko "$c $view: collapsed DOT"
        # the HTML: one file, nothing to fetch, the document inline
        check grep -q '<script type="application/json" id="nsgproof-map">' "$base.html"
        check grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$base.html"
        if grep -Eq '<script[^>]* src=|<link |@import|url\([^#]' "$base.html"; then
            ko "$c $view: the HTML refers to other files"
        else ok; fi
        if grep -o 'https\?://[^"'"'"' <]*' "$base.html" | grep -v '^http://www.w3.org/2000/svg$' | grep -q .; then
            ko "$c $view: the HTML names a URL: $(grep -o 'https\?://[^"'"'"' <]*' "$base.html" | sort -u | head -3)"
        else ok; fi
        # the JSON and the HTML's inline document are the same document
        node -e '
            const fs = require("fs");
            const h = fs.readFileSync(process.argv[1], "utf8");
            const m = h.match(/<script type="application\/json" id="nsgproof-map">([^]*?)<\/script>/);
            const a = JSON.parse(m[1]), b = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
            process.exit(JSON.stringify(a) === JSON.stringify(b) ? 0 : 1);' "$base.html" "$base.json" &&
            ok || ko "$c $view: the HTML's document differs from the JSON"
    done
done

# the sample: shape of the documents
s=$tmp/sample
check json "$s-topology.json" 'd.format === "nsgproof-map" && d.view === "topology" && !d.traffic'
check json "$s-topology.json" 'd.nodes.length === 14 && d.edges.length === 1 && d.edges[0].kind === "peering"'
check json "$s-topology.json" 'd.nodes.filter(n => n.kind === "nic" && n.internet_facing).map(n => n.name).sort().join() === "vm-jump-1,vm-web-1,vm-web-2"'
check json "$s-topology.json" 'd.nodes.find(n => n.name === "vm-web-1").severity === "high"'
check json "$s-topology.json" 'd.nodes.find(n => n.name === "vm-app-1").severity === null'
check json "$s-topology.json" 'd.nodes.find(n => n.name === "snet-db").findings[0].recommendation === "subnet-nsg"'
check json "$s-topology.json" 'd.nodes.find(n => n.name === "vm-web-1").flow_log_coverage === "partial"'
check json "$s-topology.json" 'd.nodes.find(n => n.name === "vm-web-1").nsgs.map(g => g.level + ":" + g.name).join() === "subnet:web-nsg,nic:web-1-nsg"'
check json "$s-topology.json" 'd.nsgs.find(g => g.name === "web-nsg").rules.some(r => r.name === "AllowWebInbound" && r.destination === "ASG asg-web")'
check json "$s-traffic.json" 'd.view === "traffic" && d.edges.filter(e => e.kind === "traffic").length > 20'
check json "$s-traffic.json" 'd.edges.every(e => e.kind === "peering" || ["observed", "unobserved", "unknown"].includes(e.status))'
check json "$s-traffic.json" 'd.traffic.flows.allowed > 0 && d.traffic.flows.matched === d.traffic.flows.allowed && d.traffic.flows.unmatched.length === 0'
# Internet -> web-2 on 80 and 443, observed in the flow logs; web-1 only 443
check json "$s-traffic.json" 'd.edges.some(e => d.nodes.find(n => n.id === e.from).name === "Internet" && e.to === d.nodes.find(n => n.name === "vm-web-2").id && e.label === "Tcp 80,443" && e.status === "observed")'
check json "$s-traffic.json" 'd.edges.some(e => d.nodes.find(n => n.id === e.from).name === "Internet" && e.to === d.nodes.find(n => n.name === "vm-web-1").id && e.label === "Tcp 443")'
# the web subnet reaches the app tier on 8080: observed on app-1, never on
# app-2 (allowed but never observed)
check json "$s-traffic.json" 'd.edges.some(e => e.from === d.nodes.find(n => n.name === "snet-web").id && e.to === d.nodes.find(n => n.name === "vm-app-1").id && e.label === "Tcp 8080" && e.status === "observed")'
check json "$s-traffic.json" 'd.edges.some(e => e.from === d.nodes.find(n => n.name === "snet-web").id && e.to === d.nodes.find(n => n.name === "vm-app-2").id && e.label === "Tcp 8080" && e.status === "unobserved")'
# the fixture: unknown tag, stub VNet, error NIC, outbound deny web1 -> data
f=$tmp/fixture
check json "$f-traffic.json" 'd.edges.some(e => e.status === "unknown" && e.unknown_tag === "AzureCosmosDB")'
check json "$f-topology.json" 'd.nodes.some(n => n.kind === "vnet" && n.in_corpus === false && n.name === "vnet-ext")'
check json "$f-topology.json" 'd.edges.length === 2 && d.edges.every(e => e.kind === "peering")'
check json "$f-traffic.json" 'd.traffic.resources[d.nodes.find(n => n.name === "app2").id].error.includes("not in the corpus")'
check json "$f-traffic.json" '!d.traffic.resources[d.nodes.find(n => n.name === "data1").id].inbound.some(e => e.allow.some(b => b.ports === "1433") && d.traffic.groups.find(g => g.id === e.group).cidrs.includes("10.20.1.4/32"))'
check json "$f-traffic.json" 'd.traffic.resources[d.nodes.find(n => n.name === "data1").id].inbound.some(e => e.allow.some(b => b.ports === "1433") && d.traffic.groups.find(g => g.id === e.group).name === "subnet a-app")'
check json "$f-traffic.json" 'd.nodes.some(n => n.kind === "asg" && n.name === "asg-front")'

# a failed run leaves an existing map as it was, and no temporary file
echo old >"$tmp/keep.html"
"$NSGPROOF" map --corpus "$tmp/nonexistent" --format html --out "$tmp/keep.html" 2>/dev/null
[ $? = 2 ] && [ "$(cat "$tmp/keep.html")" = old ] && ok || ko "failed run changed the map"
ls "$tmp"/keep.html.tmp.* >/dev/null 2>&1 && ko "a temporary file was left" || ok
# the written file follows the umask
(umask 022 && "$NSGPROOF" map --corpus "$s" --format dot --out "$tmp/mode.dot" >/dev/null)
[ "$(stat -c %a "$tmp/mode.dot")" = 644 ] && ok || ko "mode $(stat -c %a "$tmp/mode.dot"), want 644"
# --out - writes the document to standard output
"$NSGPROOF" map --corpus "$s" --format json --view traffic --out - >"$tmp/stdout.json" 2>/dev/null &&
    cmp -s "$tmp/stdout.json" "$s-traffic.json" && ok || ko "--out - differs from the file"

# the traffic view against check: soundness and completeness
for c in sample fixture; do
    for seed in 11 12; do
        out=$(node "$root/tests/map_traffic_check.js" "$NSGPROOF" "$tmp/$c" "$tmp/$c-traffic.json" \
              "$tmp" $seed 120 2>&1)
        line=$(echo "$out" | tail -1)
        case $line in
        *" passed, 0 failed") ok ;;
        *) ko "traffic check $c seed $seed: $(echo "$out" | tail -8)" ;;
        esac
    done
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
