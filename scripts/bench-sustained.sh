# Sustained runs of `make bench` (issue 10), sourced by scripts/bench.sh after its short runs; it uses bench.sh's
# PostgreSQL cluster and helpers (log, now, bench_free_port and bench_start_capd of scripts/lib/bench-capd.sh, psql_main, db_url, CAPD, BENCH, WORK, PG_DATADIR, STORES).
#
# For each store:
#   1. seed: a fresh capd stores SEED_RATE msg/s for SEED_SECONDS (the same pooled blast traffic as the runs);
#   2. ceiling C: PostgreSQL: one `psql \copy` of those rows into an empty identical table (LIKE sip_capture
#      INCLUDING ALL) + CHECKPOINT, as bench.sh's short-run baseline; SQLite: `capd-bench sqlite-ceiling`, those
#      rows through one prepared INSERT in 500-row transactions (capd's batch) into an identical table in a new
#      file (WAL, synchronous=NORMAL, as capd opens it): the rate a writer fed row by row can reach;
#   3. each run FACTOR:SECONDS of BENCH_SUSTAINED (and 0.8:600 with BENCH_SOAK=1): a fresh capd, the sender
#      offers round(FACTOR × C) msg/s for SECONDS, scripts/bench_sustained.py samples capd every second until it
#      has drained, then the rows and distinct Call-IDs are counted, a JSON summary and a PNG are written;
#   4. C again at the end (the machine is shared: it shows how far the ceiling moved during the runs).
# Results: BENCH_RESULTS (.build/bench/sustained-<UTC time>/): per run <store>-<label>.csv/.json/.png, capd.log,
# and summary.md (also appended to bench.sh's table).

SUSTAINED="${BENCH_SUSTAINED-0.8:120 2:40}"
[ "${BENCH_SOAK:-0}" = 1 ] && SUSTAINED="$SUSTAINED 0.8:600"
SEED_RATE="${BENCH_SEED_RATE:-10000}"
SEED_SECONDS="${BENCH_SEED_SECONDS:-30}"
RESDIR="${BENCH_RESULTS:-.build/bench/sustained-$(date -u +%Y%m%dT%H%M%SZ)}"
SUSTAINED_TOOL="$(dirname "${BASH_SOURCE[0]}")/bench_sustained.py"
SRUN=0

# start_capd STORE URL DIR -> sets SC_PID SC_PORT SC_ADMIN (capture everything, homer5, one UDP listener)
start_capd() {
    local url=$2 dir=$3
    SC_PORT=$(bench_free_port)
    SC_ADMIN=$(bench_free_port)
    bench_start_capd "$CAPD" "$dir" "$SC_PORT" "$SC_ADMIN" "$url" || { log "capd did not start"; exit 1; }
    SC_PID=$CAPD_PID
}

stop_capd() {
    kill -TERM "$SC_PID" 2>/dev/null || true
    wait "$SC_PID" 2>/dev/null || log "capd exited with $?"
    CAPD_PID=""
}

# store_url STORE NAME DIR -> a fresh database for one run
store_url() {
    if [ "$1" = postgres ]; then
        PGOPTIONS='-c client_min_messages=warning' psql_main -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
        db_url "$2"
    else
        echo "sqlite://$3/capd.db"
    fi
}

# count_rows STORE URL -> "count distinct"
count_rows() {
    if [ "$1" = postgres ]; then
        psql -X -At -F' ' "$2" -c 'SELECT count(*), count(DISTINCT callid) FROM sip_capture'
    else
        sqlite3 -separator ' ' "${2#sqlite://}" 'SELECT count(*), count(DISTINCT callid) FROM sip_capture'
    fi
}

# run_sustained STORE FACTOR SECONDS C SEED_NUMBER LABEL  (LABEL: seed | steady | overload | soak)
run_sustained() {
    local store=$1 factor=$2 seconds=$3 ceiling=$4 seed=$5 label=$6
    SRUN=$((SRUN + 1))
    [ "$label" != seed ] && [ "$seconds" -ge 300 ] && label=soak
    local name="$store-$label-${factor}C-${seconds}s" dir="$WORK/sustained$SRUN" url rate count
    mkdir -p "$dir"
    url=$(store_url "$store" "sustained_$SRUN" "$dir")
    rate=$(awk -v f="$factor" -v c="$ceiling" 'BEGIN { printf "%d", f * c + 0.5 }')
    count=$((rate * seconds))
    start_capd "$store" "$url" "$dir"
    local wal=""
    if [ "$store" = postgres ]; then wal="$PG_DATADIR/pg_wal"; else wal="$dir/capd.db-wal"; fi
    local load_start load_end drain_timeout
    load_start=$(cut -d' ' -f1 /proc/loadavg)
    drain_timeout=$(( seconds * 3 > 180 ? seconds * 3 : 180 ))
    [ "$drain_timeout" -gt 420 ] && drain_timeout=420   # the backlog is bounded by the spool cap
    python3 "$SUSTAINED_TOOL" sample --pid "$SC_PID" --admin "127.0.0.1:$SC_ADMIN" --udp-port "$SC_PORT" \
        --csv "$dir/samples.csv" --metrics-out "$dir/metrics.json" --end-file "$dir/sent" --wal "$wal" \
        --drain-timeout "$drain_timeout" --max-seconds $((seconds + drain_timeout + 60)) &
    local sampler=$!
    log "sustained: $store $label: ${factor} × C = $rate msg/s for $seconds s (C = $ceiling rows/s, load $load_start)"
    "$BENCH" blast --to "udp://127.0.0.1:$SC_PORT" --rate "$rate" --count "$count" --seconds "$((seconds + 5))" \
        --seed "$seed" --pool 0 >"$dir/blast.out"
    touch "$dir/sent"
    wait "$sampler" || true
    load_end=$(cut -d' ' -f1 /proc/loadavg)
    local drained=yes
    python3 - "$dir/metrics.json" <<'PY' || drained=no
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m.get("capd_store_queue_depth", 0) == 0 and m.get("capd_spool_bytes", 0) == 0 else 1)
PY
    stop_capd
    local counts stored distinct
    counts=$(count_rows "$store" "$url")
    stored=${counts%% *}; distinct=${counts##* }
    if [ "$label" = seed ]; then
        SEED_URL=$url
        SEED_DB="sustained_$SRUN"
        log "sustained: seed rows for $store: $stored"
        return 0
    fi
    mkdir -p "$RESDIR"
    cp "$dir/samples.csv" "$RESDIR/$name.csv"
    cp "$dir/blast.out" "$RESDIR/$name.blast.txt"
    tail -50 "$dir/capd.log" >"$RESDIR/$name.capd.log" || true
    python3 "$SUSTAINED_TOOL" summarize --csv "$dir/samples.csv" --blast-out "$dir/blast.out" \
        --metrics-final "$dir/metrics.json" --store "$store" --label "$label" --out "$RESDIR/$name.json" \
        --load-start "$load_start" --load-end "$load_end" --drained "$drained" --factor "$factor" \
        --seconds "$seconds" --ceiling "$ceiling" --stored "$stored" --distinct "$distinct" >/dev/null
    python3 "$SUSTAINED_TOOL" plot --csv "$dir/samples.csv" --out "$RESDIR/$name.png" --ceiling "$ceiling" \
        --title "capd $store, $rate msg/s ($factor × C) for $seconds s, $(date -u '+%Y-%m-%d %H:%M UTC')" || true
    log "sustained: $name: sent $(sed -n 's/.* sent=\([0-9]*\).*/\1/p' "$dir/blast.out") stored $stored distinct $distinct"
    if [ "$store" = postgres ]; then psql_main -c "DROP DATABASE sustained_$SRUN" >/dev/null || true; else rm -f "$dir"/capd.db*; fi
}

# ceiling STORE -> rows/s of the seed rows loaded in one go into an identical, empty table (see the header)
ceiling() {
    local store=$1 t0 t1 n
    if [ "$store" = sqlite ]; then
        local ceil="$WORK/ceiling.db" out
        rm -f "$ceil"*
        out=$("$BENCH" sqlite-ceiling --from "${SEED_URL#sqlite://}" --to "$ceil" --batch 500)
        rm -f "$ceil"*
        echo "${out##*rows_per_second=}"   # the tool times only the inserts and commits
        return
    fi
    [ -f "$WORK/seed.copy" ] || psql -X -q "$SEED_URL" -c "\\copy sip_capture TO '$WORK/seed.copy'"
    n=$(wc -l <"$WORK/seed.copy")
    PGOPTIONS='-c client_min_messages=warning' psql -X -q "$SEED_URL" -c 'DROP TABLE IF EXISTS copy_ceiling' -c 'CREATE TABLE copy_ceiling (LIKE sip_capture INCLUDING ALL)' -c 'CHECKPOINT'
    t0=$(now)
    psql -X -q "$SEED_URL" -c "\\copy copy_ceiling FROM '$WORK/seed.copy'"
    psql -X -q "$SEED_URL" -c 'CHECKPOINT'
    t1=$(now)
    awk -v n="$n" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%d", n / (t1 - t0) }'
}

sustained_store() {
    local store=$1 c c_end spec factor seconds label
    rm -f "$WORK/seed.copy"
    run_sustained "$store" 1 "$SEED_SECONDS" "$SEED_RATE" 7 seed
    c=$(ceiling "$store")
    log "sustained: $store ceiling C = $c rows/s"
    local seed=11 all="$c"
    for spec in $SUSTAINED; do
        factor=${spec%%:*}; seconds=${spec#*:}
        label=steady
        awk -v f="$factor" 'BEGIN { exit !(f > 1) }' && label=overload
        seed=$((seed + 1))
        if [ "$seed" -gt 12 ] && [ "${BENCH_CEILING_EACH:-1}" = 1 ]; then
            c=$(ceiling "$store")   # the database's ceiling moves with the machine's load: measure it before each run
            log "sustained: $store ceiling C = $c rows/s"
            all="$all, $c"
        fi
        run_sustained "$store" "$factor" "$seconds" "$c" "$seed" "$label"
    done
    c_end=$(ceiling "$store")
    log "sustained: $store ceiling at the end = $c_end rows/s"
    echo "- $store: C = $all rows/s before the runs (in order), $c_end rows/s after them ($(ceiling_method "$store"))" >>"$RESDIR/ceilings.md"
    if [ "$store" = postgres ]; then
        psql_main -c "DROP DATABASE IF EXISTS $SEED_DB" >/dev/null 2>&1 || true
    else
        rm -f "${SEED_URL#sqlite://}"*
    fi
    rm -f "$WORK/seed.copy"
}

ceiling_method() {
    if [ "$1" = postgres ]; then
        echo "one psql \\copy of capd's $SEED_RATE msg/s × $SEED_SECONDS s seed rows into an empty table LIKE sip_capture INCLUDING ALL, + CHECKPOINT"
    else
        echo "capd's seed rows through one prepared INSERT, 500-row transactions, into an empty identical table, WAL, synchronous=NORMAL (capd-bench sqlite-ceiling)"
    fi
}

run_sustained_all() {
    [ -n "$SUSTAINED" ] && [ "$SUSTAINED" != none ] || return 0
    mkdir -p "$RESDIR"
    : >"$RESDIR/ceilings.md"
    local store
    for store in $STORES; do sustained_store "$store"; done
    {
        echo "Sustained runs, $(date -u '+%Y-%m-%d %H:%M UTC'), capd ${BENCH_CAPD_LABEL:-$CAPD (built from $(git rev-parse --short HEAD 2>/dev/null || echo '?'))}, $(nproc) CPUs"
        echo
        cat "$RESDIR/ceilings.md"
        echo
        # shellcheck disable=SC2046
        python3 "$SUSTAINED_TOOL" report $(ls -tr "$RESDIR"/*.json)
    } >"$RESDIR/summary.md"
    log "sustained results in $RESDIR"
}
