#!/usr/bin/env bash
# `capd calls` search over a 10 M-row SQLite homer5 table (issue 11: "a search over a 10 M-row table answers in
# under a second"). One sip_capture of SEARCH_CALLS calls × 10 messages (INVITE 100 180 183 200 ACK UPDATE 200 BYE
# 200), one call every 0.864 s from 2026-01-01 00:00 UTC (10 days for 1 M calls), 5 000 From users, 7 000 To
# users, in a file whose schema capd created (its own indexes). Filled with one INSERT … SELECT (recursive CTE).
# Each search is the whole `capd calls` process (start, config, open, query, print), run twice: cold then warm.
#   SEARCH_CALLS [1000000]  SEARCH_DIR [.build/bench/calls-search]  SEARCH_KEEP [0] (1: keep the 2+ GB file)
#   SEARCH_CAPD [.build/release/capd]  SEARCH_DROP_INDEXES [""] (index names dropped before the fill, to time
#   the fill without them)
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS="${SEARCH_CALLS:-1000000}"
DIR="${SEARCH_DIR:-.build/bench/calls-search}"
CAPD="${SEARCH_CAPD:-.build/release/capd}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
DB="$DIR/capd.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
log() { echo "calls-search: $*" >&2; }
[ "${SEARCH_KEEP:-0}" = 1 ] || trap 'rm -f "$DB" "$DB-wal" "$DB-shm"' EXIT

cat >"$DIR/capd.yaml" <<YAML
store: { url: "sqlite://$DB", schema: homer5 }
hep_route: none
YAML
# The schema exactly as capd applies it: `capd calls` opens the store read-only, so let `capd replay` of an
# empty input create the file.
"$CAPD" replay -c "$DIR/capd.yaml" /dev/null >/dev/null 2>&1 || true
if ! sqlite3 "$DB" "SELECT 1 FROM sip_capture LIMIT 1" >/dev/null 2>&1; then
    log "capd did not create the schema; using sql/sqlite/homer5.sql"
    sqlite3 "$DB" <sql/sqlite/homer5.sql
fi
for index in ${SEARCH_DROP_INDEXES:-}; do sqlite3 "$DB" "DROP INDEX IF EXISTS $index"; done
log "indexes: $(sqlite3 "$DB" "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sip_capture'")"
t0=$(date +%s.%N)
sqlite3 "$DB" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
INSERT INTO sip_capture (date, micro_ts, method, reply_reason, from_user, to_user, callid, cseq, source_ip,
                         source_port, destination_ip, destination_port, node, msg)
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $CALLS - 1),
m(k, method, cseq) AS (VALUES (0, 'INVITE', '1 INVITE'), (1, '100', '1 INVITE'), (2, '180', '1 INVITE'),
                              (3, '183', '1 INVITE'), (4, '200', '1 INVITE'), (5, 'ACK', '1 ACK'),
                              (6, 'UPDATE', '2 UPDATE'), (7, '200', '2 UPDATE'), (8, 'BYE', '3 BYE'), (9, '200', '3 BYE'))
SELECT strftime('%Y-%m-%d %H:%M:%f', (1767225600000 + i * 864 + k * 10) / 1000.0, 'unixepoch') || '000',
       (1767225600000 + i * 864 + k * 10) * 1000, method, '', 'u' || (i % 5000), 'v' || (i % 7000),
       'call-' || i || '@bench', cseq, '10.0.0.1', 5060, '10.0.0.2', 5060, 'n1', x'00'
FROM c, m ORDER BY i, k;
PRAGMA wal_checkpoint(TRUNCATE);
SQL

t1=$(date +%s.%N)
rows=$(sqlite3 "$DB" "SELECT count(*) FROM sip_capture")
size=$(du -m "$DB" | cut -f1)
log "filled: $rows rows, $size MB, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s"

search() {
    local label=$1; shift
    local s1 s2 n
    s1=$( { /usr/bin/time -f %e "$CAPD" calls list -c "$DIR/capd.yaml" "$@" >"$DIR/out.txt"; } 2>&1 | tail -1) || true
    s2=$( { /usr/bin/time -f %e "$CAPD" calls list -c "$DIR/capd.yaml" "$@" >"$DIR/out.txt"; } 2>&1 | tail -1) || true
    n=$(grep -c '@bench' "$DIR/out.txt" || true)
    echo "| \`$label\` | $n | $s1 s | $s2 s |"
}
last=$(( CALLS - 1 ))
{
    echo "# capd calls over $rows rows of SQLite homer5 ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), $size MB file)"
    echo
    echo "| search | calls listed | first run | second run |"
    echo "|---|---|---|---|"
    search "--from 2026-01-05T12:00:00Z --to 2026-01-05T13:00:00Z" --from 2026-01-05T12:00:00Z --to 2026-01-05T13:00:00Z
    search "--call-id call-$((CALLS / 2))@bench" --call-id "call-$((CALLS / 2))@bench"
    search "1 h window --from-user u123" --from 2026-01-05T12:00:00Z --to 2026-01-05T13:00:00Z --from-user u123
    search "1 day --status 180 --limit 1000" --from 2026-01-05 --to 2026-01-06 --status 180 --limit 1000
    search "10 days --to-user v77 --limit 1000" --from 2026-01-01 --to 2026-01-11 --to-user v77 --limit 1000
    search "10 days --from-user u4321 --limit 1000" --from 2026-01-01 --to 2026-01-11 --from-user u4321 --limit 1000
} | tee "$DIR/result.md"
