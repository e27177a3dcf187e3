# lib.sh - helpers the bench scripts source: the stamp every figure carries
# (commit, machine, load, command), medians, timing a command (wall, CPU,
# peak RSS) and floors that fail the run.
# shellcheck shell=bash

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_FAILED=0

# The commit of the tree the binaries were built from (+ "-dirty").
bench_commit() {
  local c
  c=$(git -C "$bench_here" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if ! git -C "$bench_here" diff --quiet HEAD -- 2>/dev/null; then
    c="$c-dirty"
  fi
  echo "$c"
}

bench_load() { cut -d' ' -f1 /proc/loadavg; }

# One line naming commit, machine and load, printed before the figures.
bench_stamp() {
  local cpu mem
  cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
  mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
  echo "stamp: commit $(bench_commit), machine $(nproc) cores ($cpu), $mem," \
    "$(uname -sr), load average $(bench_load) at $(date -u +%Y-%m-%dT%H:%MZ)"
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

# bench_time OUT CMD...: run CMD (stdout to /dev/null); append
# "wall cpu rss_kb" to OUT; returns CMD's status (lint and verify exit 1
# when they find something: callers that expect it ignore it).
bench_time() {
  local out=$1 t
  shift
  t=$(mktemp)
  /usr/bin/time -f '%e %U %S %M' -o "$t" "$@" > /dev/null
  local rc=$?
  # (time writes "Command exited with non-zero status N" first then)
  tail -n 1 "$t" | awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' >> "$out"
  rm -f "$t"
  return $rc
}

# col FILE N: column N of FILE, one value a line.
col() { awk -v n="$2" '{print $n}' "$1"; }

# floor WHAT VALUE OP LIMIT: checks VALUE OP LIMIT (awk), prints the
# verdict, and remembers a failure.
floor() {
  local what=$1 v=$2 op=$3 lim=$4
  if awk -v v="$v" -v l="$lim" "BEGIN { exit !(v $op l) }"; then
    echo "floor met: $what ($v $op $lim)"
  else
    echo "BELOW FLOOR: $what ($v, needs $op $lim)"
    BENCH_FAILED=1
  fi
}
