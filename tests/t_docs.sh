#!/usr/bin/env bash
# t_docs.sh - the examples of docs/guide.md and README.md are real: every
# ```sh block directly followed by a plain ``` block is run (from a scratch
# directory where examples/ is the sample and `corp` the corpus, so paths
# read as in the docs) and its output must be the block's text, line for
# line; a line "..." stands for any number of lines.  The guide's first
# example imports the corpus the others use.  Every other `nsgproof`
# command of those sh blocks must run and exit 0 or 1 (never a usage or
# input error) unless its documented output is that error.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
case $NSGPROOF in /*) ;; *) NSGPROOF=$PWD/$NSGPROOF ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} NO_COLOR=1
pass=0; fail=0

mkdir -p "$tmp/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$NSGPROOF" >"$tmp/bin/nsgproof"
chmod +x "$tmp/bin/nsgproof"

# docpairs.py DOC: writes case files (sh, expected output) for DOC
cat >"$tmp/docpairs.py" <<'PY'
import os, re, sys
doc, out = sys.argv[1], sys.argv[2]
lines = open(doc).read().split("\n")
blocks, i = [], 0
while i < len(lines):
    m = re.match(r"^```(\w*)\s*$", lines[i])
    if m:
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        blocks.append((m.group(1), lines[i + 1:j], i + 1, j))
        i = j + 1
    else:
        i += 1
n = 0
for k, (lang, body, start, end) in enumerate(blocks):
    if lang != "sh":
        continue
    nxt = blocks[k + 1] if k + 1 < len(blocks) else None
    paired = nxt and nxt[0] == "" and nxt[2] == end + 2
    n += 1
    base = os.path.join(out, "%s-%03d" % (os.path.basename(doc), n))
    with open(base + ".sh", "w") as f:
        f.write("\n".join(body) + "\n")
    with open(base + ".line", "w") as f:
        f.write("%s:%d\n" % (os.path.basename(doc), start))
    if paired:
        with open(base + ".want", "w") as f:
            f.write("\n".join(nxt[1]) + "\n")
PY

# match.py WANT GOT: line for line, "..." matching any run of lines
cat >"$tmp/match.py" <<'PY'
import sys
want = open(sys.argv[1]).read().rstrip("\n").split("\n")
got = open(sys.argv[2]).read().rstrip("\n").split("\n")
def m(w, g):
    if not w:
        return not g
    if w[0].strip() == "...":
        return any(m(w[1:], g[k:]) for k in range(len(g) + 1))
    return bool(g) and w[0] == g[0] and m(w[1:], g[1:])
sys.exit(0 if m(want, got) else 1)
PY

# the sh lines that run nsgproof, continuation lines joined
commands() {
  python3 - "$1" <<'PY'
import sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for l in text.split("\n"):
    s = l.split("#")[0].strip() if not l.strip().startswith("nsgproof") else l.strip()
    if s.startswith("nsgproof "):
        print(s.split(" #")[0].strip())
PY
}

for doc in "$root/docs/guide.md" "$root/README.md"; do
  d=$tmp/$(basename "$doc")
  mkdir -p "$d/work"
  ln -s "$root/examples" "$d/work/examples"
  python3 "$tmp/docpairs.py" "$doc" "$d"
done
for sh in "$tmp"/guide.md/*.sh "$tmp"/README.md/*.sh; do
  cd "$(dirname "$sh")/work" || exit 2
  base=${sh%.sh}
  where=$(cat "$base.line")
  mapfile -t cmds < <(commands "$sh")
  [ ${#cmds[@]} -gt 0 ] || continue
  : >"$base.got"
  bad=0
  for c in "${cmds[@]}"; do
    PATH="$tmp/bin:$PATH" bash -c "$c" >>"$base.got" 2>"$base.err"
    rc=$?
    cat "$base.err" >>"$base.got"
    if [ $rc = 2 ] && [ -f "$base.want" ] && grep -q "^nsgproof [a-z]*: error: " "$base.want"; then
      :
    elif [ $rc -gt 1 ]; then
      bad=1
      echo "FAIL: $where: '$c' exited $rc: $(head -c 300 "$base.err")"
    fi
  done
  if [ -f "$base.want" ] && ! python3 "$tmp/match.py" "$base.want" "$base.got"; then
    bad=1
    echo "FAIL: $where: the output differs from the documented one:"
    diff "$base.want" "$base.got" | head -20 | sed 's/^/  /'
  fi
  if [ $bad = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
[ $pass -ge 10 ] || { echo "FAIL: only $pass documented examples found"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
