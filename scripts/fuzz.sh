#!/usr/bin/env bash
# Usage: scripts/fuzz.sh NAME RUNS
# Builds Fuzz/NAME.swift together with every Swift file under Sources/HEP (libFuzzer + AddressSanitizer) into
# .build-fuzz/NAME, seeds it from the spec examples and the raw HEP corpus (sip-* targets also from the SIP
# torture corpus), runs RUNS executions and prints
# the execution count. Extra arguments after RUNS go to libFuzzer (e.g. -max_total_time=600).
set -euo pipefail
name=${1:?usage: scripts/fuzz.sh NAME RUNS}
runs=${2:?usage: scripts/fuzz.sh NAME RUNS}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CAPD_SHARED:-$root/../shared}
out=$root/.build-fuzz
mkdir -p "$out/corpus-$name"

mapfile -t sources < <(find "$root/Sources/HEP" -name '*.swift' | sort)
swiftc -parse-as-library -O -sanitize=fuzzer,address -module-name HEPFuzz \
    -I "$root/Sources/CZlib" -lz \
    "$root/Fuzz/$name.swift" "${sources[@]}" -o "$out/$name" 2>&1 | { grep -v 'Cannot export local symbol' || true; }
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz $name: build failed" >&2; exit 1; }

seeds=()
dirs=("$shared/spec/examples" "$shared/corpus/hep/raw" "$root/Fuzz/seeds/$name")
# The SIP parser is seeded with the RFC 4475 / 5118 torture messages (SIP text, not HEP).
case "$name" in sip-*) dirs+=("$shared"/corpus/sip-torture/*/) ;; esac
for dir in "${dirs[@]}"; do
    [ -d "$dir" ] && seeds+=("$dir")
done
log=$out/$name.log
# libFuzzer writes new inputs to the first directory only; the seed folders are read-only.
"$out/$name" -runs="$runs" -max_len=65535 -rss_limit_mb=2048 -artifact_prefix="$out/$name-" "$@" \
    "$out/corpus-$name" "${seeds[@]}" 2>&1 | tee "$log" | grep -E '^#[0-9]+ +(INITED|DONE)|ERROR|SUMMARY' || true
status=${PIPESTATUS[0]}
executions=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
echo "fuzz $name: ${executions:-0} executions (exit $status, log $log)"
exit "$status"
