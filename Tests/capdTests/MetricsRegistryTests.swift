import Testing
@testable import capd

@Suite("Metrics registry and text exposition 0.0.4")
struct MetricsRegistryTests {
    @Test("counters render HELP, TYPE and one line per label set, in creation order")
    func countersRender() throws {
        let registry = MetricsRegistry()
        let family = try registry.counterFamily("capd_test_total", help: "Test counter.", labels: ["listener", "version"])
        family.labels("udp://127.0.0.1:9060", "3").increment(by: 5)
        family.labels("tcp://127.0.0.1:9060", "3").increment()
        family.labels("udp://127.0.0.1:9060", "3").increment()
        #expect(registry.exposition() == """
            # HELP capd_test_total Test counter.
            # TYPE capd_test_total counter
            capd_test_total{listener="udp://127.0.0.1:9060",version="3"} 6
            capd_test_total{listener="tcp://127.0.0.1:9060",version="3"} 1

            """)
    }

    @Test("a looked-up child is the same object, so caching it keeps counting into the same series")
    func childIsCached() throws {
        let registry = MetricsRegistry()
        let family = try registry.counterFamily("capd_cached_total", help: "h", labels: ["reason"])
        let viaArray = family.labels(["other"])
        #expect(family.labels("other") === viaArray)
        let first = family.labels("truncated")
        let second = family.labels("truncated")
        #expect(first === second)
        #expect(family.labels(["truncated"]) === first)     // array path and single-value path agree
        #expect(family.labels("other") !== first)
        first.increment(by: 2)
        #expect(second.value == 2)
    }

    @Test("label values escape backslash, quote and newline; help escapes backslash and newline")
    func escaping() throws {
        let registry = MetricsRegistry()
        let family = try registry.counterFamily("capd_escape_total", help: "a \\ b\nc \"q\"", labels: ["rule"])
        family.labels("we\"ird\\name\nx").increment()
        let text = registry.exposition()
        #expect(text.contains("# HELP capd_escape_total a \\\\ b\\nc \"q\"\n"))
        #expect(text.contains("capd_escape_total{rule=\"we\\\"ird\\\\name\\nx\"} 1\n"))
    }

    @Test("histograms expose cumulative buckets, +Inf, _sum and _count")
    func histogram() throws {
        let registry = MetricsRegistry()
        let histogram = try registry.histogram("capd_latency_seconds", help: "h", buckets: [0.01, 0.1, 1])
        for value in [0.005, 0.05, 0.05, 0.5, 7.0] { histogram.observe(value) }
        #expect(registry.exposition() == """
            # HELP capd_latency_seconds h
            # TYPE capd_latency_seconds histogram
            capd_latency_seconds_bucket{le="0.01"} 1
            capd_latency_seconds_bucket{le="0.1"} 3
            capd_latency_seconds_bucket{le="1"} 4
            capd_latency_seconds_bucket{le="+Inf"} 5
            capd_latency_seconds_sum 7.605
            capd_latency_seconds_count 5

            """)
    }

    @Test("labelled histograms put le after the family's labels")
    func labelledHistogram() throws {
        let registry = MetricsRegistry()
        let family = try registry.histogramFamily("capd_h_seconds", help: "h", labels: ["store"], buckets: [1])
        family.labels("pg").observe(2)
        let text = registry.exposition()
        #expect(text.contains("capd_h_seconds_bucket{store=\"pg\",le=\"1\"} 0\n"))
        #expect(text.contains("capd_h_seconds_bucket{store=\"pg\",le=\"+Inf\"} 1\n"))
        #expect(text.contains("capd_h_seconds_count{store=\"pg\"} 1\n"))
    }

    @Test("gauges report the stored value, or the bound callback at scrape time")
    func gauges() throws {
        let registry = MetricsRegistry()
        let gauge = try registry.gauge("capd_depth", help: "h")
        gauge.set(7)
        gauge.add(-2)
        #expect(registry.exposition().contains("capd_depth 5\n"))
        let box = CounterBox()
        gauge.bind { Double(box.next()) }
        #expect(registry.exposition().contains("capd_depth 1\n"))
        #expect(registry.exposition().contains("capd_depth 2\n"))
        gauge.unbind()
        #expect(registry.exposition().contains("capd_depth 5\n"))
    }

    @Test("registration refuses bad names, missing prefix, bad labels and duplicates")
    func registrationErrors() throws {
        let registry = MetricsRegistry()
        #expect(throws: MetricsError.invalidMetricName("capd-bad")) { try registry.counter("capd-bad", help: "") }
        #expect(throws: MetricsError.missingPrefix(name: "other_total", prefix: "capd_")) {
            try registry.counter("other_total", help: "")
        }
        #expect(throws: MetricsError.invalidLabelName(metric: "capd_x", label: "le")) {
            try registry.histogramFamily("capd_x", help: "", labels: ["le"], buckets: [1])
        }
        #expect(throws: MetricsError.invalidLabelName(metric: "capd_y", label: "__y")) {
            try registry.counterFamily("capd_y", help: "", labels: ["__y"])
        }
        _ = try registry.counter("capd_once_total", help: "")
        #expect(throws: MetricsError.duplicateFamily("capd_once_total")) {
            try registry.gauge("capd_once_total", help: "")
        }
    }

    @Test("number formatting: integers without fraction, special values as Prometheus spells them")
    func numbers() {
        #expect(MetricText.format(3) == "3")
        #expect(MetricText.format(-4) == "-4")
        #expect(MetricText.format(0.25) == "0.25")
        #expect(MetricText.format(.infinity) == "+Inf")
        #expect(MetricText.format(-.infinity) == "-Inf")
        #expect(MetricText.format(.nan) == "NaN")
    }

    @Test("concurrent increments from several threads all count")
    func concurrentIncrements() async throws {
        let registry = MetricsRegistry()
        let family = try registry.counterFamily("capd_concurrent_total", help: "h", labels: ["t"])
        let histogram = try registry.histogram("capd_concurrent_seconds", help: "h", buckets: [0.5])
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    let counter = family.labels("shared")
                    for _ in 0..<10_000 {
                        counter.increment()
                        histogram.observe(task.isMultiple(of: 2) ? 0.25 : 1)
                    }
                }
            }
        }
        #expect(family.labels("shared").value == 40_000)
        #expect(histogram.count == 40_000)
        #expect(histogram.bucketCounts == [20_000, 20_000])
        #expect(histogram.sum == 20_000 * 0.25 + 20_000 * 1)
    }

    @Test("CapdMetrics registers every DESIGN §6 family with the capd_ prefix")
    func capdFamilies() throws {
        let metrics = try CapdMetrics()
        metrics.packetsReceived.labels("udp://127.0.0.1:9060", "3").increment()
        metrics.decodeErrors.labels("truncated").increment()
        metrics.drops.labels("rule").increment()
        metrics.ruleMatches.labels("registrations").increment()
        metrics.rowsStored.labels("sip_capture").increment(by: 10)
        metrics.relaySent.labels("central").increment()
        metrics.relayFailed.labels("central").increment()
        metrics.flushLatency.observe(0.003)
        metrics.spoolBytes.set(4096)
        metrics.storeQueueDepth.bind { 12 }
        let captureSwitch = CaptureSwitch(enabled: false)
        captureSwitch.bind(to: metrics.captureEnabled)
        let samples = try ExpositionSamples(metrics.registry.exposition())
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
        captureSwitch.set(true)
        #expect(try ExpositionSamples(metrics.registry.exposition()).value("capd_capture_enabled") == 1)
        for type in samples.types.keys { #expect(type.hasPrefix("capd_")) }
        #expect(samples.types["capd_store_flush_seconds"] == "histogram")
        #expect(samples.types["capd_reloads_total"] == "counter")
        #expect(samples.types["capd_capture_enabled"] == "gauge")
    }
}

/// A thread-safe sequence 1, 2, 3, ... for callback gauges.
final class CounterBox: Sendable {
    private let counter = Counter()
    func next() -> Int {
        counter.increment()
        return counter.value
    }
}
