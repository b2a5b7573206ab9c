#!/usr/bin/env bash
# `make soak` (issue 15): a fault soak of capd into PostgreSQL.
#
# SOAK_SECONDS (600) at SOAK_RATE (5 000) msg/s of `capd-bench blast` HEPv3/UDP traffic (every message its own
# Call-ID) into a fresh capd (release build, homer5, capture everything) storing into a throwaway PostgreSQL 15
# cluster, while
#   - PostgreSQL is stopped (pg_ctl -m fast) every SOAK_RESTART_EVERY (60) s, kept down SOAK_PG_DOWN (3) s and
#     started again;
#   - capd's spool directory lives on its own tmpfs of SOAK_SPOOL_MB (256) MB, which is filled with a file once,
#     from SOAK_FILL_AT (110) s for SOAK_FILL_SECONDS (30) s (so one PostgreSQL outage falls into it), then freed.
# scripts/bench_sustained.py samples capd every second (rows stored, spool bytes, kernel UDP drops, RSS, CPU).
# After the traffic it waits for the drain, counts rows and distinct Call-IDs and prints one verdict line:
#   PASS when every sent row is stored exactly once (count = distinct = sent) and RSS is flat (the peak of the
#   last 20 % of the traffic time ≤ max(1.2 × the peak of 10–30 % of it, that + 20 MB) and ≤ 150 MB; for 10
#   minutes: the last two minutes against minutes 1–3).
# Losses are split into counted ones (capd_drops_total by reason, kernel drops) and unaccounted ones.
# Bounded: the sender stops after SOAK_SECONDS + 30 s, the drain wait after SOAK_DRAIN_TIMEOUT (300) s.
# Needs root for the tmpfs (without it the fill is skipped and the verdict says so). Traffic: 127.0.0.1 only.
# Knobs: the SOAK_* above, BENCH_CAPD (another capd binary), BENCH_SKIP_BUILD, SOAK_RESULTS
# (.build/bench/soak-<UTC time>/: samples.csv, summary.json, events.log, soak.png, verdict.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

RATE="${SOAK_RATE:-5000}"
DURATION="${SOAK_SECONDS:-600}"
RESTART_EVERY="${SOAK_RESTART_EVERY:-60}"
PG_DOWN="${SOAK_PG_DOWN:-3}"
SPOOL_MB="${SOAK_SPOOL_MB:-256}"
FILL_AT="${SOAK_FILL_AT:-110}"
FILL_SECONDS="${SOAK_FILL_SECONDS:-30}"
DRAIN_TIMEOUT="${SOAK_DRAIN_TIMEOUT:-300}"
RESULTS="${SOAK_RESULTS:-.build/bench/soak-$(date -u +%Y%m%dT%H%M%SZ)}"
CAPD="${BENCH_CAPD:-.build/release/capd}"
BENCH=.build/release/capd-bench
TOOL=scripts/bench_sustained.py

WORK="$(mktemp -d /tmp/capd-soak.XXXXXX)"
PG_STATE="$WORK/pg.state"
SPOOLFS="$WORK/spoolfs"
CAPD_PID="" SAMPLER_PID="" CHAOS_PID="" FILL_PID="" MOUNTED=0
log() { echo "soak: $*" >&2; }
pg() { CAPD_PG_STATE="$PG_STATE" scripts/pg-test-cluster.sh "$@"; }
cleanup() {
    local pid
    for pid in "$CHAOS_PID" "$FILL_PID" "$SAMPLER_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    if [ -n "$CAPD_PID" ] && kill -0 "$CAPD_PID" 2>/dev/null; then kill -TERM "$CAPD_PID" 2>/dev/null || true; wait "$CAPD_PID" 2>/dev/null || true; fi
    pg stop >/dev/null 2>&1 || true
    [ "$MOUNTED" = 1 ] && { umount "$SPOOLFS" 2>/dev/null || umount -l "$SPOOLFS" 2>/dev/null || true; }
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries"
    swift build -c release --product capd >&2
    swift build -c release --product capd-bench >&2
fi
[ -x "$CAPD" ] && [ -x "$BENCH" ] || { log "release binaries missing"; exit 1; }
mkdir -p "$RESULTS"

# shellcheck source=scripts/lib/bench-capd.sh
. scripts/lib/bench-capd.sh

log "starting a throwaway PostgreSQL"
eval "$(pg start)"
PG_DATADIR="$CAPD_TEST_PG_DATADIR"
psql -X -q -v ON_ERROR_STOP=1 "$CAPD_TEST_PG_URL" -c 'CREATE DATABASE soak'
URL=$(echo "$CAPD_TEST_PG_URL" | sed 's#/postgres?#/soak?#')

mkdir -p "$SPOOLFS"
FILL=yes
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=${SPOOL_MB}m,mode=0755" capd-soak-spool "$SPOOLFS"; then
    MOUNTED=1
else
    log "not root (or mount failed): the spool stays on the ordinary disk and the disk-full phase is skipped"
    FILL=skipped
fi
mkdir -p "$SPOOLFS/spool"

PORT=$(bench_free_port)
ADMIN=$(bench_free_port)
bench_start_capd "$CAPD" "$WORK" "$PORT" "$ADMIN" "$URL" "$SPOOLFS/spool" soak || { log "capd did not start"; exit 1; }

EVENTS="$RESULTS/events.log"
: >"$EVENTS"
event() { echo "$(date -u +%H:%M:%S) t=$(( $(date +%s) - T0 ))s $*" >>"$EVENTS"; }
T0=$(date +%s)

python3 "$TOOL" sample --pid "$CAPD_PID" --admin "127.0.0.1:$ADMIN" --udp-port "$PORT" --csv "$WORK/samples.csv" \
    --metrics-out "$WORK/metrics.json" --end-file "$WORK/sent" --wal "$PG_DATADIR/pg_wal" \
    --pg-pid-file "$PG_DATADIR/postmaster.pid" --drain-timeout "$DRAIN_TIMEOUT" \
    --max-seconds $((DURATION + DRAIN_TIMEOUT + 120)) &
SAMPLER_PID=$!

# PostgreSQL restarts: at RESTART_EVERY, 2×RESTART_EVERY, ... while the traffic runs (bounded by DURATION).
(
    t=$RESTART_EVERY
    while [ "$t" -lt "$DURATION" ]; do
        sleep $(( T0 + t - $(date +%s) > 0 ? T0 + t - $(date +%s) : 0 ))
        event "PostgreSQL stop"
        pg server-stop >/dev/null 2>&1 || event "pg_ctl stop failed"
        sleep "$PG_DOWN"
        pg server-start >/dev/null 2>&1 || event "pg_ctl start failed"
        event "PostgreSQL started"
        t=$((t + RESTART_EVERY))
    done
) &
CHAOS_PID=$!

# The spool disk full once: a file takes all of the tmpfs for FILL_SECONDS.
if [ "$FILL" = yes ]; then
    (
        sleep "$FILL_AT"
        head -c $((SPOOL_MB * 1024 * 1024)) /dev/zero >"$SPOOLFS/fill" 2>/dev/null || true
        event "spool disk filled: $(df -h --output=avail "$SPOOLFS" | tail -1 | tr -d ' ') left"
        sleep "$FILL_SECONDS"
        rm -f "$SPOOLFS/fill"
        event "spool disk freed"
    ) &
    FILL_PID=$!
fi

log "$RATE msg/s for $DURATION s; PostgreSQL down ${PG_DOWN} s every ${RESTART_EVERY} s; spool disk full at ${FILL_AT}–$((FILL_AT + FILL_SECONDS)) s ($FILL)"
LOAD_START=$(cut -d' ' -f1 /proc/loadavg)
"$BENCH" blast --to "udp://127.0.0.1:$PORT" --rate "$RATE" --count $((RATE * DURATION)) --seconds $((DURATION + 30)) \
    --seed 15 --pool 0 >"$WORK/blast.out"
event "sender done: $(cat "$WORK/blast.out")"
touch "$WORK/sent"
wait "$CHAOS_PID" || true; CHAOS_PID=""
[ -n "$FILL_PID" ] && { wait "$FILL_PID" || true; FILL_PID=""; }
pg server-start >/dev/null 2>&1 || true   # make sure it is up for the drain
wait "$SAMPLER_PID" || true; SAMPLER_PID=""
LOAD_END=$(cut -d' ' -f1 /proc/loadavg)
kill -TERM "$CAPD_PID"; wait "$CAPD_PID" || log "capd exited with $?"; CAPD_PID=""
event "capd stopped"

read -r STORED DISTINCT < <(psql -X -At -F' ' "$URL" -c 'SELECT count(*), count(DISTINCT callid) FROM sip_capture')
cp "$WORK/samples.csv" "$RESULTS/samples.csv"
cp "$WORK/blast.out" "$RESULTS/blast.txt"
grep -v '^$' "$WORK/capd.log" | tail -200 >"$RESULTS/capd.log" || true
python3 "$TOOL" summarize --csv "$WORK/samples.csv" --blast-out "$WORK/blast.out" --metrics-final "$WORK/metrics.json" \
    --store postgres --label fault-soak --out "$RESULTS/summary.json" --load-start "$LOAD_START" --load-end "$LOAD_END" \
    --drained "$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("yes" if m.get("capd_spool_bytes",0)==0 and m.get("capd_store_queue_depth",0)==0 else "no")' "$WORK/metrics.json")" \
    --factor 0 --seconds "$DURATION" --ceiling "$RATE" --stored "$STORED" --distinct "$DISTINCT" >/dev/null
python3 "$TOOL" plot --csv "$WORK/samples.csv" --out "$RESULTS/soak.png" --ceiling "$RATE" \
    --title "capd fault soak: $RATE msg/s for $DURATION s, PostgreSQL restarted every $RESTART_EVERY s, spool disk full once" || true

python3 - "$RESULTS/summary.json" "$WORK/samples.csv" "$FILL" "$(grep -c 'PostgreSQL stop' "$EVENTS" || true)" <<'PY' | tee "$RESULTS/verdict.txt"
import csv, json, sys
s = json.load(open(sys.argv[1]))
fill, restarts = sys.argv[3], sys.argv[4]
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["rss_kb"]]
d = s["seconds"]  # early: 10–30 % of the traffic (minutes 1–3 of 10), late: its last 20 % (last 2 minutes)
early = [int(r["rss_kb"]) / 1024 for r in rows if 0.1 * d <= float(r["t"]) <= 0.3 * d]
late = [int(r["rss_kb"]) / 1024 for r in rows if 0.8 * d <= float(r["t"]) <= d]
e, l = (max(early) if early else 0), (max(late) if late else 0)
flat = bool(early and late) and l <= max(1.2 * e, e + 20) and s["max_rss_mb"] <= 150
counted = sum(s["drops_by_reason"].values()) + s["kernel_drops"]
unaccounted = s["sent"] - s["distinct"] - counted
once = s["stored"] == s["sent"] and s["distinct"] == s["stored"]
verdict = "PASS" if once and flat and fill == "yes" else "FAIL"
print(f"soak: {verdict} sent={s['sent']} stored={s['stored']} distinct={s['distinct']} duplicates={s['duplicates']}"
      f" lost={s['sent'] - s['distinct']} counted_drops={counted} ({s['drops_by_reason'] or 'none'}, kernel {s['kernel_drops']})"
      f" unaccounted={unaccounted} rss_mb={e:.0f}->{l:.0f} (max {s['max_rss_mb']}) flat={'yes' if flat else 'no'}"
      f" max_spool_mb={s['max_spool_mb']} restarts={restarts} disk_full={fill}"
      f" last_row_after_last_packet_s={s['last_packet_to_last_row_s']} drained={s['drained']}"
      f" load={s['load_start']}->{s['load_end']}")
PY
log "results in $RESULTS"
grep -q '^soak: PASS' "$RESULTS/verdict.txt"
