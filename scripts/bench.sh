#!/usr/bin/env bash
# `make bench`: capd end to end on this machine, next to baselines measured in the same run.
#
# 1. Builds the release binaries once (capd, capd-bench).
# 2. Starts its own throwaway PostgreSQL 15 cluster (fsync on, synchronous_commit on: the defaults).
# 3. Baselines: the raw recvmmsg receive ceiling on loopback (`capd-bench capture`, drained-buffer method),
#    the PostgreSQL COPY ceiling for the very rows capd stored (psql \copy of a dump of them into an
#    identical table: same columns, primary key and indexes) and the SQLite ceiling for the same rows
#    (one INSERT ... SELECT transaction into an identical table, with the pragmas capd opens SQLite with).
# 4. For each store (PostgreSQL, SQLite) and each load (offered rates, then an unbounded burst): a fresh
#    `capd run` (capture everything), `capd-bench blast` HEPv3/UDP to it, wait until the store is drained,
#    count the rows in the database, read CPU and peak RSS from /proc, stop capd (SIGTERM).
# Every loop is bounded in count and time; traffic goes to 127.0.0.1 only.
#
# Environment knobs (defaults in brackets):
#   BENCH_STORES ["postgres sqlite"]   BENCH_LOADS ["10000:10 20000:10 50000:10 100000:5 burst:200000"]
#   (rate:seconds, or burst:count)     BENCH_OUT [.build/bench/latest.md]   BENCH_SKIP_BUILD [0]
#   BENCH_SKIP_BASELINES [0]           BENCH_DRAIN_TIMEOUT [180 s per run]
#   BENCH_CAPD [.build/release/capd] (another capd binary, e.g. an older build to compare)
#   BENCH_SHORT [1] (0: skip the short runs and their baselines)
# Sustained runs (scripts/bench-sustained.sh, docs/performance.md "Sustained runs"), after the short ones:
#   BENCH_SUSTAINED ["0.8:120 2:40"] (FACTOR:SECONDS at FACTOR × the same-run ceiling C; "none" skips them)
#   BENCH_SOAK [0] (1: add the 10-minute soak 0.8:600)   BENCH_RESULTS [.build/bench/sustained-<UTC time>]
#   BENCH_SEED_RATE [10000] BENCH_SEED_SECONDS [30] (the rows the ceiling C is measured with)
#   BENCH_CEILING_EACH [1] (measure C again before every run; 0: once per store)
#   BENCH_CAPD_LABEL [the binary's path] (how the summary names the capd build)
#   BENCH_TLS [1] (0: skip HEP over TLS vs TCP, scripts/tls/bench-tls.sh)  BENCH_TLS_RATE [20000] BENCH_TLS_SECONDS [10]
# Scale-out (scripts/scaleout_bench.py, docs/scale-out.md), appended to the summary, root only:
#   BENCH_SCALEOUT [0] (1: aggregate rows/s with 1, 2, 3 capture nodes behind a relay, 1 and 2 PostgreSQL shards,
#   next to one node fed directly)   BENCH_SCALEOUT_PACKETS [200000]   BENCH_SCALEOUT_RATE [40000]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

STORES="${BENCH_STORES:-postgres sqlite}"
LOADS="${BENCH_LOADS:-10000:10 20000:10 50000:10 100000:5 burst:200000}"
OUT="${BENCH_OUT:-.build/bench/latest.md}"
DRAIN_TIMEOUT="${BENCH_DRAIN_TIMEOUT:-180}"
CAPD="${BENCH_CAPD:-.build/release/capd}"
BENCH=.build/release/capd-bench
HZ=$(getconf CLK_TCK)

WORK="$(mktemp -d /tmp/capd-bench.XXXXXX)"
PG_STATE="$WORK/pg.state"
CAPD_PID=""
cleanup() {
    if [ -n "$CAPD_PID" ] && kill -0 "$CAPD_PID" 2>/dev/null; then kill -TERM "$CAPD_PID" 2>/dev/null || true; wait "$CAPD_PID" 2>/dev/null || true; fi
    CAPD_PG_STATE="$PG_STATE" scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

log() { echo "bench: $*" >&2; }

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    log "building release binaries"
    swift build -c release --product capd >&2
    swift build -c release --product capd-bench >&2
fi
[ -x "$CAPD" ] && [ -x "$BENCH" ] || { log "release binaries missing"; exit 1; }

# shellcheck source=scripts/lib/bench-capd.sh
. scripts/lib/bench-capd.sh

# CPU seconds (utime+stime) of one process, as ticks.
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# PostgreSQL's CPU ticks so far: the postmaster (with its reaped children) plus its live children.
pg_ticks() {
    local master total=0 pid
    master=$(head -1 "$PG_DATADIR/postmaster.pid")
    total=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$master/stat")
    for pid in $(pgrep -P "$master" || true); do
        total=$(( total + $(proc_ticks "$pid") ))
    done
    echo "$total"
}

ticks_to_s() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }'; }
now() { date +%s.%N; }

# Sum of a metric's samples from /metrics (0 when absent).
metric() {
    awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%d", sum }' "$2"
}

# ---------------------------------------------------------------------------------------------------------
log "starting a throwaway PostgreSQL"
eval "$(CAPD_PG_STATE="$PG_STATE" scripts/pg-test-cluster.sh start)"
PG_URL="$CAPD_TEST_PG_URL"
PG_DATADIR="$CAPD_TEST_PG_DATADIR"
psql_main() { psql -X -q -v ON_ERROR_STOP=1 "$PG_URL" "$@"; }
db_url() { echo "$PG_URL" | sed "s#/postgres?#/$1?#"; }
log "fsync=$(psql_main -At -c 'SHOW fsync') synchronous_commit=$(psql_main -At -c 'SHOW synchronous_commit')"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
RUN=0
LAST_PG_DB=""
LAST_SQLITE=""

# run STORE RATE COUNT SECONDS LABEL
run_one() {
    local store=$1 rate=$2 count=$3 seconds=$4 label=$5
    RUN=$((RUN + 1))
    local dir="$WORK/run$RUN" port admin url
    mkdir -p "$dir/spool"
    port=$(bench_free_port)
    admin=$(bench_free_port)
    if [ "$store" = postgres ]; then
        psql_main -c "CREATE DATABASE bench_$RUN"
        url=$(db_url "bench_$RUN")
        LAST_PG_DB="bench_$RUN"
    else
        url="sqlite://$dir/capd.db"
        LAST_SQLITE="$dir/capd.db"
    fi
    local pg_before
    pg_before=$(pg_ticks)
    bench_start_capd "$CAPD" "$dir" "$port" "$admin" "$url" || { log "capd did not start"; exit 1; }
    local blast_args=(--to "udp://127.0.0.1:$port" --count "$count" --seconds "$seconds" --rate "$rate")
    "$BENCH" blast "${blast_args[@]}" >"$dir/blast.out"
    local sent started blast_end
    blast_end=$(now)
    sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$dir/blast.out")
    started=$(sed -n 's/.* started_unix=\([0-9.]*\).*/\1/p' "$dir/blast.out")
    # Drained: nothing queued or spooled, and received/stored unchanged for 1 s.
    local deadline last_change prev="" cur depth=-1 spool=-1 stored=0 received=0 stable=0
    deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
    last_change=$blast_end
    while [ "$(date +%s)" -lt "$deadline" ]; do
        curl -sf "http://127.0.0.1:$admin/metrics" -o "$dir/metrics" || { sleep 0.2; continue; }
        depth=$(metric capd_store_queue_depth "$dir/metrics")
        spool=$(metric capd_spool_bytes "$dir/metrics")
        stored=$(metric capd_rows_stored_total "$dir/metrics")
        received=$(metric capd_packets_received_total "$dir/metrics")
        cur="$stored/$received"
        if [ "$cur" != "$prev" ]; then
            [ -n "$prev" ] && last_change=$(now)
            prev=$cur
            stable=0
        else
            stable=$((stable + 1))
        fi
        if [ "$depth" = 0 ] && [ "$spool" = 0 ] && [ "$stable" -ge 5 ]; then break; fi
        sleep 0.2
    done
    local drained=yes
    [ "$depth" = 0 ] && [ "$spool" = 0 ] || drained=no
    local capd_ticks hwm drops load
    load=$(cut -d' ' -f1 /proc/loadavg)
    capd_ticks=$(proc_ticks "$CAPD_PID")
    hwm=$(awk '/^VmHWM/ { print int($2 / 1024) }' "/proc/$CAPD_PID/status")
    drops=$(metric capd_drops_total "$dir/metrics")
    kill -TERM "$CAPD_PID"
    wait "$CAPD_PID" || log "capd exited with $?"
    CAPD_PID=""
    # Let capd's backends exit and be reaped, so that their CPU time is in the postmaster's cutime.
    sleep 1
    local pg_after rows
    pg_after=$(pg_ticks)
    if [ "$store" = postgres ]; then
        rows=$(psql -X -At "$url" -c 'SELECT count(*) FROM sip_capture')
    else
        rows=$(sqlite3 "$dir/capd.db" 'SELECT count(*) FROM sip_capture')
    fi
    local pg_cpu="-"
    [ "$store" = postgres ] && pg_cpu=$(ticks_to_s $((pg_after - pg_before)))
    # rate columns: loss %, stored rows/s over [start of sending, last change of the counters]
    awk -v store="$store" -v label="$label" -v sent="$sent" -v recv="$received" -v rows="$rows" \
        -v t0="$started" -v t1="$last_change" -v ccpu="$(ticks_to_s "$capd_ticks")" -v pcpu="$pg_cpu" \
        -v hwm="$hwm" -v drops="$drops" -v drained="$drained" -v load="$load" -v achieved="$(sed -n 's/.* achieved_rate=\([0-9]*\).*/\1/p' "$dir/blast.out")" 'BEGIN {
        loss = sent > 0 ? 100 * (sent - rows) / sent : 0
        span = t1 - t0; if (span <= 0) span = 1e-9
        per1k = rows > 0 ? ccpu * 1000 / rows : 0
        pg1k = (rows > 0 && pcpu != "-") ? sprintf("%.4f", pcpu * 1000 / rows) : "-"
        printf "%s\t%s\t%d\t%d\t%d\t%d\t%.2f\t%d\t%s\t%s\t%d\t%.4f\t%s\t%d\t%s\t%s\n", store, label, achieved, sent, recv, rows,
            loss, rows / span, ccpu, pcpu, hwm, per1k, pg1k, drops, drained, load }' >>"$RESULTS"
    log "$(tail -1 "$RESULTS")"
    [ "$store" = postgres ] && [ "$label" != "50000" ] && psql_main -c "DROP DATABASE bench_$RUN" || true
    [ "$store" = sqlite ] && [ "$label" != "50000" ] && rm -f "$dir"/capd.db* || true
    return 0
}

[ "${BENCH_SHORT:-1}" = 1 ] || LOADS=""
for store in $STORES; do
    for load in $LOADS; do
        kind=${load%%:*}; arg=${load#*:}
        if [ "$kind" = burst ]; then
            run_one "$store" 0 "$arg" 30 "burst"
        else
            run_one "$store" "$kind" $((kind * arg)) $((arg + 10)) "$kind"
        fi
        [ "$store" = postgres ] && [ "$kind" = 50000 ] && KEEP_PG=$LAST_PG_DB
        [ "$store" = sqlite ] && [ "$kind" = 50000 ] && KEEP_SQLITE=$LAST_SQLITE
    done
done

# ---------------------------------------------------------------------------------------------------------
BASE="$WORK/baselines.txt"
: >"$BASE"
if [ "${BENCH_SKIP_BASELINES:-0}" != 1 ] && [ -n "$LOADS" ]; then
    log "baseline: raw recvmmsg receive ceiling"
    "$BENCH" capture --repeat 1 --drain-rounds 5 --drain-datagrams 40000 --udp-count 1000000 --udp-seconds 2 \
        | grep 'udp loopback' >"$WORK/capture.out" || true
    sed 's/^capture: /- /' "$WORK/capture.out" >>"$BASE"
    if [ -n "${KEEP_PG:-}" ]; then
        log "baseline: PostgreSQL COPY ceiling for the rows of the 50k run"
        kurl=$(db_url "$KEEP_PG")
        psql -X -q "$kurl" -c "\\copy sip_capture TO '$WORK/rows.copy'"
        psql -X -q "$kurl" -c 'CREATE TABLE copy_ceiling (LIKE sip_capture INCLUDING ALL)'
        n=$(wc -l <"$WORK/rows.copy")
        b=$(pg_ticks); t0=$(now)
        psql -X -q "$kurl" -c "\\copy copy_ceiling FROM '$WORK/rows.copy'"
        psql -X -q "$kurl" -c 'CHECKPOINT'
        t1=$(now); a=$(pg_ticks)
        awk -v n="$n" -v t0="$t0" -v t1="$t1" -v cpu="$(ticks_to_s $((a - b)))" 'BEGIN {
            printf "- PostgreSQL COPY ceiling (psql \\copy, one COPY, same table definition and indexes, + CHECKPOINT): %d rows in %.2f s = %d rows/s, PostgreSQL CPU %.2f s (%.4f s per 1000 rows)\n", n, t1 - t0, n / (t1 - t0), cpu, cpu * 1000 / n }' >>"$BASE"
        rm -f "$WORK/rows.copy"
    fi
    if [ -n "${KEEP_SQLITE:-}" ]; then
        log "baseline: SQLite insert ceiling for the rows of the 50k run"
        ceil="$WORK/ceiling.db"
        sqlite3 "$KEEP_SQLITE" .schema | grep -v '^CREATE TABLE sqlite_' | sqlite3 "$ceil"
        n=$(sqlite3 "$KEEP_SQLITE" 'SELECT count(*) FROM sip_capture')
        t0=$(now)
        sqlite3 "$ceil" "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; ATTACH '$KEEP_SQLITE' AS src; BEGIN; INSERT INTO sip_capture SELECT * FROM src.sip_capture; COMMIT;" >/dev/null
        t1=$(now)
        awk -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN {
            printf "- SQLite insert ceiling (INSERT ... SELECT in one transaction, same table definition and indexes, WAL): %d rows in %.2f s = %d rows/s\n", n, t1 - t0, n / (t1 - t0) }' >>"$BASE"
    fi
fi

# swift-metrics + swift-prometheus next to capd's own registry, as a share of capd's CPU per stored row in the
# PostgreSQL 50 000 msg/s run above (issue 11: adopt them unless they cost more than 2 %).
if [ -n "$LOADS" ]; then
    cpu_us=$(awk -F'\t' '$1 == "postgres" && $2 == "50000" && $12 > 0 { printf "%.2f", $12 * 1000 }' "$RESULTS" | head -1)
    log "metrics: counter update cost (capd CPU per row in the 50k PostgreSQL run: ${cpu_us:-?} µs)"
    "$BENCH" metrics ${cpu_us:+--cpu-us-per-row "$cpu_us"} | sed 's/^metrics: /- metrics: /' >>"$BASE" || log "metrics bench failed"
fi

# ---------------------------------------------------------------------------------------------------------
# shellcheck source=scripts/bench-sustained.sh
. scripts/bench-sustained.sh
run_sustained_all

# ---------------------------------------------------------------------------------------------------------
# HEPv3 over TLS next to clear TCP: one agent connection at 20 000 msg/s for 10 s, SQLite, CPU per row.
TLS_TABLE="$WORK/tls.md"
if [ "${BENCH_TLS:-1}" != 0 ]; then
    log "HEP over TLS vs clear TCP (scripts/tls/bench-tls.sh)"
    scripts/tls/bench-tls.sh "$CAPD" "${BENCH_TLS_RATE:-20000}" "${BENCH_TLS_SECONDS:-10}" >"$TLS_TABLE" || log "TLS bench failed"
fi

# ---------------------------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
{
    echo "capd end to end, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| store | offered msg/s | achieved send msg/s | sent | received | stored | loss % | stored rows/s | capd CPU s | PostgreSQL CPU s | capd peak RSS MB | capd CPU s / 1000 rows | PostgreSQL CPU s / 1000 rows | drops | drained | load avg |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n" }' "$RESULTS"
    echo
    echo "Baselines (same run):"
    cat "$BASE"
    if [ -f "$RESDIR/summary.md" ]; then echo; cat "$RESDIR/summary.md"; fi
    if [ -s "$TLS_TABLE" ]; then echo; echo "HEPv3 over one TCP / TLS connection (SQLite, every row must be stored):"; cat "$TLS_TABLE"; fi
} >"$OUT"
if [ "${BENCH_SCALEOUT:-0}" = 1 ]; then
    log "scale-out: 1-3 capture nodes behind a relay, 1-2 PostgreSQL shards"
    python3 scripts/scaleout_bench.py --capd "$CAPD" --packets "${BENCH_SCALEOUT_PACKETS:-200000}" \
        --rate "${BENCH_SCALEOUT_RATE:-40000}" --out "$OUT" >/dev/null
fi
cat "$OUT"
