#!/usr/bin/env bash
# man_sections.sh - regenerates the SYNOPSIS and OPTIONS sections of the
# manual page from the option tables of the binary (NSGPROOF_HELP=man
# nsgproof CMD --help prints them), between the marker comments
# '.\" BEGIN SYNOPSIS' / '.\" END SYNOPSIS' and '.\" BEGIN OPTIONS' /
# '.\" END OPTIONS'.  Writes the whole page to stdout.
# usage: tests/man_sections.sh NSGPROOF MANPAGE      (make man runs it)
set -euo pipefail
bin=$1 page=$2
cmds=$("$bin" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
syn=$(mktemp) opt=$(mktemp)
trap 'rm -f "$syn" "$opt"' EXIT
for c in $cmds; do
  NSGPROOF_HELP=man "$bin" "$c" --help >"$syn.one"
  sed -n "/^\.\\\\\" SYNOPSIS of /,/^\.\\\\\" OPTIONS of /p" "$syn.one" | sed '$d' >>"$syn"
  sed -n "/^\.\\\\\" OPTIONS of /,\$p" "$syn.one" >>"$opt"
done
rm -f "$syn.one"
awk -v syn="$syn" -v opt="$opt" '
  function dump(f,   l) { while ((getline l < f) > 0) print l; close(f) }
  /^\.\\" BEGIN SYNOPSIS/ { print; dump(syn); skip = 1; next }
  /^\.\\" BEGIN OPTIONS/  { print; dump(opt); skip = 1; next }
  /^\.\\" END (SYNOPSIS|OPTIONS)/ { skip = 0 }
  !skip { print }' "$page"
