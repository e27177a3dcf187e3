#!/usr/bin/env bash
# layers_check.sh - checks the #include graph of a source tree against a
# table of allowed directory edges (format: tests/layers.txt).  Prints one
# line per problem and exits 1 when there is any, 2 when the table or the
# tree cannot be read, 0 when the tree keeps to the table.
# usage: tests/layers_check.sh ROOT [TABLE]   (TABLE: ROOT/tests/layers.txt)
# Written in awk (always present on Debian) rather than a script language
# the tests might otherwise not need.
set -u
root=$(cd "${1:?usage: layers_check.sh ROOT [TABLE]}" && pwd) || exit 2
table=${2:-$root/tests/layers.txt}
[ -r "$table" ] || { echo "cannot read $table"; exit 2; }

# Every .c and .h under root, relative, outside build outputs, benchmark
# outputs (bench/out: generated data, and a checkout of an older commit),
# node_modules and hidden directories.
files=$(cd "$root" && find . \( -path ./build -o -path ./node_modules \
          -o -path ./bench/out -o -path './.*' \) -prune -o -type f \( -name '*.c' -o -name '*.h' \) \
          -print | sed 's#^\./##' | LC_ALL=C sort)
[ -n "$files" ] || { echo "no C files under $root"; exit 2; }

cd "$root" && printf '%s\n' "$files" | LC_ALL=C awk -v table="$table" '
function fail(msg) { print msg; bad = 1 }
function top(path,   i) { i = index(path, "/"); return i ? substr(path, 1, i - 1) : "" }
# "a/b/../c/./d" -> "a/c/d"; "" when it leaves the root
function normalize(path,   n, part, out, k, i) {
    n = split(path, part, "/"); k = 0
    for (i = 1; i <= n; i++) {
        if (part[i] == "" || part[i] == ".") continue
        if (part[i] == "..") { if (k == 0) return ""; k--; continue }
        out[++k] = part[i]
    }
    path = ""
    for (i = 1; i <= k; i++) path = path (i > 1 ? "/" : "") out[i]
    return path
}
function exists(path,   line, r) {
    r = (getline line < path); close(path); return r >= 0
}
# May directory d include directory e (transitively through the table)?
function reaches(d, e,   k, n, dep, i) {
    if (d == e || (d SUBSEP e) in reach) return 1
    if ((d SUBSEP e) in noreach || (d SUBSEP e) in visiting) return 0
    visiting[d SUBSEP e] = 1
    n = split(deps[d], dep, " ")
    for (i = 1; i <= n; i++)
        if (dep[i] == e || reaches(dep[i], e)) { reach[d SUBSEP e] = 1; delete visiting[d SUBSEP e]; return 1 }
    delete visiting[d SUBSEP e]
    noreach[d SUBSEP e] = 1
    return 0
}
# Depth-first search for a cycle in the directory graph g (edge list).
function dfs(v,   n, w, i, path, j) {
    state[v] = 1; stack[++sp] = v
    n = split(g[v], w, " ")
    for (i = 1; i <= n; i++) {
        if (state[w[i]] == 1) {
            path = w[i]
            for (j = sp; j >= 1 && stack[j] != w[i]; j--) ;
            for (j = j + 1; j <= sp; j++) path = path " -> " stack[j]
            fail("cycle between directories: " path " -> " w[i] " (" v " -> " w[i] " at " why[v SUBSEP w[i]] ")")
        } else if (!state[w[i]])
            dfs(w[i])
    }
    sp--; state[v] = 2
}
BEGIN {
    while ((r = (getline line < table)) > 0) {
        ln++
        sub(/#.*/, "", line)
        n = split(line, f)          # blanks, leading ones ignored
        if (n == 0) continue
        if (f[1] == "layer" && n >= 2) {
            if (f[2] in layer) { print table ":" ln ": layer " f[2] " twice"; fatal = 1; exit 2 }
            layer[f[2]] = 1
            for (i = 3; i <= n; i++) {
                if (f[i] == "*") star[f[2]] = 1
                else if (f[i] == "**") anything[f[2]] = 1
                else deps[f[2]] = deps[f[2]] " " f[i]
            }
        } else if (f[1] == "file" && n >= 3) {
            for (i = 3; i <= n; i++) extra[f[2] SUBSEP f[i]] = 1
        } else if (f[1] == "internal" && n >= 2) {
            for (i = 2; i <= n; i++) internal[f[i]] = 1
        } else { print table ":" ln ": cannot read this row: " line; fatal = 1; exit 2 }
    }
    if (r < 0) { print "cannot read " table; fatal = 1; exit 2 }
    for (d in deps) {
        n = split(deps[d], dep, " ")
        for (i = 1; i <= n; i++)
            if (!(dep[i] in layer)) { print table ": layer " d " depends on " dep[i] ", which has no layer row"; fatal = 1; exit 2 }
            else if (reaches(dep[i], d)) { print table ": the table itself has a cycle through " d " and " dep[i]; fatal = 1; exit 2 }
    }
}
{
    file = $0; dir = top(file)
    if (dir == "") { fail(file ": a C file outside every directory"); next }
    if (!(dir in layer)) {
        if (!(dir in unknown)) fail(dir "/: no layer row in the table (" file ")")
        unknown[dir] = 1; next
    }
    base = file; sub(/[^\/]*$/, "", base)
    ln = 0
    while ((getline line < file) > 0) {
        ln++
        if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
        inc = line; sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", inc); sub(/".*/, "", inc)
        target = normalize(base inc)
        where = file ":" ln ": #include \"" inc "\""
        if (target == "" || !exists(target)) { fail(where ": no such file in the tree"); continue }
        tdir = top(target)
        if (tdir == dir) continue
        if (!(dir in anything) && (target in internal))
            fail(where ": " target " is internal to " tdir "/")
        else if (!(dir in anything) && !(dir in star) && !reaches(dir, tdir) &&
                 !((file SUBSEP tdir) in extra))
            fail(where ": " dir "/ may not include " tdir "/ (tests/layers.txt)")
        if (index(" " g[dir] " ", " " tdir " ") == 0) g[dir] = g[dir] " " tdir
        if (!((dir SUBSEP tdir) in why)) why[dir SUBSEP tdir] = file ":" ln
    }
    close(file)
}
END {
    if (fatal) exit 2
    for (v in g) if (!state[v]) dfs(v)
    exit bad
}'
