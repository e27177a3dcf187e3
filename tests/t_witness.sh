#!/usr/bin/env bash
# t_witness.sh - every witness packet that diff, verify and lint print is a
# packet Azure could carry (unicast addresses, an ephemeral source port, a
# destination port other than 0, the NIC-side address inside the subnets
# and NICs the NSG governs), and `check`, given the check object printed
# with it (as a --batch line, with --proposed for a proposed file), gives
# the same answer.  Runs on the shipped sample and on random scenarios
# (tests/data/witness/gen.py); the realism checks use Python's ipaddress,
# not nsgproof.
set -u
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
pass=0; fail=0
SEEDS=${WITNESS_SEEDS:-"1 2 3 4 5"}

# collect.py CORPUS CAPTURE_DIR OUT_DIR: reads lint.json, diff*.json,
# verify.json from OUT_DIR; writes batch files and expectations; checks
# realism; prints "N passed, N failed" for what it checked itself.
cat >"$tmp/collect.py" <<'PY'
import glob, ipaddress, json, os, sys
corpus, capture, out = sys.argv[1:4]
BAD = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3", "::/8", "ff00::/8")]
ok = bad = 0
def fail(msg):
    global bad
    bad += 1
    print("FAIL:", msg)
def good():
    global ok
    ok += 1

# what each NSG governs, read from the capture (independent of nsgproof)
gov = {}
def res(path):
    d = json.load(open(path))
    return d["value"] if isinstance(d, dict) and "value" in d else (
        d if isinstance(d, list) else [d])
for f in glob.glob(os.path.join(capture, "**", "*.json"), recursive=True):
    try:
        items = res(f)
    except Exception:
        continue
    for r in items:
        if not isinstance(r, dict):
            continue
        t = r.get("type", "") + " " + r.get("id", "")
        p = r.get("properties", {})
        subs = p.get("subnets", []) if "virtualNetworks/" in r.get("id", "") and "/subnets/" not in r.get("id", "") else []
        for s in subs:
            sp = s.get("properties", {})
            n = (sp.get("networkSecurityGroup") or {}).get("id", "").split("/")[-1].lower()
            pf = sp.get("addressPrefixes") or [sp.get("addressPrefix")]
            for x in pf:
                if n and x:
                    gov.setdefault(n, []).append(ipaddress.ip_network(x))
        if "networkInterfaces/" in r.get("id", ""):
            n = (p.get("networkSecurityGroup") or {}).get("id", "").split("/")[-1].lower()
            for ic in p.get("ipConfigurations", []):
                a = ic.get("properties", {}).get("privateIPAddress")
                if n and a:
                    gov.setdefault(n, []).append(ipaddress.ip_network(a))

def realistic(what, pkt, nsg=None, in_scope=True):
    src = ipaddress.ip_address(pkt["src"]); dst = ipaddress.ip_address(pkt["dst"])
    if src.version != dst.version:
        return fail(f"{what}: families differ {pkt}")
    for a in (src, dst):
        if any(a in n for n in BAD if n.version == a.version):
            return fail(f"{what}: {a} is not a unicast address a network carries")
    proto = str(pkt.get("protocol", "")).lower()
    if proto in ("tcp", "udp", "6", "17"):
        if not 49152 <= int(pkt["sport"]) <= 65535:
            return fail(f"{what}: source port {pkt['sport']} is not ephemeral")
        if int(pkt["dport"]) == 0:
            return fail(f"{what}: destination port 0")
    if nsg and in_scope and nsg.lower() in gov:
        side = dst if pkt["direction"].lower().startswith("in") else src
        if not any(side in n for n in gov[nsg.lower()] if n.version == side.version):
            return fail(f"{what}: {side} is outside what {nsg} governs")
    good()

groups = {}   # proposed file ("" = none) -> list of (what, check, decision, rule)
def expect(what, check, proposed, decision, rule):
    groups.setdefault(proposed or "", []).append((what, check, decision, rule))

lint = json.load(open(os.path.join(out, "lint.json")))
for e in lint["nsgs"]:
    for f in e["findings"]:
        w = f.get("witness")
        if not w:
            continue
        what = f"lint {e['nsg']} {f['kind']} {f['rule']}"
        realistic(what, w, e["nsg"], w["in_scope"])
        expect(what, w["check"], None, w["decision"], w["rule"])
for p in sorted(glob.glob(os.path.join(out, "diff*.json"))):
    d = json.load(open(p))
    for i, x in enumerate(d["differences"]):
        what = f"{os.path.basename(p)} #{i}"
        nsg = d["nsgs"]["a"].get("name") if "corpus" in d["nsgs"]["a"] else None
        realistic(what, x, nsg, x["in_scope"])
        for side in ("a", "b"):
            s = d["nsgs"][side]
            expect(f"{what} {side}", x[side]["check"], s.get("file"),
                   x[side]["decision"], x[side]["rule"])
v = json.load(open(os.path.join(out, "verify.json")))
for r in v["results"]:
    w = r.get("witness")
    if not w:
        continue
    realistic("verify " + r["query"], w)
    for h in w["checks"]:
        expect(f"verify {r['query']} at {h['nic']}", h["check"], None,
               h["decision"], None)
n = 0
with open(os.path.join(out, "groups.txt"), "w") as g:
    for prop, items in groups.items():
        n += 1
        bf = os.path.join(out, f"batch{n}.jsonl")
        with open(bf, "w") as b:
            for it in items:
                b.write(json.dumps(it[1]) + "\n")
        json.dump(items, open(bf + ".want", "w"))
        g.write(f"{bf}\t{prop}\n")
print(f"{ok} passed, {bad} failed")
PY

# compare.py BATCH ANSWERS: each answer line matches its expectation.
cat >"$tmp/compare.py" <<'PY'
import json, sys
want = json.load(open(sys.argv[1] + ".want"))
got = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
ok = bad = 0
for i, (what, check, dec, rule) in enumerate(want):
    g = got[i] if i < len(got) else {}
    if "error" in g or g.get("decision") != dec or (rule is not None and g.get("rule") != rule):
        bad += 1
        print(f"FAIL: {what}: printed {dec} by {rule}; check says "
              f"{g.get('decision', g.get('error'))} by {g.get('rule')} for {json.dumps(check)}")
    else:
        ok += 1
if len(got) != len(want):
    bad += 1
    print(f"FAIL: {len(want)} questions, {len(got)} answers")
print(f"{ok} passed, {bad} failed")
PY

add() { # add the "N passed, N failed" line of a helper's output
  local line p f
  line=$(printf '%s\n' "$1" | tail -1)
  printf '%s\n' "$1" | grep '^FAIL' | head -20
  p=$(echo "$line" | grep -oE '^[0-9]+'); f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '^[0-9]+')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
}

# scenario NAME CORPUS CAPTURE PROPOSED_NSG PROPOSED_FILE QUERIES [PAIRS]
scenario() {
  local name=$1 c=$2 cap=$3 pnsg=$4 pfile=$5 queries=$6 pairs=${7:-} o=$tmp/$1 a b i=0
  mkdir -p "$o"
  "$NSGPROOF" lint --corpus "$c" --json >"$o/lint.json" 2>"$o/lint.err"
  [ $? -le 1 ] || { fail=$((fail + 1)); echo "FAIL: $name: lint: $(head -3 "$o/lint.err")"; return; }
  "$NSGPROOF" diff --corpus "$c" --nsg "$pnsg" "$pfile" --json >"$o/diff0.json" 2>"$o/diff.err"
  [ $? -le 1 ] || { fail=$((fail + 1)); echo "FAIL: $name: diff: $(head -3 "$o/diff.err")"; return; }
  if [ -n "$pairs" ] && [ -s "$pairs" ]; then
    while read -r a b; do
      i=$((i + 1))
      "$NSGPROOF" diff --corpus "$c" --nsg "$a" --nsg "$b" --json >"$o/diff$i.json" 2>"$o/diff.err"
      [ $? -le 1 ] || { fail=$((fail + 1)); echo "FAIL: $name: diff $a $b: $(head -3 "$o/diff.err")"; }
    done <"$pairs"
  fi
  "$NSGPROOF" verify --corpus "$c" --queries "$queries" --json >"$o/verify.json" 2>"$o/verify.err"
  [ $? -le 3 ] || { fail=$((fail + 1)); echo "FAIL: $name: verify"; return; }
  add "$(python3 "$tmp/collect.py" "$c" "$cap" "$o" 2>&1)"
  while IFS=$'\t' read -r batch prop; do
    if [ -n "$prop" ]; then
      "$NSGPROOF" check --corpus "$c" --proposed "$prop" --batch "$batch" --json >"$batch.out" 2>"$batch.err"
    else
      "$NSGPROOF" check --corpus "$c" --batch "$batch" --json >"$batch.out" 2>"$batch.err"
    fi
    add "$(python3 "$tmp/compare.py" "$batch" "$batch.out" 2>&1)"
  done <"$o/groups.txt"
}

cd "$root" || exit 2
"$NSGPROOF" import --corpus "$tmp/sample" examples/arm examples/ServiceTags_Public_20261116.json >/dev/null 2>&1 \
  || { echo "FAIL: import the sample"; echo "0 passed, 1 failed"; exit 1; }
scenario sample "$tmp/sample" examples/arm web-nsg examples/proposed/web-nsg.json examples/properties.txt

for seed in $SEEDS; do
  d=$tmp/gen$seed
  python3 "$here/data/witness/gen.py" "$d" "$seed" || { fail=$((fail + 1)); continue; }
  if ! "$NSGPROOF" import --corpus "$d/corpus" "$d/capture" >"$d/import.out" 2>&1; then
    fail=$((fail + 1)); echo "FAIL: seed $seed: import"; head -5 "$d/import.out"; continue
  fi
  scenario "seed$seed" "$d/corpus" "$d/capture" nsg-0-0 "$d/proposed.json" "$d/queries.txt" "$d/pairs.txt"
done

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
