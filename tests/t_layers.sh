#!/usr/bin/env bash
# t_layers.sh - the #include graph keeps to tests/layers.txt (checked by
# tests/layers_check.sh), and the checker itself fails on each kind of
# violation: a forbidden edge, an internal header used from outside, a
# directory cycle, a directory without a row, an include of a missing file.
set -u
here=$(cd "$(dirname "$0")" && pwd)
check=$here/layers_check.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }

# ---- the real tree ---------------------------------------------------------
out=$(bash "$check" "$here/..") && ok || ko "the tree breaks tests/layers.txt:
$out"

# ---- the checker on small trees --------------------------------------------
# tree NAME: a fresh tree with low/ <- mid/ <- top/, a program app/ over all
# (public headers only) and a test dir; files: low/low.h, low/low_int.h
# (internal), mid/mid.c, top/top.c, app/app.c, t/t.c.
tree() {
  r=$tmp/$1; mkdir -p "$r"/{low,mid,top,app,t}
  cat >"$r/layers.txt" <<'T'
# a table in the format of tests/layers.txt
layer low
layer mid   low
layer top   mid      # top reaches low through mid
layer app   *
layer t     **
internal low/low_int.h
T
  echo '/* low */' >"$r/low/low.h"
  echo '#include "low.h"' >"$r/low/low_int.h"
  printf '#include "../low/low.h"\n' >"$r/mid/mid.c"
  printf '#include "../low/low.h"\n#include "../mid/mid.h"\n' >"$r/top/top.c"
  echo '/* mid */' >"$r/mid/mid.h"
  printf '#include "../top/top.h"\n#include "../low/low.h"\n' >"$r/app/app.c"
  echo '/* top */' >"$r/top/top.h"
  printf '#include "../low/low_int.h"\n' >"$r/t/t.c"
  echo "$r"
}
expect_pass() { # NAME TREE
  out=$(bash "$check" "$2" "$2/layers.txt"); rc=$?
  [ $rc = 0 ] && ok || ko "$1: exit $rc, expected 0: $out"
}
expect_fail() { # NAME TREE PATTERN
  out=$(bash "$check" "$2" "$2/layers.txt"); rc=$?
  [ $rc = 1 ] && printf '%s\n' "$out" | grep -q -- "$3" && ok ||
    ko "$1: exit $rc, expected 1 with '$3': $out"
}

r=$(tree clean); expect_pass "a tree that keeps to its table" "$r"

r=$(tree up); printf '#include "../top/top.h"\n' >>"$r/low/low.h"
expect_fail "an edge against the layering" "$r" \
  'low/low.h:2: #include "../top/top.h": low/ may not include top/'

r=$(tree side); mkdir -p "$r/side"; echo 'layer side  low' >>"$r/layers.txt"
printf '#include "../mid/mid.h"\n' >"$r/side/side.c"
expect_fail "an edge to a directory not listed" "$r" 'side/ may not include mid/'

r=$(tree internal); printf '#include "../low/low_int.h"\n' >>"$r/mid/mid.c"
expect_fail "an internal header from another directory" "$r" \
  'low/low_int.h is internal to low/'

r=$(tree star); printf '#include "../low/low_int.h"\n' >>"$r/app/app.c"
expect_fail "* does not open internal headers" "$r" 'is internal to low/'

r=$(tree cycle); echo 'file low/low.c  mid' >>"$r/layers.txt"
printf '#include "../mid/mid.h"\n' >"$r/low/low.c"
expect_fail "a cycle between directories (edges each allowed)" "$r" \
  'cycle between directories: .*low -> mid\|cycle between directories: .*mid -> low'

r=$(tree exception); mkdir -p "$r/aux"; echo '/* aux */' >"$r/aux/aux.h"
printf 'layer aux\nfile mid/extra.c  aux\n' >>"$r/layers.txt"
printf '#include "../aux/aux.h"\n' >"$r/mid/extra.c"
expect_pass "a file exception allows its edge" "$r"
printf '#include "../aux/aux.h"\n' >"$r/mid/other.c"
expect_fail "... for that file only" "$r" 'mid/other.c:1: .*mid/ may not include aux/'

r=$(tree newdir); mkdir -p "$r/map"; printf '#include "../low/low.h"\n' >"$r/map/map.c"
expect_fail "a directory without a row" "$r" 'map/: no layer row'

r=$(tree missing); printf '#include "../low/nope.h"\n' >>"$r/mid/mid.c"
expect_fail "an include of a file that does not exist" "$r" 'no such file in the tree'

r=$(tree badtable); echo 'layer mid low' >>"$r/layers.txt"
out=$(bash "$check" "$r" "$r/layers.txt"); rc=$?
[ $rc = 2 ] && ok || ko "a table naming a layer twice: exit $rc: $out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
