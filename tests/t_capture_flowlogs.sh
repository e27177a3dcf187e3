#!/usr/bin/env bash
# t_capture_flowlogs.sh - `nsgproof capture flowlogs` against Azurite, the
# real storage emulator (installed by `make azurite-deps`, started here on
# a free loopback port and stopped at the end): more blobs than one list
# page (NextMarker), Shared Key and SAS (made by tests/blob_tool.py, which
# signs with its own code), a grown blob read with a ranged GET from its
# checkpoint (blocks inserted before the closing "]}" as Azure does), a
# rewritten checkpointed record (whole blob again, nothing counted twice),
# a wrong key (exit 2), --since, --prefix, kill -9 mid-capture then resume
# (no download file is ever written: blobs are streamed into the ingest):
# every total equals one import of the same blobs from files.  No secret
# in any output or corpus file.
set -u
source "$(dirname "$0")/capture_lib.sh"
if ! have_azurite; then
  ko "Azurite is not installed: run make azurite-deps (make deps does)"
  finish; exit 1
fi
start_azurite
NSGC=insights-logs-networksecuritygroupflowevent
CORPORA="$tmp/c1 $tmp/c2 $tmp/c3 $tmp/c4 $tmp/c5 $tmp/c6 $tmp/c7 $tmp/ref"
tool() { python3 "$here/blob_tool.py" "$BLOB" $AZURITE_ACCOUNT "$AZURITE_KEY" "$@"; }
tool mkcontainer $NSGC || { ko "cannot create a container in Azurite"; finish; exit 1; }

# blobs.py DIR COPIES: the sample's flow logs as Azure writes them (one
# block for '{"records":[', one per record, one for ']}'), COPIES hours of
# each; writes DIR/blocks/<n>/<i> and the whole blobs under DIR/files/.
cat >"$tmp/blobs.py" <<'PY'
import datetime, json, os, sys
root, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
# the first copy of each blob is of the current hour (still being written:
# read with ranged GETs); the others of past hours (final once closed)
now = datetime.datetime.now(datetime.timezone.utc)
current = now.strftime("/y=%Y/m=%m/d=%d/h=%H/")
src = os.path.join(root, "examples", "flowlogs")
n = 0
for dirpath, _, files in sorted(os.walk(src)):
    for f in sorted(files):
        recs = json.load(open(os.path.join(dirpath, f)))["records"]
        rel = os.path.relpath(os.path.join(dirpath, f), src)
        for h in range(copies):
            name = rel.replace("/y=2026/m=11/d=20/h=13/",
                               current if h == 0 else "/y=2026/m=11/d=20/h=%02d/" % (12 + h))
            blocks = ['{"records":['] + [("," if i else "") + json.dumps(r, separators=(",", ":"))
                                         for i, r in enumerate(recs)] + [']}']
            bd = os.path.join(out, "blocks", str(n))
            os.makedirs(bd)
            for i, b in enumerate(blocks):
                open(os.path.join(bd, "%03d" % i), "w").write(b)
            open(os.path.join(bd, "name"), "w").write(name)
            fp = os.path.join(out, "files", name)
            os.makedirs(os.path.dirname(fp), exist_ok=True)
            open(fp, "w").write("".join(blocks))
            n += 1
PY
python3 "$tmp/blobs.py" "$root" "$tmp/set" 3
upload() { # upload DIR: every blob of a set
  local d
  for d in "$1"/blocks/*; do
    tool blocks $NSGC "$(cat "$d/name")" $(ls "$d"/[0-9]* | sort) || ko "upload $d"
  done
}
upload "$tmp/set"
n_blobs=$(ls "$tmp/set/blocks" | wc -l)

# capture_json CORPUS ARGS...: capture with the key, report to $tmp/r.json
capture_json() {
  local c=$1; shift
  n_run=$((n_run + 1))
  AZURE_STORAGE_KEY="$AZURITE_KEY" "$NSGPROOF" capture flowlogs --corpus "$c" \
    --account $AZURITE_ACCOUNT --blob-endpoint "$BLOB" --json "$@" \
    >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
  rc=$?; err=$(cat "$tmp/outputs/$n_run.err"); cp "$tmp/outputs/$n_run.out" "$tmp/r.json"
}
# same_flows A B LABEL: replay totals (flows per NSG, counts summed) equal.
same_flows() {
  "$NSGPROOF" replay --corpus "$1" --json >"$tmp/ra.json" 2>/dev/null
  "$NSGPROOF" replay --corpus "$2" --json >"$tmp/rb.json" 2>/dev/null
  python3 - "$tmp/ra.json" "$tmp/rb.json" <<'PY' && ok || ko "$3: flows differ: $(head -c 300 "$tmp/ra.json") vs $(head -c 300 "$tmp/rb.json")"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda j: (j["flows_total"], sorted((n["id"], n["flows_total"]) for n in j["per_nsg"]))
sys.exit(0 if key(a) == key(b) and a["flows_total"] > 0 else 1)
PY
}

# ---- 1. paging (3 blobs a page), Shared Key, parallel downloads ----
NSGPROOF_BLOB_PAGE=3 capture_json "$tmp/c1" --parallel 3
expect_rc 0 "capture with Shared Key"
check_json "$tmp/r.json" "j['auth'] == 'shared-key' and j['containers'][0]['blobs'] == $n_blobs and j['containers'][0]['pages'] == ($n_blobs + 2) // 3" "every blob listed over several pages"
check_json "$tmp/r.json" "j['containers'][1].get('missing') is True" "the VNet flow-log container is absent: noted"
check_json "$tmp/r.json" "j['blobs']['downloaded'] == $n_blobs and j['batches'] == 1" "every blob downloaded"
run import --corpus "$tmp/ref" --json "$tmp/set/files"
expect_rc 0 "import of the same blobs from files"
python3 - "$tmp/r.json" "$tmp/out" <<'PY' && ok || ko "capture and import counts differ"
import json, sys
c, i = json.load(open(sys.argv[1]))["flows"], json.load(open(sys.argv[2]))["flowlogs"]
sys.exit(0 if (c["records"], c["tuples"]) == (i["records"], i["tuples"]) and c["records"] > 0 else 1)
PY
same_flows "$tmp/c1" "$tmp/ref" "capture vs import"

# ---- 2. nothing new: nothing downloaded ----
capture_json "$tmp/c1"
expect_rc 0 "second capture"
check_json "$tmp/r.json" "j['blobs']['unchanged'] == $n_blobs and j['blobs']['downloaded'] == 0 and j['flows']['records'] == 0" "unchanged blobs are not read"

# ---- 3. a blob grows: blocks before the closing ']}' - a ranged read ----
g=$tmp/set/blocks/0
size0=$(stat -c %s "$tmp/set/files/$(cat "$g/name")")
python3 - "$g" <<'PY'
import json, os, sys
d = sys.argv[1]
blocks = sorted(x for x in os.listdir(d) if x.isdigit())
last = blocks[-2]                       # the last record's block
rec = json.loads(open(os.path.join(d, last)).read().lstrip(","))
rec["time"] = rec["time"].replace("T13:", "T13:") 
flows = rec["properties"]["flows"]
for f in flows:
    for g in f["flows"]:
        g["flowTuples"] = [t.replace(",T,", ",U,") for t in g["flowTuples"]]
os.rename(os.path.join(d, blocks[-1]), os.path.join(d, "%03d" % (len(blocks))))
open(os.path.join(d, blocks[-1]), "w").write("," + json.dumps(rec, separators=(",", ":")))
PY
cat $(ls "$g"/[0-9]* | sort) >"$tmp/set/files/$(cat "$g/name")"
tool blocks $NSGC "$(cat "$g/name")" $(ls "$g"/[0-9]* | sort)
capture_json "$tmp/c1" --verbose
expect_rc 0 "capture of a grown blob"
check_json "$tmp/r.json" "j['blobs']['ranged'] == 1 and j['blobs']['downloaded'] == 0 and 0 < j['blobs']['bytes'] < $size0" "read from its checkpoint, not whole"
check_json "$tmp/r.json" "j['flows']['records'] == 1" "one new record"
err_has "Range: bytes=" "a ranged GET"
rm -rf "$tmp/ref"; run import --corpus "$tmp/ref" "$tmp/set/files"
same_flows "$tmp/c1" "$tmp/ref" "after growth"

# ---- 4. the checkpointed record rewritten: whole blob, nothing twice ----
python3 - "$g" <<'PY'
import json, os, sys
d = sys.argv[1]
blocks = sorted(x for x in os.listdir(d) if x.isdigit())
p = os.path.join(d, blocks[-2])
rec = json.loads(open(p).read().lstrip(","))
rec["macAddress"] = "000D3A999999"
open(p, "w").write("," + json.dumps(rec, separators=(",", ":")))
PY
cat $(ls "$g"/[0-9]* | sort) >"$tmp/set/files/$(cat "$g/name")"
tool blocks $NSGC "$(cat "$g/name")" $(ls "$g"/[0-9]* | sort)
capture_json "$tmp/c1"
expect_rc 0 "capture of a rewritten blob"
check_json "$tmp/r.json" "j['blobs']['downloaded'] == 1 and j['blobs']['ranged'] == 0" "the whole blob downloaded again"
check_json "$tmp/r.json" "j['flows']['records'] == 1 and j['flows']['records_already_imported'] >= 1" "only the changed record is new"

# ---- 5. a blob of a past hour (final) that changes is not read again ----
f=$tmp/set/blocks/1
python3 - "$f" <<'PY'
import os, sys
d = sys.argv[1]
blocks = sorted(x for x in os.listdir(d) if x.isdigit())
os.rename(os.path.join(d, blocks[-1]), os.path.join(d, "%03d" % len(blocks)))
open(os.path.join(d, blocks[-1]), "w").write(open(os.path.join(d, blocks[-2])).read())
PY
cat $(ls "$f"/[0-9]* | sort) >"$tmp/set/files/$(cat "$f/name")"
tool blocks $NSGC "$(cat "$f/name")" $(ls "$f"/[0-9]* | sort)
capture_json "$tmp/c1"
expect_rc 0 "capture of a changed final blob"
check_json "$tmp/r.json" "j['blobs']['final_changed'] == 1 and j['blobs']['downloaded'] == 0 and j['flows']['records'] == 0" "not downloaded, nothing new"
capture_json "$tmp/c1"
check_json "$tmp/r.json" "j['blobs']['unchanged'] == $n_blobs" "and not looked at again"

# ---- 6. SAS; --prefix; --since ----
sas=$(tool sas $NSGC) || ko "SAS generation"
n_run=$((n_run + 1))
AZURE_STORAGE_SAS="$sas" "$NSGPROOF" capture flowlogs --corpus "$tmp/c2" --account $AZURITE_ACCOUNT \
  --blob-endpoint "$BLOB" --container $NSGC --prefix "$(dirname "$(cat "$tmp/set/blocks/1/name")" | cut -d/ -f1-9)" \
  --json >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err"); cp "$tmp/outputs/$n_run.out" "$tmp/r.json"
expect_rc 0 "capture with a SAS and a prefix"
check_json "$tmp/r.json" "j['auth'] == 'sas' and 0 < j['containers'][0]['blobs'] < $n_blobs" "only the prefix's blobs"
capture_json "$tmp/c3" --since 2099-01-01T00:00:00Z
expect_rc 0 "capture --since the future"
check_json "$tmp/r.json" "j['blobs']['before_since'] == $n_blobs and j['flows']['records'] == 0" "every blob older than --since"

# ---- 7. a wrong key, a bad key, a missing container ----
n_run=$((n_run + 1))
WRONG='dGhpcyBpcyBub3QgdGhlIGtleSBvZiB0aGlzIGFjY291bnQgYXQgYWxsIQ=='
AZURE_STORAGE_KEY="$WRONG" "$NSGPROOF" capture flowlogs --corpus "$tmp/c4" --account $AZURITE_ACCOUNT \
  --blob-endpoint "$BLOB" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "a wrong key"
err_has "refused the credentials" "clear error"
err_has "HTTP 403" "the service's answer"
n_run=$((n_run + 1))
AZURE_STORAGE_KEY='not base64!' "$NSGPROOF" capture flowlogs --corpus "$tmp/c4" --account $AZURITE_ACCOUNT \
  --blob-endpoint "$BLOB" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
rc=$?; err=$(cat "$tmp/outputs/$n_run.err")
expect_rc 2 "a key that is not base64"
err_has "not a base64 account key" "says so"
capture_json "$tmp/c4" --container no-such-container
expect_rc 2 "an explicit container that does not exist"
err_has "no such container" "says so"
run capture flowlogs --corpus "$tmp/c4" --account devstoreaccount1 --blob-endpoint http://blob.example.com
expect_rc 2 "http to a remote host"
run capture flowlogs --corpus "$tmp/c4" --account 'Bad_Account'
expect_rc 2 "bad account name"

# ---- 8. kill -9 in the middle, then resume: totals of one import ----
rm -rf "$tmp/ref"; run import --corpus "$tmp/ref" "$tmp/set/files"
n_run=$((n_run + 1))
NSGPROOF_CAPTURE_BATCH=2 NSGPROOF_CAPTURE_PAUSE_MS=400 AZURE_STORAGE_KEY="$AZURITE_KEY" \
  "$NSGPROOF" capture flowlogs --corpus "$tmp/c5" --account $AZURITE_ACCOUNT \
  --blob-endpoint "$BLOB" --parallel 2 >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err" &
cap=$!
for _ in $(seq 300); do
  pyj "$tmp/c5/manifest.json" 'j["generation"] >= 2' 2>/dev/null && break
  sleep 0.05
done
kill -9 $cap 2>/dev/null; wait $cap 2>/dev/null
pyj "$tmp/c5/manifest.json" "0 < len(j['sections']['capture']['blobs']) < $n_blobs" &&
  ok || ko "the kill did not land mid-capture"
# blobs are streamed into the ingest: no download file anywhere
[ ! -e "$tmp/c5/.capture-spool" ] && ok || ko "download files under the corpus"
grep -rlF '"records":[' "$tmp/c5" >/dev/null 2>&1 && ko "a blob was written to disk: $(grep -rlF '"records":[' "$tmp/c5" | head -2)" || ok
# what a killed capture of an earlier version left is removed
mkdir -p "$tmp/c5/.capture-spool/99999999/$NSGC" && echo '{}' >"$tmp/c5/.capture-spool/99999999/$NSGC/x.json"
capture_json "$tmp/c5"
expect_rc 0 "resume after kill -9"
[ -e "$tmp/c5/.capture-spool" ] && ko "the dead capture's spool was not removed" || ok
same_flows "$tmp/c5" "$tmp/ref" "kill -9 and resume"
capture_json "$tmp/c5"
check_json "$tmp/r.json" "j['blobs']['unchanged'] == $n_blobs and j['flows']['records'] == 0" "nothing left after the resume"

# ---- 9. a download cut in the middle: the retry feeds the ingest only the
#         bytes it has not had (same flows as one import); a retry that reads
#         other bytes is an error, and nothing is committed ----
start_cut() { # start_cut NAME ARGS...: tests/blob_fault_server.py on a free port
  local name=$1; shift
  "$PY" "$here/blob_fault_server.py" --dir "$tmp/set/files" --container $NSGC \
    --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" &
  PIDS="$PIDS $!"
  wait_file "$tmp/$name.port" || { ko "$name server did not start"; return 1; }
}
cut_capture() { # cut_capture CORPUS PORT
  n_run=$((n_run + 1))
  NSGPROOF_HTTP_BACKOFF_MS=20 AZURE_STORAGE_SAS='sv=2023-11-03&sig=fault-test-signature' \
    "$NSGPROOF" capture flowlogs --corpus "$1" --account $AZURITE_ACCOUNT --container $NSGC \
    --blob-endpoint "http://127.0.0.1:$2/$AZURITE_ACCOUNT" --json \
    >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"
  rc=$?; err=$(cat "$tmp/outputs/$n_run.err"); cp "$tmp/outputs/$n_run.out" "$tmp/r.json"
}
start_cut K1 --cut macAddress=
cut_capture "$tmp/c6" "$(cat "$tmp/K1.port")"
expect_rc 0 "downloads cut in the middle, retried"
check_json "$tmp/r.json" "j['http']['retries'] >= $n_blobs and j['flows']['records_bad'] == 0" "every blob retried, no bad record"
same_flows "$tmp/c6" "$tmp/ref" "cut downloads"
start_cut K2 --cut macAddress= --change-on-retry
cut_capture "$tmp/c7" "$(cat "$tmp/K2.port")"
expect_rc 2 "a retry that reads other bytes"
err_has "changed while it was downloaded" "says so"
pyj "$tmp/c7/manifest.json" "not j.get('sections', {}).get('capture')" 2>/dev/null && ok ||
  ko "a failed capture committed blobs"

no_secret "secrets" "$sas" "$WRONG" "$(echo "$sas" | sed 's/.*sig=//')"
finish
