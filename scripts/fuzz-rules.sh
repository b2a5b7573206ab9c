#!/bin/sh
# libFuzzer run of the configuration loader (Fuzz/rules-config.swift), swiftc recipe of BUILD-NOTES:
# the Rules sources are compiled into the fuzzer binary, libyaml and libpcap linked.
#   scripts/fuzz-rules.sh [RUNS]   (default 1000000; bounded by count and by -max_total_time)
set -eu
cd "$(dirname "$0")/.."
RUNS="${1:-1000000}"
OUT=.build-fuzz/rules
mkdir -p "$OUT/corpus"
SWIFTC="${SWIFTC:-swiftc}"
if [ ! -x "$OUT/fuzz-rules-config" ] || [ -n "$(find Sources/Rules Sources/HEP Fuzz/rules-config.swift -newer "$OUT/fuzz-rules-config" 2>/dev/null | head -1)" ]; then
    # Rules imports HEP (header names): HEP is built as its own module first, instrumented the same way.
    ROOT="$(pwd)"
    HEP_SOURCES="$(find "$ROOT/Sources/HEP" -name '*.swift' | sort)"
    (cd "$OUT" && "$SWIFTC" -parse-as-library -O -sanitize=address -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
        -module-name HEP -emit-module -emit-library -static -I "$ROOT/Sources/CZlib" $HEP_SOURCES)
    "$SWIFTC" -parse-as-library -sanitize=fuzzer,address -O -g \
        -module-name RulesFuzz \
        -I Sources/CLibYAML -I Sources/CLibPcap -I Sources/CZlib -I "$OUT" -L "$OUT" \
        $(find Sources/Rules -name '*.swift' | sort) Fuzz/rules-config.swift \
        -lHEP -lyaml -lpcap -lz -o "$OUT/fuzz-rules-config"
fi
# Seeds: the shipped configurations and every yaml block of the docs.
cp rules/default.yaml rules/examples/*.yaml "$OUT/corpus/" 2>/dev/null || true
awk '/^```yaml/{n++; f=1; next} /^```/{f=0} f{print > ("'"$OUT"'/corpus/doc-" n ".yaml")}' docs/rules.md
cat > "$OUT/yaml.dict" <<'DICT'
"routes:"
"main:"
"when:"
"do:"
"lists:"
"include:"
"hep_route:"
"capture"
"report"
"relay"
"resume_sip"
"dedup"
"stop"
"drop"
"route:"
"set:"
"del:"
"chunk:"
"value:"
"type:"
"vendor:"
"sip.method"
"sip.header."
"hep.chunk.0x0011@3"
"hep.proto_type"
"src_ip"
"dst_port"
"net.src_ip"
"${sip.call_id}"
"prefix:"
"regex:"
"range:"
"cidr:"
"exists:"
"in:"
"all:"
"any:"
"not:"
"gt:"
"%Y%m%d"
"10.0.0.0/8"
"2001:db8::/32"
"5060-5090"
DICT
exec "$OUT/fuzz-rules-config" -runs="$RUNS" -max_len=4096 -max_total_time=2700 -dict="$OUT/yaml.dict" \
    -print_final_stats=1 "$OUT/corpus"
