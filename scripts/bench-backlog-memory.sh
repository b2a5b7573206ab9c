#!/usr/bin/env bash
# Memory a backlog costs (issue 10): for each capd binary given, a fresh capd stores HEP traffic into
# PostgreSQL while another session holds an ACCESS EXCLUSIVE lock on sip_capture for LOCK_SECONDS, so rows
# pile up in capd's memory; RSS and the queue depth are sampled every 0.2 s. Reports the RSS before the lock,
# the peak, the deepest queue and the memory per waiting row ((peak - before) / deepest queue), and the rows
# stored (every sent row must be). Binaries run back to back on the same cluster, so they compare in one run.
#
#   scripts/bench-backlog-memory.sh LABEL=PATH [LABEL=PATH ...]
#   knobs: BM_RATE (10000 msg/s), BM_SECONDS (12), BM_LOCK_AT (2 s), BM_LOCK_SECONDS (1.6), BM_BENCH (capd-bench),
#          BM_RUNS (1 per binary, alternating), BM_OUT (.build/bench/backlog-memory-<UTC time>.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/bench-capd.sh

RATE="${BM_RATE:-10000}"
SECONDS_SENT="${BM_SECONDS:-12}"
LOCK_AT="${BM_LOCK_AT:-2}"
LOCK_SECONDS="${BM_LOCK_SECONDS:-1.6}"
BENCH="${BM_BENCH:-.build/release/capd-bench}"
RUNS="${BM_RUNS:-1}"
OUT="${BM_OUT:-.build/bench/backlog-memory-$(date -u +%Y%m%dT%H%M%SZ).md}"
[ $# -ge 1 ] || { echo "usage: $0 LABEL=PATH [LABEL=PATH ...]" >&2; exit 2; }
[ -x "$BENCH" ] || { echo "no $BENCH (swift build -c release --product capd-bench)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/capd-bm.XXXXXX)
export CAPD_PG_STATE="$WORK/pg.state"
eval "$(scripts/pg-test-cluster.sh start)" >/dev/null
CAPD_PID=""
cleanup() {
    [ -n "$CAPD_PID" ] && kill -TERM "$CAPD_PID" 2>/dev/null || true
    scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

db_url() { echo "$CAPD_TEST_PG_URL" | sed "s|/postgres?|/$1?|"; }

mkdir -p "$(dirname "$OUT")"
{
    echo "# Backlog memory: $RATE msg/s for $SECONDS_SENT s, sip_capture locked ${LOCK_SECONDS} s from t=${LOCK_AT} s"
    echo
    echo "| binary | run | RSS before MB | RSS peak MB | deepest queue | KB per waiting row | packed MB at peak | sent | stored | load |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"

run_one() {
    local label=$1 binary=$2 run=$3 n=$4
    local dir="$WORK/run$n" port admin db url
    mkdir -p "$dir/spool"
    port=$(bench_free_port); admin=$(bench_free_port); db="bm_$n"
    psql -X -q "$CAPD_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    url=$(db_url "$db")
    bench_start_capd "$binary" "$dir" "$port" "$admin" "$url"
    # The table exists once the first row is stored.
    "$BENCH" blast --to "udp://127.0.0.1:$port" --rate 1000 --count 10 --seconds 5 --seed 99 --pool 0 >/dev/null
    for _ in $(seq 1 100); do
        [ "$(psql -X -At "$url" -c "SELECT to_regclass('sip_capture') IS NOT NULL" 2>/dev/null)" = t ] && break
        sleep 0.1
    done
    sleep 1
    python3 - "$CAPD_PID" "$admin" "$dir/samples" "$dir/stop" <<'PY' &
import sys, time, urllib.request, os
pid, admin, out, stop = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
with open(out, "w") as f:
    while not os.path.exists(stop):
        try:
            rss = 0
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"): rss = int(line.split()[1]) * 1024
            depth = packed = 0
            for line in urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=2).read().decode().splitlines():
                if line.startswith("capd_store_queue_depth "): depth = float(line.split()[1])
                if line.startswith("capd_store_queue_packed_bytes "): packed = float(line.split()[1])
            f.write(f"{time.time():.2f} {rss} {int(depth)} {int(packed)}\n"); f.flush()
        except Exception:
            pass
        time.sleep(0.2)
PY
    local sampler=$!
    sleep 1
    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    ( sleep "$LOCK_AT"; psql -X -q "$url" -c "BEGIN; LOCK TABLE sip_capture IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($LOCK_SECONDS); COMMIT;" >/dev/null ) &
    local locker=$!
    "$BENCH" blast --to "udp://127.0.0.1:$port" --rate "$RATE" --count $((RATE * SECONDS_SENT)) \
        --seconds $((SECONDS_SENT + 5)) --seed "$n" --pool 0 >"$dir/blast.out"
    wait "$locker" || true
    for _ in $(seq 1 300); do
        curl -s "http://127.0.0.1:$admin/metrics" | awk '$1 == "capd_store_queue_depth" { d = $2 } END { exit !(d != "" && d + 0 == 0) }' && break
        sleep 0.2
    done
    touch "$dir/stop"; wait "$sampler" || true
    kill -TERM "$CAPD_PID"; wait "$CAPD_PID" || true; CAPD_PID=""
    local stored; stored=$(psql -X -At "$url" -c "SELECT count(*) FROM sip_capture")
    python3 - "$dir/samples" "$label" "$run" "$((RATE * SECONDS_SENT + 10))" "$stored" "$load" >>"$OUT" <<'PY'
import sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
label, run, sent, stored, load = sys.argv[2:7]
before = rows[0][1]
peak = max(r[1] for r in rows)
deepest = max(r[2] for r in rows)
packed = max((r[3] for r in rows if r[1] == peak), default=0)
per_row = (peak - before) / deepest / 1024 if deepest else 0
print(f"| {label} | {run} | {before/1e6:.0f} | {peak/1e6:.0f} | {int(deepest)} | {per_row:.2f} | {packed/1e6:.1f} | {sent} | {stored} | {load} |")
PY
    tail -1 "$OUT"
}

n=0
for run in $(seq 1 "$RUNS"); do
    for pair in "$@"; do
        n=$((n + 1))
        run_one "${pair%%=*}" "${pair#*=}" "$run" "$n"
    done
done
echo "results: $OUT"
