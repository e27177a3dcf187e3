# capture_lib.sh - helpers of the capture tests (sourced): result counting,
# the local ARM server (tests/arm_server.py), Azurite (installed by
# `make azurite-deps` into build/azurite), a self-signed CA made with openssl,
# and the secret scan over every output and corpus file.
NSGPROOF=${NSGPROOF:-./build/asan/nsgproof}
# Debian's Python directly: a version manager's shim costs 0.6 s a start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
python3() { "$PY" "$@"; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
mkdir -p "$tmp/outputs"
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null; done
  for p in $PIDS; do wait "$p" 2>/dev/null; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" = 0 ]; }

# Every output of the test goes to $tmp/outputs/N.{out,err} (scanned for
# secrets at the end).
n_run=0
run() {
  n_run=$((n_run + 1))
  mkdir -p "$tmp/outputs"
  "$NSGPROOF" "$@" >"$tmp/outputs/$n_run.out" 2>"$tmp/outputs/$n_run.err"; rc=$?
  out=$(cat "$tmp/outputs/$n_run.out"); err=$(cat "$tmp/outputs/$n_run.err")
  cp "$tmp/outputs/$n_run.out" "$tmp/out"
}
expect_rc() { [ "$rc" = "$1" ] && ok || ko "$2: exit $rc, wanted $1; stderr: ${err:0:600}"; }
out_has() { case "$out" in *"$1"*) ok ;; *) ko "$2: stdout lacks '$1': ${out:0:600}" ;; esac; }
err_has() { case "$err" in *"$1"*) ok ;; *) ko "$2: stderr lacks '$1': ${err:0:600}" ;; esac; }
pyj() {
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
check_json() { pyj "$1" "$2" && ok || ko "$3: $2 is false for $(head -c 800 "$1")"; }

# wait_file F: wait up to 20 s for F to exist.
wait_file() {
  for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# start_arm NAME ARGS...: start tests/arm_server.py; sets ${NAME}_PORT.
start_arm() {
  local name=$1; shift
  rm -f "$tmp/$name.port"
  "$PY" "$here/arm_server.py" --root "$root" --port-file "$tmp/$name.port" \
    --log "$tmp/$name.log" --lifetime 240 "$@" &
  PIDS="$PIDS $!"
  wait_file "$tmp/$name.port" || { echo "FAIL: $name server did not start"; exit 1; }
  printf -v "${name}_PORT" '%s' "$(cat "$tmp/$name.port")"
}

# make_ca DIR: a CA and a server certificate for 127.0.0.1 signed by it.
make_ca() {
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=nsgproof test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1 &&
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1 &&
  printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext" &&
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
    -CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.pem" >/dev/null 2>&1
}

# Azurite's published development account and key (not a secret).
AZURITE_ACCOUNT=devstoreaccount1
AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
AZURITE_BIN=${AZURITE_BIN:-$root/build/azurite/node_modules/.bin/azurite-blob}

# have_azurite: Node and the installed Azurite are there.
have_azurite() { command -v node >/dev/null && [ -x "$AZURITE_BIN" ]; }

# start_azurite: Azurite's Blob service on a free loopback port; sets
# AZURITE_PORT and BLOB (the endpoint URL).
start_azurite() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  mkdir -p "$tmp/azurite"
  "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$port" --location "$tmp/azurite" \
    --disableTelemetry --silent >"$tmp/azurite.log" 2>&1 &
  PIDS="$PIDS $!"
  for _ in $(seq 300); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),0.2)' "$port" 2>/dev/null && break
    sleep 0.1
  done
  AZURITE_PORT=$port
  BLOB=http://127.0.0.1:$port/$AZURITE_ACCOUNT
}

# no_secret LABEL SECRET...: no output of the test and no file of the
# corpora holds any of the secrets.
no_secret() {
  local label=$1 s; shift
  for s in "$@"; do
    [ -n "$s" ] || continue
    if grep -rqF -- "$s" "$tmp/outputs" $CORPORA 2>/dev/null; then
      ko "$label: a secret is in $(grep -rlF -- "$s" "$tmp/outputs" $CORPORA | head -3)"
    else ok; fi
  done
}
