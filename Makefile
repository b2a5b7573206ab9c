# capd — the two commands a newcomer needs:
#   make run    install missing Debian packages, build, run `capd run` on the embedded default
#   make test   install missing packages, start a throwaway PostgreSQL cluster, run every test
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT_BUILD_FLAGS ?=
RELEASE := .build/release/capd

.PHONY: run build release test bench soak fuzz check-examples clean

run: release
	$(RELEASE) run $(ARGS)

build:
	@scripts/setup.sh
	swift build $(SWIFT_BUILD_FLAGS)

release:
	@scripts/setup.sh
	swift build -c release --product capd $(SWIFT_BUILD_FLAGS)

# Runs the whole suite (XCTest + Swift Testing) against real components: a PostgreSQL 15 cluster
# started here for this run only (its URL reaches the tests as CAPD_TEST_PG_URL), real loopback
# sockets, libpcap on `lo`, and the captures in ../shared/corpus.
test:
	@scripts/setup.sh --test
	@scripts/run-tests.sh $(SWIFT_BUILD_FLAGS)

# Short runs + sustained runs (0.8 × C for 120 s, 2 × C for 40 s, C = the same-run COPY ceiling) into both
# stores, ~15 min; BENCH_SOAK=1 adds 10-minute soaks at 0.8 × C. See docs/performance.md.
bench:
	@scripts/setup.sh --test
	@scripts/bench.sh

# Fault soak (~12 min): 5 000 msg/s for 10 min into PostgreSQL restarted every minute, spool disk full once;
# prints a PASS/FAIL verdict (every row stored once, RSS flat). See docs/performance.md.
soak:
	@scripts/setup.sh --test
	@scripts/soak.sh

# Bounded libFuzzer runs of every fuzz target (RUNS executions each, at most 45 min each); `make test` runs
# each target briefly (scripts/fuzz.sh --smoke).
RUNS ?= 1000000
fuzz:
	@scripts/setup.sh
	@for t in Fuzz/*.swift; do scripts/fuzz.sh $$(basename $$t .swift) $(RUNS) || exit 1; done

clean:
	rm -rf .build .build-fuzz
