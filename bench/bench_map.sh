#!/usr/bin/env bash
# bench_map.sh - the network map at 1,000 NICs: a generated network
# (bench/gen_network: 10 VNets, hub and spokes, 100 subnets of 10 NICs, an
# NSG per subnet, ASGs, public IPs on part of the web tier, flow-log
# configuration) is imported, then:
#   - `nsgproof map` and `nsgproof assess` wall times (medians of 5),
#     topology and traffic views;
#   - how long headless Chromium takes to show the HTML map, from
#     navigation start to painted (bench/map_render.js, median of 5):
#     the goal is under 2 s for the topology map; the script fails above;
#   - side by side, what a user would otherwise run to look at it: Graphviz
#     rendering the DOT of the same map (dot -Tsvg, one run; capped at
#     600 s for the topology, 120 s for the traffic view);
#   - ablation: the same HTML with every subnet collapsed (--collapse 5).
# Run by `make bench` (bench/run.sh sets $BENCH_BIN and $BENCH_OUT).
set -u
NSGPROOF=${NSGPROOF:-$PWD/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
bin=${BENCH_BIN:-$here/../build/rel/bench}/gen_network
out=${BENCH_OUT:-/tmp}/map.txt
work=${BENCH_OUT:-/tmp}/map_bench
NICS=${MAP_NICS:-1000}
GOAL_MS=2000
[ -x "$bin" ] || { echo "missing $bin (make bench builds it)"; exit 1; }
export NODE_PATH=$here/../build/node/node_modules
[ -d "$NODE_PATH/puppeteer-core" ] ||
    { echo "FAIL: puppeteer-core is not installed in build/node (make browser-deps)"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
: >"$out"
say() { echo "$*" | tee -a "$out"; }

"$bin" "$work/net" "$NICS" | tee -a "$out" || exit 1
"$NSGPROOF" import --corpus "$work/c" "$work/net" >/dev/null ||
    { echo "FAIL: import of the generated network"; exit 1; }

median_time() { # CMD...: median wall seconds of 5 runs (output discarded)
    for i in 1 2 3 4 5; do
        s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
        awk -v s="$s" -v e="$e" 'BEGIN{printf "%.3f\n", e - s}'
    done | sort -n | sed -n 3p
}
say "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
say "commit: $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
say "nsgproof map topology html median_s=$(median_time "$NSGPROOF" map --corpus "$work/c" --format html --out "$work/topology.html")"
say "nsgproof map traffic json median_s=$(median_time "$NSGPROOF" map --corpus "$work/c" --format json --view traffic --out "$work/traffic.json")"
say "nsgproof assess median_s=$(median_time "$NSGPROOF" assess --corpus "$work/c" --json)"
"$NSGPROOF" map --corpus "$work/c" --format html --view traffic --out "$work/traffic.html" >/dev/null
"$NSGPROOF" map --corpus "$work/c" --format html --collapse 5 --out "$work/collapsed.html" >/dev/null
"$NSGPROOF" map --corpus "$work/c" --format dot --out "$work/topology.dot" >/dev/null
"$NSGPROOF" map --corpus "$work/c" --format dot --view traffic --out "$work/traffic.dot" >/dev/null
say "sizes: topology.html $(stat -c %s "$work/topology.html") B, traffic.html $(stat -c %s "$work/traffic.html") B"

render() { # NAME FILE: median ms to painted
    local r
    r=$(node "$here/map_render.js" "$2" 5) || { echo "FAIL: rendering $2"; exit 1; }
    echo "$r" | sed 's/^/  /'
    say "chromium render $1: $(echo "$r" | tail -1)"
}
render "topology (1,000 NICs)" "$work/topology.html"
topo_ms=$(tail -1 "$out" | sed -E 's/.*median_ms ([0-9]+).*/\1/')
render "traffic" "$work/traffic.html"
render "topology, every subnet collapsed" "$work/collapsed.html"

for v in topology traffic; do
    cap=600
    [ $v = traffic ] && cap=120
    s=$(date +%s.%N)
    timeout $cap dot -Tsvg "$work/$v.dot" -o "$work/$v.svg" 2>"$work/dot-$v.err"
    rc=$?
    e=$(date +%s.%N)
    say "baseline dot -Tsvg $v: exit $rc$([ $rc = 124 ] && echo " (stopped at ${cap} s)"), $(awk -v s="$s" -v e="$e" 'BEGIN{printf "%.1f", e - s}') s"
done

if [ "$topo_ms" -ge "$GOAL_MS" ]; then
    echo "FAIL: the 1,000-NIC topology map took ${topo_ms} ms to render (goal < $GOAL_MS ms)"
    exit 1
fi
echo "render goal met: ${topo_ms} ms < $GOAL_MS ms"
