#!/usr/bin/env bash
# bench_verify.sh - verify of 100 generated properties (bench/
# gen_subscription: never/can/always between NICs, subnets, virtual
# networks, ASGs, the Internet and the platform) on a corpus of 1,000 NICs
# behind 100 NSGs in five peered virtual networks, against the same
# queries answered by nsgproof at 139297c (the start of this round of
# work: built once in a scratch worktree under BENCH_OUT), side by side;
# medians.  (139297c answers with NSGs alone; today's verify walks the
# paths, a larger question.)  Floor (the run fails below it): 3x faster
# than 139297c, by wall time.
# Env: NSGPROOF, BENCH_BIN, BENCH_OUT; RUNS (3); BASE_COMMIT (139297c).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
nsgproof=${NSGPROOF:?}
out=${BENCH_OUT:?}
runs=${RUNS:-3}
base=${BASE_COMMIT:-139297c}
data="$out/verify-1000"
old="$out/base-$base"
tags="$here/../examples/ServiceTags_Public_20261116.json"
# the old binary, built once
if [ ! -x "$old/nsgproof" ]; then
  rm -rf "$old"
  git -C "$here" worktree add --detach "$old" "$base" > /dev/null 2>&1 ||
    { echo "cannot check out $base"; exit 1; }
  make -C "$old" nsgproof > "$old.build.log" 2>&1 ||
    { echo "cannot build $base (see $old.build.log)"; exit 1; }
fi
if [ ! -s "$data/new/manifest.json" ] || [ ! -s "$data/old/manifest.json" ]; then
  rm -rf "$data"
  mkdir -p "$data"
  "$BENCH_BIN/gen_subscription" "$data/arm" --nsgs 100 --nics 1000 --rules 60 \
    --queries 100 > "$data.summary" || exit 1
  arm=("$data"/arm/{vnets,nsgs,nics,asgs}.json)
  "$nsgproof" import --corpus "$data/new" "${arm[@]}" "$tags" > /dev/null || exit 1
  "$old/nsgproof" import --corpus "$data/old" "${arm[@]}" "$tags" > /dev/null || exit 1
fi
work=$(mktemp -d "$out/verify-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
q="$data/arm/properties.txt"
bench_stamp
echo "corpus: $(cat "$data.summary"), $(grep -vc '^#' "$q") properties (gen_subscription)"
echo "commands: $nsgproof verify --corpus C --queries $q"
echo "          $old/nsgproof verify --corpus C --queries $q  ($base)"
for i in $(seq "$runs"); do
  bench_time "$work/old" "$old/nsgproof" verify --corpus "$data/old" --queries "$q"
  bench_time "$work/new" "$nsgproof" verify --corpus "$data/new" --queries "$q"
  NSGPROOF_THREADS=1 bench_time "$work/one" "$nsgproof" verify --corpus "$data/new" --queries "$q"
done
echo "load average after: $(bench_load)"
"$nsgproof" verify --corpus "$data/new" --queries "$q" > "$work/a.out"
NSGPROOF_THREADS=1 "$nsgproof" verify --corpus "$data/new" --queries "$q" > "$work/b.out"
"$old/nsgproof" verify --corpus "$data/old" --queries "$q" > "$work/o.out"
same=no
cmp -s "$work/a.out" "$work/b.out" && same=yes
m() { col "$1" "$2" | median; }
t_old=$(m "$work/old" 1)
echo
echo "| verify, 100 properties, 1,000 NICs (medians of $runs) | wall | CPU (user+sys) | speed-up (wall) |"
echo "|---|---|---|---|"
printf '| %s (%s) | %.2f s | %.2f s | - |\n' "$base" "$(tail -n 1 "$work/o.out")" "$t_old" "$(m "$work/old" 2)"
for k in new one; do
  name="nsgproof $(bench_commit), default threads"
  [ $k = one ] && name="nsgproof $(bench_commit), one core"
  awk -v n="$name" -v a="$(tail -n 1 "$work/a.out")" -v w="$(m "$work/$k" 1)" \
      -v c="$(m "$work/$k" 2)" -v o="$t_old" \
      'BEGIN {printf "| %s (%s) | %.2f s | %.2f s | %.1fx |\n", n, a, w, c, o / w}'
done
echo "output identical on every core and on one: $same"
floor "verify vs $base (wall)" \
  "$(awk -v a="$t_old" -v b="$(m "$work/new" 1)" 'BEGIN {printf "%.2f", a / b}')" ">=" 3
exit $BENCH_FAILED
