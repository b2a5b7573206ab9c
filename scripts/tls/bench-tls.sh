#!/usr/bin/env bash
# HEPv3 over TLS next to clear TCP: one agent connection streams RATE frames/s for SECONDS into a fresh
# `capd run` (capture everything into SQLite); waits until every row is stored; prints a Markdown table with
# rows sent/stored and capd's CPU per row (utime+stime from /proc over the run). Called by scripts/bench.sh
# (BENCH_TLS=0 skips it); alone: scripts/tls/bench-tls.sh [CAPD] [RATE] [SECONDS].
# Loopback only; bounded: each run waits at most 120 s for the store to drain.
set -euo pipefail
cd "$(dirname "$0")/../.."
CAPD="${1:-.build/release/capd}"
RATE="${2:-20000}"
SECONDS_RUN="${3:-10}"
HZ=$(getconf CLK_TCK)
WORK="$(mktemp -d /tmp/capd-bench-tls.XXXXXX)"
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

scripts/tls/make-test-pki.sh "$WORK/pki" >/dev/null
FRAME="${CAPD_SHARED:-../shared}/spec/examples/hep3_sip_invite_ipv4_udp.bin"
[ -f "$FRAME" ] || { echo "bench-tls: missing $FRAME (set CAPD_SHARED)" >&2; exit 1; }
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "| transport | offered | rows sent | rows stored | capd CPU s | CPU µs/row |"
echo "|---|---|---|---|---|---|"
for transport in tcp tls; do
    dir="$WORK/$transport"; mkdir -p "$dir"
    hep=$(port); admin=$(port)
    cat > "$dir/capd.yaml" <<YAML
listen:
  - $transport://127.0.0.1:$hep
tls:
  cert: $WORK/pki/server.pem
  key: $WORK/pki/server.key
admin:
  listen: 127.0.0.1:$admin
store:
  url: sqlite://$dir/capd.db
routes:
  main:
    - do: [capture]
YAML
    "$CAPD" run -c "$dir/capd.yaml" --spool "$dir/spool" >"$dir/log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do curl -sf "127.0.0.1:$admin/healthz" >/dev/null && break; sleep 0.1; done
    before=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
    result=$(python3 scripts/tls/hep_stream.py --transport "$transport" --port "$hep" --ca "$WORK/pki/ca.pem" \
        --frame "$FRAME" --rate "$RATE" --seconds "$SECONDS_RUN")
    sent=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['sent'])" "$result")
    stored=0
    for _ in $(seq 1200); do
        stored=$(curl -s "127.0.0.1:$admin/metrics" | awk '/^capd_rows_stored_total/ { s += $2 } END { print s + 0 }')
        [ "$stored" -ge "$sent" ] && break
        sleep 0.1
    done
    after=$(awk '{ print $14 + $15 }' "/proc/$PID/stat")
    kill -TERM "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    awk -v t="$transport" -v r="$RATE" -v s="$SECONDS_RUN" -v sent="$sent" -v stored="$stored" -v ticks=$((after - before)) -v hz="$HZ" \
        'BEGIN { cpu = ticks / hz; printf "| %s | %d msg/s × %d s | %d | %d | %.2f | %.1f |\n", t, r, s, sent, stored, cpu, stored ? cpu * 1e6 / stored : 0 }'
done
