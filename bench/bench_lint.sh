#!/usr/bin/env bash
# bench_lint.sh - lint of a whole corpus of 50 NSGs of 1,000 generated
# rules (bench/gen_subscription: CIDRs and hosts, service tags, ASGs, port
# lists and overlapping ranges, broad rules at the end), on every core and
# on one, side by side; the findings must be identical.  Floor (the run
# fails above it): 12 s on both cores.
# Env: NSGPROOF, BENCH_BIN, BENCH_OUT; RUNS (3), LINT_NSGS (50),
# LINT_RULES (1000).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
nsgproof=${NSGPROOF:?}
out=${BENCH_OUT:?}
runs=${RUNS:-3}
nsgs=${LINT_NSGS:-50}
rules=${LINT_RULES:-1000}
data="$out/lint-${nsgs}x$rules"
if [ ! -s "$data/corpus/manifest.json" ]; then
  rm -rf "$data"
  mkdir -p "$data"
  "$BENCH_BIN/gen_subscription" "$data/arm" --nsgs "$nsgs" --nics $((nsgs * 10)) \
    --big "$nsgs" --rules "$rules" > "$data.summary" || exit 1
  "$nsgproof" import --corpus "$data/corpus" "$data"/arm/*.json \
    "$here/../examples/ServiceTags_Public_20261116.json" > /dev/null || exit 1
fi
work=$(mktemp -d "$out/lint-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
bench_stamp
echo "corpus: $(cat "$data.summary") (gen_subscription)"
echo "command: $nsgproof lint --corpus $data/corpus --format json (NSGPROOF_THREADS=1 and unset)"
lint() { # THREADS OUTFILE TIMEFILE
  if [ "$1" = all ]; then
    bench_time "$3" "$nsgproof" lint --corpus "$data/corpus" --format json
    "$nsgproof" lint --corpus "$data/corpus" --format json > "$2"
  else
    NSGPROOF_THREADS=$1 bench_time "$3" "$nsgproof" lint --corpus "$data/corpus" --format json
    NSGPROOF_THREADS=$1 "$nsgproof" lint --corpus "$data/corpus" --format json > "$2"
  fi
}
for i in $(seq "$runs"); do
  lint all "$work/all.json" "$work/all.t"
  lint 1 "$work/one.json" "$work/one.t"
done
echo "load average after: $(bench_load)"
same=no
cmp -s "$work/all.json" "$work/one.json" && same=yes
findings=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["count"], "findings in", d["nsgs_linted"], "NSGs")' "$work/all.json")
m() { col "$1" "$2" | median; }
echo
echo "| lint, $nsgs NSGs x $rules rules ($findings; medians of $runs) | wall | CPU (user+sys) | peak RSS |"
echo "|---|---|---|---|"
printf '| on every core (%s) | %.2f s | %.2f s | %d MB |\n' "$(nproc)" "$(m "$work/all.t" 1)" "$(m "$work/all.t" 2)" $(( $(m "$work/all.t" 3) / 1024 ))
printf '| on one core (NSGPROOF_THREADS=1) | %.2f s | %.2f s | %d MB |\n' "$(m "$work/one.t" 1)" "$(m "$work/one.t" 2)" $(( $(m "$work/one.t" 3) / 1024 ))
echo "findings identical on every core and on one: $same"
[ "$same" = yes ] || { echo "BELOW FLOOR: findings differ"; BENCH_FAILED=1; }
floor "lint of $nsgs NSGs x $rules rules on every core (wall)" "$(m "$work/all.t" 1)" "<=" 12
exit $BENCH_FAILED
