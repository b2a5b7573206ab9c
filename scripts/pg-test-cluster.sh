#!/usr/bin/env bash
# Throwaway PostgreSQL 15 cluster for the test suite and the store benchmark.
#   eval "$(scripts/pg-test-cluster.sh start)"   # exports CAPD_TEST_PG_URL, CAPD_TEST_PG_DATADIR, ...
#   scripts/pg-test-cluster.sh url               # prints the URL of the running cluster
#   scripts/pg-test-cluster.sh stop              # stops it and removes its directory
# The cluster lives in a temporary directory (recorded in $STATE), listens on a Unix socket in that
# directory and on 127.0.0.1:<free port>, trusts local connections, keeps fsync on.
set -euo pipefail

STATE="${CAPD_PG_STATE:-${TMPDIR:-/tmp}/capd-pg-test-cluster.state}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_binaries() {
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "pg-test-cluster: PostgreSQL binaries missing, installing postgresql" >&2
        if [ "$(id -u)" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
        else
            sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
        fi
    fi
    [ -x "$PGBIN/initdb" ] || { echo "pg-test-cluster: no initdb in $PGBIN" >&2; exit 1; }
}

free_port() {
    # Below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default): a port from
    # that range can be taken by some client's outgoing connection while a test has the server stopped, and
    # the restart then fails to bind.
    python3 - <<'PY' 2>/dev/null || echo $(( 20000 + RANDOM % 12000 ))
import random, socket
for _ in range(200):
    port = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
PY
}

print_env() {
    # shellcheck disable=SC1090
    . "$STATE"
    local url="postgresql://postgres@localhost:${PORT}/postgres?host=${DIR}"
    echo "export CAPD_TEST_PG_URL='${url}'"
    echo "export CAPD_TEST_PG_DATADIR='${DIR}/data'"
    echo "export CAPD_TEST_PG_BIN='${PGBIN}'"
    echo "export CAPD_TEST_PG_PORT='${PORT}'"
    echo "export CAPD_TEST_PG_SOCKDIR='${DIR}'"
    echo "export CAPD_TEST_PG_CTL='$(cd "$(dirname "$0")" && pwd)/pg-test-cluster.sh'"
}

start() {
    if [ -f "$STATE" ]; then
        # shellcheck disable=SC1090
        . "$STATE"
        if as_pg "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then print_env; return; fi
        rm -rf "$DIR"; rm -f "$STATE"
    fi
    ensure_binaries
    local dir port
    dir="$(mktemp -d "${TMPDIR:-/tmp}/capd-pg.XXXXXX")"
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    port="$(free_port)"
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    printf 'DIR=%q\nPORT=%q\n' "$dir" "$port" >"$STATE"
    server_start
    print_env
}

server_start() {
    # shellcheck disable=SC1090
    . "$STATE"
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=100" start >&2 \
        || { cat "$DIR/server.log" >&2; exit 1; }
}

server_stop() {
    # shellcheck disable=SC1090
    . "$STATE"
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
}

stop() {
    [ -f "$STATE" ] || return 0
    # shellcheck disable=SC1090
    . "$STATE"
    as_pg "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$DIR"; rm -f "$STATE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) [ -f "$STATE" ] || { echo "pg-test-cluster: not running" >&2; exit 1; }; print_env | sed -n "s/^export CAPD_TEST_PG_URL='\(.*\)'$/\1/p" ;;
    env) print_env ;;
    server-stop) server_stop ;;    # stop the server, keep the cluster (outage tests)
    server-start) server_start ;;  # start it again
    *) echo "usage: $0 start|stop|url|env|server-stop|server-start" >&2; exit 2 ;;
esac
