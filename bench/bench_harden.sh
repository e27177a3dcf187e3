#!/usr/bin/env bash
# bench_harden.sh - hardening at scale (figures in docs/PERFORMANCE.md):
#  1. `nsgproof harden` over 100 internet-facing NICs (10 subnets, each an
#     NSG pair of 50 rules) with 10^7 observed flows over 30 days: wall
#     time and peak RSS (median of 3), and the same at 10^6;
#  2. `nsgproof prove` of the plan harden writes for 10 NICs behind a
#     1,000-rule NSG pair (980 rules each, ~1,000 with the plan: Azure
#     allows 1,000), over 10^6 and 10^7 distinct observed flows
#     (median of 3); fails when 10^7 takes more than 30 s;
#  3. the baseline side by side: one Python process evaluating the
#     observed flows through both levels, proposed then current (on a
#     sample; flows per second and the extrapolated time for 10^7);
#  4. ablations (bench/prove_bench): the verdict cache, the plan-first
#     evaluation, the rule index, the solver encoding.
# Corpora are generated once into $BENCH_OUT (bench/gen_harden writes flow
# segments directly).  Run by `make bench`.
set -u
NSGPROOF=${NSGPROOF:-$PWD/nsgproof}
bin=${BENCH_BIN:-build/rel/bench}
out=${BENCH_OUT:-/tmp}/harden
here=$(cd "$(dirname "$0")" && pwd)
big=${HARDEN_FLOWS:-10000000}
runs=${HARDEN_RUNS:-3}
mkdir -p "$out"
for b in gen_harden prove_bench; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b (make bench builds it)"; exit 1; }
done

# corpus NAME NICS RULES FLOWS: generate once (topology imported, flows added)
corpus() {
  local d=$out/$1
  if [ ! -f "$d/.done" ]; then
    rm -rf "$d" && mkdir -p "$d" &&
    "$bin/gen_harden" topo "$d/topology.json" "$2" "$3" &&
    "$NSGPROOF" import --corpus "$d/c" "$d/topology.json" >/dev/null &&
    "$bin/gen_harden" flows "$d/c" "$2" "$4" 30 >/dev/null &&
    touch "$d/.done" || { echo "FAIL: generating $1"; exit 1; }
  fi
}
# measure LABEL CMD...: median wall seconds and peak RSS of $runs runs
measure() {
  local label=$1; shift
  local times=() users=() rss=0 i t u m
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %M" -o "$out/time" "$@" >/dev/null 2>"$out/err"
    local rc=$?
    if [ $rc -gt 1 ]; then echo "FAIL: $label exit $rc"; cat "$out/err"; exit 1; fi
    read -r t u m < <(tail -1 "$out/time")
    times+=("$t"); users+=("$u"); [ "$m" -gt "$rss" ] && rss=$m
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  local medu
  medu=$(printf '%s\n' "${users[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-40s median %7.2f s wall, %7.2f s user  peak RSS %4d MB  (wall: %s)\n' \
    "$label" "$med" "$medu" $((rss / 1024)) "${times[*]}"
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== harden: 100 NICs, 10 NSG pairs of 50 rules"
corpus h6 100 50 1000000
corpus h7 100 50 "$big"
measure "harden, 10^6 flows" "$NSGPROOF" harden --corpus "$out/h6/c" --out "$out/h6/plan.json"
measure "harden, $big flows" "$NSGPROOF" harden --corpus "$out/h7/c" --out "$out/h7/plan.json"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('plan:', len(j['recommendations']), 'recommendations,', sum(len(r['rules']) for r in j['recommendations']), 'rules,', sum(1 for n in j['nics'] if n['status']=='unhealthy'), 'unhealthy NICs')" "$out/h7/plan.json"

echo "== prove: 10 NICs behind a 1,000-rule NSG pair (980 + the plan)"
corpus p6 10 980 1000000
corpus p7 10 980 "$big"
for s in p6 p7; do
  "$NSGPROOF" harden --corpus "$out/$s/c" --out "$out/$s/plan.json" >/dev/null
  [ $? -le 1 ] || { echo "FAIL: harden $s"; exit 1; }
done
measure "prove, 10^6 distinct flows" "$NSGPROOF" prove --corpus "$out/p6/c" --plan "$out/p6/plan.json"
measure "prove, $big distinct flows" "$NSGPROOF" prove --corpus "$out/p7/c" --plan "$out/p7/plan.json"
p7=$med
"$NSGPROOF" prove --corpus "$out/p7/c" --plan "$out/p7/plan.json" --json >"$out/p7/proof.json"
python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print('proof:', j['status'], 'parts (s):', {k: round(v, 2) for k, v in j['seconds'].items()}, 'evaluations:', j['observed']['evaluations'], 'of', j['observed']['allowed_flow_records'])" "$out/p7/proof.json"

echo "== baseline: one Python process, both levels, proposed then current"
rm -rf "$out/p6/enforced"
"$NSGPROOF" enforce --corpus "$out/p6/c" --plan "$out/p6/plan.json" --out "$out/p6/enforced" >/dev/null ||
  { echo "FAIL: enforce p6"; exit 1; }
"$bin/gen_harden" csv "$out/p6/c" "${BASELINE_FLOWS:-3000}" "$out/p6/sample.csv" || exit 1
python3 "$here/baseline_prove.py" "$out/p6/sample.csv" "$out/p6/enforced/rg-bench" sub-0-nsg nic-0-nsg | tee "$out/baseline.txt"
rate=$(sed -E 's/.*flows_per_second ([0-9]+).*/\1/' "$out/baseline.txt")
awk -v r="$rate" -v n="$big" -v ours="$p7" 'BEGIN{ if (r > 0) printf "baseline extrapolated to %d flows: %.0f s (%.1f h); ours %.2f s: %.0fx\n", n, n / r, n / r / 3600, ours, (n / r) / ours }'

echo "== ablations (prove_bench, 10^6 flows, 1,000-rule pair)"
"$bin/prove_bench" "$out/p6/c" "$out/p6/plan.json" 60000

awk -v t="$p7" 'BEGIN{exit !(t <= 30)}' || { echo "FAIL: prove over $big flows took $p7 s (floor 30 s)"; exit 1; }
echo "prove over $big flows: $p7 s (floor 30 s): ok"
