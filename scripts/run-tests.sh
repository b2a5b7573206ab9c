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
log=$(mktemp)
status=0
swift test "$@" 2>&1 | tee "$log" || status=$?
# A plain closing line from Swift Testing's summary ("Test run with N tests ... passed/failed ... with K issues").
summary=$(grep -E "Test run with [0-9]+ tests" "$log" | tail -n 1 || true)
total=$(sed -E 's/.*Test run with ([0-9]+) tests.*/\1/' <<<"$summary")
failed=$(grep -E "^✘ Test .* failed after" "$log" | grep -vc "^✘ Test run with" || true)
rm -f "$log"
if [[ -n "$summary" ]]; then
    echo "tests: $((total - failed)) passed, $failed failed"
fi
exit "$status"
