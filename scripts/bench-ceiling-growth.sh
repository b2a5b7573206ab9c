#!/usr/bin/env bash
# How the PostgreSQL ceiling C moves as a homer5 table grows (issue 10, "C on an empty and on a 10 M-row table").
#
# 1. A throwaway PostgreSQL 15 cluster (defaults: fsync and synchronous_commit on, shared_buffers 128 MB).
# 2. Seed: a release capd stores GROWTH_SEED_RATE msg/s × GROWTH_SEED_SECONDS s of `capd-bench blast` traffic
#    into sip_capture (homer5); the rows are dumped with psql \copy.
# 3. One table: the dump is loaded again and again (ids and Call-IDs made unique per chunk, so every index takes
#    new keys) into an empty table LIKE sip_capture INCLUDING ALL until it holds GROWTH_ROWS rows. Each chunk is
#    one timed psql \copy + CHECKPOINT, as `make bench` measures C.
# 4. A table per day: with that table full, one more chunk goes into a new empty table of the same definition
#    in the same database: what a `sip_capture_%Y%m%d` table (or a daily partition) sees the day after.
# 5. A day-partitioned table (store.partition: day): one more chunk COPYed into a parent PARTITION BY RANGE (date)
#    with the same columns and indexes, routed into a new empty day partition, next to the full table: what
#    capd's partitioned sip_capture sees each new day, routing cost included.
# Prints a per-chunk table (rows in the table before the chunk, rows/s) and a summary; every loop is bounded.
#   GROWTH_ROWS [10000000]  GROWTH_SEED_RATE [10000]  GROWTH_SEED_SECONDS [20]  GROWTH_OUT [.build/bench/ceiling-growth.md]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

TARGET="${GROWTH_ROWS:-10000000}"
SEED_RATE="${GROWTH_SEED_RATE:-10000}"
SEED_SECONDS="${GROWTH_SEED_SECONDS:-20}"
OUT="${GROWTH_OUT:-.build/bench/ceiling-growth.md}"
CAPD=.build/release/capd
BENCH=.build/release/capd-bench
WORK="$(mktemp -d /tmp/capd-growth.XXXXXX)"
PG_STATE="$WORK/pg.state"
CAPD_PID=""
cleanup() {
    if [ -n "$CAPD_PID" ] && kill -0 "$CAPD_PID" 2>/dev/null; then kill -TERM "$CAPD_PID" 2>/dev/null || true; wait "$CAPD_PID" 2>/dev/null || true; fi
    CAPD_PG_STATE="$PG_STATE" scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
log() { echo "growth: $*" >&2; }
now() { date +%s.%N; }
# shellcheck source=scripts/lib/bench-capd.sh
. scripts/lib/bench-capd.sh

[ "${GROWTH_SKIP_BUILD:-0}" = 1 ] || { swift build -c release --product capd >&2; swift build -c release --product capd-bench >&2; }
eval "$(CAPD_PG_STATE="$PG_STATE" scripts/pg-test-cluster.sh start)"
URL="$CAPD_TEST_PG_URL"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$URL" "$@"; }

log "seed: capd stores $SEED_RATE msg/s for $SEED_SECONDS s"
port=$(bench_free_port); admin=$(bench_free_port)
bench_start_capd "$CAPD" "$WORK" "$port" "$admin" "$URL" || { log "capd did not start"; exit 1; }
"$BENCH" blast --to "udp://127.0.0.1:$port" --rate "$SEED_RATE" --count $((SEED_RATE * SEED_SECONDS)) \
    --seconds $((SEED_SECONDS + 5)) --seed 7 --pool 0 >"$WORK/blast.out"
for _ in $(seq 1 600); do
    depth=$(curl -sf "http://127.0.0.1:$admin/metrics" | awk '$1 == "capd_store_queue_depth" { print $2 }')
    awk -v d="${depth:-1}" 'BEGIN { exit !(d + 0 == 0) }' && break   # 0 or 0.0
    sleep 0.2
done
kill -TERM "$CAPD_PID"; wait "$CAPD_PID" || true; CAPD_PID=""
sql -c "\\copy sip_capture TO '$WORK/seed.copy'"
chunk_rows=$(wc -l <"$WORK/seed.copy")
[ "$chunk_rows" -gt 0 ] || { log "no seed rows"; exit 1; }
callid_col=$(sql -c "SELECT ordinal_position FROM information_schema.columns WHERE table_name = 'sip_capture' AND column_name = 'callid'")
max_id=$(sql -c "SELECT max(id) FROM sip_capture")
chunks=$(( (TARGET + chunk_rows - 1) / chunk_rows ))
log "seed: $chunk_rows rows per chunk, $chunks chunks to reach $TARGET rows"

# chunk N -> $WORK/chunk.copy: the seed rows with ids shifted past every earlier chunk and Call-IDs suffixed.
make_chunk() {
    awk -F'\t' -v OFS='\t' -v off=$(( $1 * (max_id + 1) )) -v col="$callid_col" -v n="$1" \
        '{ $1 = $1 + off; $col = $col "-g" n; print }' "$WORK/seed.copy" >"$WORK/chunk.copy"
}
# timed_copy TABLE -> seconds for one \copy of chunk.copy + CHECKPOINT
timed_copy() {
    local t0 t1
    t0=$(now)
    sql -c "\\copy $1 FROM '$WORK/chunk.copy'"
    sql -c 'CHECKPOINT'
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
# rate SECONDS -> rows/s of one chunk loaded in SECONDS
rate() { awk -v r="$chunk_rows" -v s="$1" 'BEGIN { printf "%d", r / s }'; }

sql -c 'CREATE TABLE growth (LIKE sip_capture INCLUDING ALL)' -c 'CHECKPOINT'
mkdir -p "$(dirname "$OUT")"
{
    echo "# PostgreSQL ceiling C as one homer5 table grows ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
    echo
    echo "Chunks of $chunk_rows capd rows (psql \\copy + CHECKPOINT each), into one table LIKE sip_capture INCLUDING ALL."
    echo
    echo "| chunk | rows in the table before | seconds | rows/s | table + indexes MB after |"
    echo "|---|---|---|---|---|"
} >"$OUT"
in_table=0
for n in $(seq 1 "$chunks"); do
    make_chunk "$n"
    s=$(timed_copy growth)
    size=$(sql -c "SELECT pg_total_relation_size('growth') / 1048576")
    rate=$(rate "$s")
    echo "| $n | $in_table | $s | $rate | $size |" >>"$OUT"
    log "chunk $n: $in_table rows before, $rate rows/s, $size MB"
    in_table=$((in_table + chunk_rows))
    [ "$n" = 1 ] && first_rate=$rate
    last_rate=$rate
done
sql -c 'CREATE TABLE growth_next_day (LIKE sip_capture INCLUDING ALL)' -c 'CHECKPOINT'
make_chunk $((chunks + 1))
s=$(timed_copy growth_next_day)
next_rate=$(rate "$s")
from=$(sql -c "SELECT to_char(date_trunc('day', min(date)), 'YYYY-MM-DD HH24:MI:SS') FROM sip_capture")
to=$(sql -c "SELECT to_char(date_trunc('day', max(date)) + interval '1 day', 'YYYY-MM-DD HH24:MI:SS') FROM sip_capture")
sql -c 'CREATE TABLE growth_partitioned (LIKE sip_capture INCLUDING ALL) PARTITION BY RANGE (date)' \
    -c "CREATE TABLE growth_partitioned_p1 PARTITION OF growth_partitioned FOR VALUES FROM ('$from') TO ('$to')" -c 'CHECKPOINT'
make_chunk $((chunks + 2))
s=$(timed_copy growth_partitioned)
part_rate=$(rate "$s")
{
    echo
    echo "- C into the empty table: **$first_rate rows/s**"
    echo "- C into the same table at $((in_table - chunk_rows)) rows: **$last_rate rows/s** ($(awk -v a="$last_rate" -v b="$first_rate" 'BEGIN { printf "%.2f", a / b }') × empty)"
    echo "- C into a new empty table of the same definition next to it (a table per day): **$next_rate rows/s** ($(awk -v a="$next_rate" -v b="$first_rate" 'BEGIN { printf "%.2f", a / b }') × empty)"
    echo "- C through a day-partitioned parent into its new empty day partition next to it (store.partition: day): **$part_rate rows/s** ($(awk -v a="$part_rate" -v b="$first_rate" 'BEGIN { printf "%.2f", a / b }') × empty)"
} >>"$OUT"
cat "$OUT"
