#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster, runs `swift test` with its URL, and always removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

eval "$(scripts/pg-test-cluster.sh start)"
trap 'scripts/pg-test-cluster.sh stop >/dev/null 2>&1 || true' EXIT
echo "tests: PostgreSQL at $CAPD_TEST_PG_URL" >&2

# The tests run the built executable as a process (`capd inspect`, `capd check`, `capd run`).
swift build "$@"
export CAPD_BINARY="$PWD/.build/debug/capd"
export CAPD_SHARED="${CAPD_SHARED:-$(cd .. && pwd)/shared}"
swift test "$@"
