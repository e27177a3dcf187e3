#!/usr/bin/env bash
# run_all.sh - runs every unit test binary and every CLI test script and
# prints one closing line "N passed, N failed".
# usage: tests/run_all.sh BUILD_DIR TEST_BIN...
set -u
build=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
export NSGPROOF="$PWD/$build/nsgproof"
passed=0; failed=0; failed_names=""
for bin in "$@"; do
  out=$(CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-600} "$bin" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks' | sed "s|^|$(basename "$bin"): |"
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks' | tail -1)
  if [ -n "$line" ]; then
    n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
    f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
    e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
    passed=$((passed + n - f - e)); failed=$((failed + f + e))
  fi
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | grep -vE '^[0-9]+%: Checks' | tail -40
    [ -z "$line" ] && failed=$((failed + 1))
    failed_names="$failed_names $(basename "$bin")"
  fi
done
for script in "$here"/t_*.sh; do
  [ -e "$script" ] || continue
  out=$(bash "$script" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '^[a-z_]*:? ?[0-9]+ passed, [0-9]+ failed' | tail -1)
  p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); p=${p:-0}
  f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); f=${f:-0}
  echo "$(basename "$script"): $p passed, $f failed"
  passed=$((passed + p)); failed=$((failed + f))
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | grep -v ' passed, ' | tail -40
    [ "$f" = 0 ] && failed=$((failed + 1))
    failed_names="$failed_names $(basename "$script")"
  fi
done
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
