#!/usr/bin/env bash
# libFuzzer runs of the targets in Fuzz/ (swiftc recipe of BUILD-NOTES: the code under test compiled into the
# fuzzer, AddressSanitizer on).
#   scripts/fuzz.sh NAME RUNS [libFuzzer args...]   build .build-fuzz/NAME if its sources changed, run RUNS
#                                                   executions (also bounded by -max_total_time, default 2700 s)
#   scripts/fuzz.sh --build-only NAME               build only
#   scripts/fuzz.sh --smoke [RUNS] [SECONDS]        build every target and run each briefly (default 20 000
#                                                   executions or 15 s, whichever first); what `make test` runs
# FUZZ_ASAN=0 builds without AddressSanitizer (Swift's own bounds checks still trap): several times faster for
# targets that allocate a lot (admin-jsonrpc goes through Foundation's JSONDecoder); binaries are kept apart.
# Exit status: non-zero on a build failure or a crash (the crashing input is kept as .build-fuzz/NAME-crash-*).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${CAPD_SHARED:-$root/../shared}
out=$root/.build-fuzz
SWIFTC=${SWIFTC:-swiftc}
# Swift's own crash backtracer reads the crashed process's memory and trips AddressSanitizer, hiding the real
# report; libFuzzer prints the stack and keeps the input anyway.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
if [[ ${FUZZ_ASAN:-1} == 0 ]]; then
    sanitize=fuzzer suffix=-noasan libsan=(-sanitize=fuzzer)
else
    sanitize=fuzzer,address suffix= libsan=(-sanitize=address -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
fi
lib=$out/lib$suffix
mkdir -p "$out"

targets() { for f in "$root"/Fuzz/*.swift; do basename "$f" .swift; done; }

# Swift sources compiled into each fuzzer next to Fuzz/NAME.swift (the HEP targets link the HEP library).
sources_of() {
    case "$1" in
        rules-*) find "$root/Sources/Rules" -name '*.swift' | sort ;;
        admin-*) printf '%s\n' "$root"/Sources/capd/Admin/{JSONRPC,JSONValue,HTTPStatus}.swift ;;
        sip-*) printf '%s\n' "$root"/Sources/Store/Rows/{SIPCaptureRow,SIPCaptureRow+SIPMessage}.swift ;;
    esac
}

# Modules the fuzzers import (HEP, Tables), built once as instrumented static libraries.
build_module() {
    local module=$1; shift
    mkdir -p "$lib"
    if [[ -f $lib/lib$module.a && -z $(find "$root/Sources/$module" -newer "$lib/lib$module.a" -name '*.swift' | head -1) ]]; then
        return
    fi
    (cd "$lib" && "$SWIFTC" -parse-as-library -O "${libsan[@]}" \
        -module-name "$module" -emit-module -emit-library -static "$@" \
        $(find "$root/Sources/$module" -name '*.swift' | sort)) 2>&1 | { grep -v 'Cannot export local symbol' || true; }
    [[ ${PIPESTATUS[0]} -eq 0 ]]
}

build() {
    local name=$1 binary="$out/$1$suffix"
    local -a sources flags inputs
    mapfile -t sources < <(sources_of "$name")
    inputs=("$root/Fuzz/$name.swift" ${sources[@]+"${sources[@]}"})
    case "$name" in
        rules-*)
            build_module HEP -I "$root/Sources/CZlib" || return 1
            build_module Affinity || return 1
            build_module Tables -I "$lib" || return 1
            build_module TLS -I "$root/Sources/CLibSSL" || return 1
            inputs+=("$lib"/*.a)
            flags=(-I "$root/Sources/CLibYAML" -I "$root/Sources/CLibPcap" -I "$root/Sources/CZlib" -I "$root/Sources/CLibSSL"
                   -I "$lib" -L "$lib" -lHEP -lAffinity -lTables -lTLS -lyaml -lpcap -lz -lssl -lcrypto) ;;
        admin-*) flags=() ;;
        *)
            build_module HEP -I "$root/Sources/CZlib" || return 1
            inputs+=("$lib"/libHEP.a)
            flags=(-I "$root/Sources/CZlib" -I "$lib" -L "$lib" -lHEP -lz) ;;
    esac
    if [[ -x $binary && -z $(find "${inputs[@]}" -newer "$binary" 2>/dev/null | head -1) ]]; then
        return 0
    fi
    "$SWIFTC" -parse-as-library -O -g -sanitize="$sanitize" -module-name FuzzTarget "${flags[@]}" \
        "$root/Fuzz/$name.swift" ${sources[@]+"${sources[@]}"} -o "$binary" 2>&1 | { grep -v 'Cannot export local symbol' || true; }
    [[ ${PIPESTATUS[0]} -eq 0 ]] || { echo "fuzz $name: build failed" >&2; return 1; }
}

# Seed folders (read-only; libFuzzer adds new inputs to .build-fuzz/corpus-NAME only).
seeds_of() {
    local name=$1 seeds=$out/seeds-$name
    rm -rf "$seeds"; mkdir -p "$seeds"
    case "$name" in
        rules-*)
            cp "$root"/rules/default.yaml "$root"/rules/examples/*.yaml "$seeds/" 2>/dev/null || true
            awk '/^```yaml/{n++; f=1; next} /^```/{f=0} f{print > ("'"$seeds"'/doc-" n ".yaml")}' "$root/docs/rules.md" ;;
        sip-*) [[ -d $shared/corpus/sip-torture ]] && find "$shared/corpus/sip-torture" -type f -exec cp {} "$seeds/" \; ;;
        hep-*) for d in "$shared/spec/examples" "$shared/corpus/hep/raw"; do
                   [[ -d $d ]] && find "$d" -maxdepth 1 -type f -exec cp {} "$seeds/" \;
               done ;;
    esac
    [[ -d $root/Fuzz/seeds/$name ]] && cp "$root/Fuzz/seeds/$name"/* "$seeds/" 2>/dev/null
    echo "$seeds"
}

run() {
    local name=$1 runs=$2; shift 2
    build "$name" || return 1
    mkdir -p "$out/corpus-$name"
    local seeds dict=()
    seeds=$(seeds_of "$name")
    [[ -f $root/Fuzz/$name.dict ]] && dict=(-dict="$root/Fuzz/$name.dict")
    local log=$out/$name$suffix-$runs.log status=0
    "$out/$name$suffix" -runs="$runs" -max_total_time=2700 -max_len=65535 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$name-" "${dict[@]}" "$@" "$out/corpus-$name" "$seeds" >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+ +(INITED|DONE)|ERROR|SUMMARY|deadly signal' "$log" || true
    local executions seconds
    executions=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
    seconds=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -oE '[0-9]+ second' | grep -oE '[0-9]+' | tail -1)
    echo "fuzz $name: ${executions:-0} executions in ${seconds:-?} s (exit $status, log $log)"
    return "$status"
}

case "${1:-}" in
    --build-only) build "${2:?usage: scripts/fuzz.sh --build-only NAME}" ;;
    --smoke)
        runs=${2:-20000} seconds=${3:-15} failed=0
        for name in $(targets); do
            run "$name" "$runs" -max_total_time="$seconds" || { echo "fuzz $name: FAILED" >&2; failed=1; }
        done
        exit "$failed" ;;
    ""|-*) sed -n '2,9p' "$0" >&2; exit 2 ;;
    *) run "$1" "${2:?usage: scripts/fuzz.sh NAME RUNS}" "${@:3}" ;;
esac
