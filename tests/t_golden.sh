#!/usr/bin/env bash
# t_golden.sh - CLI golden tests: runs nsgproof with each
# tests/golden/<cmd>/<case>.args and compares stdout byte for byte with
# <case>.out, the exit code with <case>.rc and, when <case>.err exists,
# stderr with it.
#
# usage: tests/t_golden.sh [CMD/CASE...]      (default: every case)
#        UPDATE=1 tests/t_golden.sh [...]     regenerate .out/.rc (and .err
#                                             for exit codes >= 2): review
#                                             them by eye before keeping!
# <case>.args is one line of arguments, shell-expanded with
#   $CORPUS  a corpus imported once from the sample's capture (examples/arm,
#            the Service Tags file, examples/flowlogs; captured at
#            2026-11-20T14:00:00Z), written CORPUS in output
#   $EX      the examples directory (relative: examples)
#   $DATA    tests/data (relative)
#   $TMP     an empty scratch directory of this case (written TMP in output)
# An optional <case>.pre holds nsgproof invocations (one per line, expanded
# the same way) run before the case, e.g. to import a fixture into $TMP;
# each must exit 0.  Flow segment names carry a random part: it is written
# XXXXXXXX in output.  Cases run from the repository root so relative paths
# stay stable.
# $NSGPROOF is the binary (default ./build/asan/nsgproof).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
GOLDEN=tests/golden
EX=examples
DATA=tests/data
UPDATE=${UPDATE:-0}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

passed=0
failed=0
work=$(mktemp -d "${TMPDIR:-/tmp}/nsgproof-golden.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
CORPUS=$work/corpus

if [ ! -x "$NSGPROOF" ]; then
    echo "t_golden: $NSGPROOF is not built"
    echo "0 passed, 1 failed"
    exit 1
fi

# The shared corpus: the whole sample, imported once.
if ! "$NSGPROOF" import --corpus "$CORPUS" --captured-at 2026-11-20T14:00:00Z \
    "$EX/arm" "$EX/ServiceTags_Public_20261116.json" "$EX/flowlogs" \
    >"$work/import.out" 2>"$work/import.err"; then
    echo "t_golden: cannot import $EX into the shared corpus:"
    cat "$work/import.err"
    echo "0 passed, 1 failed"
    exit 1
fi

# normalize FILE TMPDIR: replace the temporary paths by their names.
normalize() {
    sed -E -e "s|$CORPUS|CORPUS|g" -e "s|$2|TMP|g" \
        -e 's/(g[0-9]{6})-[0-9a-f]{8}-/\1-XXXXXXXX-/g' "$1"
}

# run_case BASE (tests/golden/<cmd>/<case>, without extension)
run_case() {
    local base=$1 name=${1#"$GOLDEN"/} TMP line rc ok=1
    TMP=$work/tmp/$name
    rm -rf "$TMP" && mkdir -p "$TMP"
    if [ -f "$base.pre" ]; then
        while IFS= read -r line; do
            [ -z "$line" ] && continue
            eval "set -- $line"
            if ! "$NSGPROOF" "$@" >"$TMP.pre.out" 2>&1; then
                echo "FAIL $name: setup failed: nsgproof $line"
                sed -e 's/^/  /' "$TMP.pre.out" | head -20
                failed=$((failed + 1))
                return
            fi
        done <"$base.pre"
    fi
    line=$(head -n 1 "$base.args")
    # The .args files are ours: eval gives them shell quoting and $VARS.
    if ! eval "set -- $line"; then
        echo "FAIL $name: cannot expand $base.args"
        failed=$((failed + 1))
        return
    fi
    "$NSGPROOF" "$@" >"$TMP.stdout" 2>"$TMP.stderr"
    rc=$?
    normalize "$TMP.stdout" "$TMP" >"$TMP.out"
    normalize "$TMP.stderr" "$TMP" >"$TMP.err"
    if [ "$UPDATE" = 1 ]; then
        cp "$TMP.out" "$base.out"
        echo "$rc" >"$base.rc"
        if [ "$rc" -ge 2 ]; then
            cp "$TMP.err" "$base.err"
        else
            rm -f "$base.err"
        fi
        echo "updated $name (exit $rc)"
        passed=$((passed + 1))
        return
    fi
    if [ ! -f "$base.out" ] || [ ! -f "$base.rc" ]; then
        echo "FAIL $name: no $base.out or $base.rc (run with UPDATE=1)"
        failed=$((failed + 1))
        return
    fi
    if ! diff -u "$base.out" "$TMP.out" >"$TMP.diff"; then
        echo "FAIL $name: stdout differs"
        cat "$TMP.diff"
        ok=0
    fi
    if [ "$rc" != "$(cat "$base.rc")" ]; then
        echo "FAIL $name: exit $rc, expected $(cat "$base.rc")"
        ok=0
    fi
    if [ -f "$base.err" ] && ! diff -u "$base.err" "$TMP.err" >"$TMP.diff"; then
        echo "FAIL $name: stderr differs"
        cat "$TMP.diff"
        ok=0
    fi
    if [ $ok = 1 ]; then
        passed=$((passed + 1))
    else
        [ -s "$TMP.stderr" ] && [ ! -f "$base.err" ] &&
            sed -e 's/^/  stderr: /' "$TMP.stderr" | head -20
        failed=$((failed + 1))
    fi
}

if [ $# -gt 0 ]; then
    cases=()
    for c in "$@"; do cases+=("$GOLDEN/${c%.args}.args"); done
else
    mapfile -t cases < <(find "$GOLDEN" -name '*.args' | LC_ALL=C sort)
fi
for args in "${cases[@]}"; do
    if [ ! -f "$args" ]; then
        echo "FAIL ${args#"$GOLDEN"/}: no such case"
        failed=$((failed + 1))
        continue
    fi
    run_case "${args%.args}"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
