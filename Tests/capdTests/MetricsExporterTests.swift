import Testing
@testable import capd

@Suite("Metrics on swift-prometheus: families, children and the text exposition 0.0.4")
struct MetricsExporterTests {
    /// The sample lines of one family, as a set (swift-prometheus emits families and series in its own order).
    static func lines(_ text: String, family: String) -> Set<String> {
        Set(text.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }.map(String.init))
    }

    @Test("counters render HELP, TYPE and exactly one line per label set")
    func countersRender() throws {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_test_total", help: "Test counter.", labels: ["listener", "version"])
        family.labels("udp://127.0.0.1:9060", "3").increment(by: Int64(5))
        family.labels("tcp://127.0.0.1:9060", "3").increment()
        family.labels("udp://127.0.0.1:9060", "3").increment()
        let text = exporter.exposition()
        #expect(text.contains("# HELP capd_test_total Test counter.\n# TYPE capd_test_total counter\n"))
        #expect(Self.lines(text, family: "capd_test_total") == [
            "capd_test_total{listener=\"udp://127.0.0.1:9060\",version=\"3\"} 6",
            "capd_test_total{listener=\"tcp://127.0.0.1:9060\",version=\"3\"} 1",
        ])
        #expect(try ExpositionSamples(text).types == ["capd_test_total": "counter"])
    }

    @Test("a looked-up child is the same object, so caching it keeps counting into the same series")
    func childIsCached() {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_cached_total", help: "h", labels: ["reason"])
        let first = family.labels("truncated")
        #expect(family.labels("truncated") === first)
        #expect(family.labels(["truncated"]) === first)
        #expect(family.labels("other") !== first)
        first.increment(by: Int64(2))
        family.labels("truncated").increment()
        #expect(Self.lines(exporter.exposition(), family: "capd_cached_total").contains("capd_cached_total{reason=\"truncated\"} 3"))
    }

    @Test("label values escape backslash, quote and newline; help escapes backslash")
    func escaping() throws {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_escape_total", help: "a \\ b \"q\"", labels: ["rule"])
        family.labels("we\"ird\\name\nx").increment()
        let text = exporter.exposition()
        #expect(text.contains("# HELP capd_escape_total a \\\\ b \"q\"\n"))
        #expect(text.contains("capd_escape_total{rule=\"we\\\"ird\\\\name\\nx\"} 1\n"))
        _ = try ExpositionSamples(text)
    }

    @Test("missing label values are empty strings, surplus ones are ignored")
    func labelPadding() throws {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_pairs_total", help: "h", labels: ["a", "b"])
        family.labels("x").increment()
        family.labels("x", "y", "z").increment(by: Int64(2))
        let samples = try ExpositionSamples(exporter.exposition())
        #expect(samples.value("capd_pairs_total{a=\"x\",b=\"\"}") == 1)
        #expect(samples.value("capd_pairs_total{a=\"x\",b=\"y\"}") == 2)
    }

    @Test("gauges: set by capd, or read from a bound source at every scrape (a new bind replaces the old)")
    func gauges() throws {
        let exporter = MetricsExporter()
        let owned = exporter.gauge("capd_depth", help: "h").labels()
        owned.set(to: 7)
        owned.decrement(by: 2)
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_depth") == 5)
        let bound = exporter.gauge("capd_bound", help: "h")
        let box = CallCount()
        bound.bind { box.increment(); return Double(box.value) }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_bound") == 1)
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_bound") == 2)
        bound.bind { 40 }
        let samples = try ExpositionSamples(exporter.exposition())
        #expect(samples.value("capd_bound") == 40)
        #expect(samples.value("capd_depth") == 5)
        #expect(samples.types["capd_bound"] == "gauge")
    }

    @Test("the store's histogram: cumulative buckets with capd's le spelling, +Inf, _sum and _count")
    func snapshotHistogram() throws {
        let exporter = MetricsExporter()
        let histogram = exporter.histogram("capd_latency_seconds", help: "h", defaultBounds: [0.01, 0.1, 1])
        #expect(exporter.exposition() == """
            # HELP capd_latency_seconds h
            # TYPE capd_latency_seconds histogram
            capd_latency_seconds_bucket{le="0.01"} 0
            capd_latency_seconds_bucket{le="0.1"} 0
            capd_latency_seconds_bucket{le="1"} 0
            capd_latency_seconds_bucket{le="+Inf"} 0
            capd_latency_seconds_sum 0
            capd_latency_seconds_count 0

            """)
        histogram.bind { HistogramSnapshot(observing: [0.005, 0.05, 0.05, 0.5, 7.0], upperBounds: [0.01, 0.1, 1]) }
        #expect(exporter.exposition() == """
            # HELP capd_latency_seconds h
            # TYPE capd_latency_seconds histogram
            capd_latency_seconds_bucket{le="0.01"} 1
            capd_latency_seconds_bucket{le="0.1"} 3
            capd_latency_seconds_bucket{le="1"} 4
            capd_latency_seconds_bucket{le="+Inf"} 5
            capd_latency_seconds_sum 7.605
            capd_latency_seconds_count 5

            """)
        // Stats: _count and _sum, no buckets.
        #expect(exporter.stats().map(\.name) == ["capd_latency_seconds_count", "capd_latency_seconds_sum"])
    }

    @Test("stats lists every series of the exposition with its value, sorted, without histogram buckets")
    func stats() throws {
        let metrics = CapdMetrics()
        metrics.drops.labels("dedup").increment(by: Int64(3))
        metrics.spoolBytes.bind { 4096 }
        let text = metrics.exporter.exposition()
        let samples = try ExpositionSamples(text)
        let stats = metrics.exporter.stats()
        #expect(stats.map(\.name) == stats.map(\.name).sorted())
        let buckets = samples.samples.keys.filter { $0.hasPrefix("capd_store_flush_seconds_bucket") }
        #expect(buckets.count == CapdMetrics.flushLatencyBounds.count + 1)
        #expect(Set(stats.map(\.name)) == Set(samples.samples.keys).subtracting(buckets))
        for (name, value) in stats { #expect(samples.value(name) == value, "\(name)") }
        #expect(metrics.value("capd_drops_total{reason=\"dedup\"}") == 3)
        #expect(metrics.value("capd_spool_bytes") == 4096)
    }

    @Test("concurrent increments from several threads all count")
    func concurrentIncrements() async throws {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_concurrent_total", help: "h", labels: ["t"])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let counter = family.labels("shared")
                    for _ in 0..<10_000 { counter.increment() }
                }
            }
        }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_concurrent_total{t=\"shared\"}") == 40_000)
    }

    @Test("CapdMetrics declares every DESIGN §6 family with the capd_ prefix, types and values as counted")
    func capdFamilies() throws {
        let metrics = CapdMetrics()
        metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment()
        metrics.decodeErrors.labels("truncated").increment()
        metrics.drops.labels("rule").increment()
        metrics.ruleMatches.labels("registrations").increment()
        metrics.rowsStored.collect { [(labels: ["sip_capture"], value: 10)] }
        metrics.relaySent.labels("central").increment()
        metrics.relayFailed.labels("central").increment()
        metrics.flushLatency.bind { HistogramSnapshot(observing: [0.003], upperBounds: CapdMetrics.flushLatencyBounds) }
        metrics.spoolBytes.bind { 4096 }
        metrics.storeQueueDepth.bind { 12 }
        _ = metrics.reloadsOK
        let captureSwitch = CaptureSwitch(enabled: false)
        captureSwitch.bind(to: metrics.captureEnabled)
        let samples = try ExpositionSamples(metrics.exporter.exposition())
        #expect(samples.value("capd_packets_received_total{listener=\"udp://127.0.0.1:9060\",version=\"3\"}") == 1)
        #expect(samples.value("capd_decode_errors_total{reason=\"truncated\"}") == 1)
        #expect(samples.value("capd_drops_total{reason=\"rule\"}") == 1)
        #expect(samples.value("capd_rule_matches_total{rule=\"registrations\"}") == 1)
        #expect(samples.value("capd_rows_stored_total{table=\"sip_capture\"}") == 10)
        #expect(samples.value("capd_relay_sent_total{target=\"central\"}") == 1)
        #expect(samples.value("capd_relay_failed_total{target=\"central\"}") == 1)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.005\"}") == 1)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.0025\"}") == 0)
        #expect(samples.value("capd_store_flush_seconds_count") == 1)
        #expect(samples.value("capd_spool_bytes") == 4096)
        #expect(samples.value("capd_store_queue_depth") == 12)
        #expect(samples.value("capd_reloads_total{result=\"ok\"}") == 0)
        #expect(samples.value("capd_reloads_total{result=\"error\"}") == 0)
        #expect(samples.value("capd_capture_enabled") == 0)
        #expect(samples.helps["capd_drops_total"] == "Packets dropped, per reason.")
        #expect(samples.helps["capd_store_flush_seconds"] == "Time to write one batch to the database.")
        captureSwitch.set(true)
        #expect(try ExpositionSamples(metrics.exporter.exposition()).value("capd_capture_enabled") == 1)
        for type in samples.types.keys {
            #expect(type.hasPrefix("capd_"))
            #expect(type.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        }
        #expect(samples.types["capd_store_flush_seconds"] == "histogram")
        #expect(samples.types["capd_reloads_total"] == "counter")
        #expect(samples.types["capd_capture_enabled"] == "gauge")
    }

    @Test("the histogram's le values: integral bounds without a fraction, as before the move")
    func boundFormat() {
        #expect(SnapshotHistogram.format(1) == "1")
        #expect(SnapshotHistogram.format(10) == "10")
        #expect(SnapshotHistogram.format(0.0025) == "0.0025")
        #expect(SnapshotHistogram.format(2.5) == "2.5")
    }
}
