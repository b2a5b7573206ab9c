import Synchronization
import Testing
@testable import capd

/// Counts other modules keep themselves (listener and relay atomics, the store's snapshot), read at scrape.
@Suite("Metric sources read at scrape time")
struct MetricSourcesTests {
    @Test("a bound counter reports its own increments plus the source")
    func boundCounter() throws {
        let metrics = try CapdMetrics()
        let externalSent = ExternalCount()
        let central = metrics.relaySent.labels("central")
        central.bind { Double(externalSent.value) }
        externalSent.add(40)
        central.increment(by: 2)
        var samples = try ExpositionSamples(metrics.registry.exposition())
        #expect(samples.value("capd_relay_sent_total{target=\"central\"}") == 42)
        externalSent.add(8)
        samples = try ExpositionSamples(metrics.registry.exposition())
        #expect(samples.value("capd_relay_sent_total{target=\"central\"}") == 50)
        #expect(metrics.registry.snapshot().contains { $0.name == "capd_relay_sent_total{target=\"central\"}" && $0.value == 50 })
    }

    @Test("a family collector adds run-time label sets and merges with existing children")
    func familyCollector() throws {
        let metrics = try CapdMetrics()
        metrics.drops.labels("rule").increment(by: 3)
        metrics.drops.labels("spool_full").increment(by: 1)
        let storeDrops = Locked<[String: Int]>(["spool_full": 10, "closed": 2])
        metrics.drops.collect {
            storeDrops.withLock { drops in drops.keys.sorted().map { (labels: [$0], value: Double(drops[$0] ?? 0)) } }
        }
        let text = metrics.registry.exposition()
        let samples = try ExpositionSamples(text)
        #expect(samples.value("capd_drops_total{reason=\"rule\"}") == 3)
        #expect(samples.value("capd_drops_total{reason=\"spool_full\"}") == 11)
        #expect(samples.value("capd_drops_total{reason=\"closed\"}") == 2)
        // Each series once, children first, collected ones after.
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("capd_drops_total{") }
        #expect(lines == [
            "capd_drops_total{reason=\"rule\"} 3",
            "capd_drops_total{reason=\"spool_full\"} 11",
            "capd_drops_total{reason=\"closed\"} 2",
        ])
        storeDrops.withLock { $0["closed"] = 5 }
        #expect(try ExpositionSamples(metrics.registry.exposition()).value("capd_drops_total{reason=\"closed\"}") == 5)
    }

    @Test("a two-label collector fills missing label values with empty strings")
    func collectorLabels() throws {
        let registry = MetricsRegistry()
        let family = try registry.counterFamily("capd_pairs_total", help: "h", labels: ["a", "b"])
        family.collect { [(labels: ["x"], value: 1), (labels: ["x", "y", "z"], value: 2)] }
        let samples = try ExpositionSamples(registry.exposition())
        #expect(samples.value("capd_pairs_total{a=\"x\",b=\"\"}") == 1)
        #expect(samples.value("capd_pairs_total{a=\"x\",b=\"y\"}") == 2)
    }

    @Test("a bound histogram reports the source's buckets, sum and count")
    func boundHistogram() throws {
        let metrics = try CapdMetrics()
        metrics.flushLatency.observe(100)      // ignored once bound
        metrics.flushLatency.bind {
            HistogramSnapshot(upperBounds: [0.01, 0.1], cumulativeCounts: [4, 6, 7], sum: 1.25)
        }
        let text = metrics.registry.exposition()
        let samples = try ExpositionSamples(text)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.01\"}") == 4)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.1\"}") == 6)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"+Inf\"}") == 7)
        #expect(samples.value("capd_store_flush_seconds_sum") == 1.25)
        #expect(samples.value("capd_store_flush_seconds_count") == 7)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"1\"}") == nil)
    }

    @Test("an unbound histogram's snapshot is cumulative over its own observations")
    func ownSnapshot() throws {
        let histogram = Histogram(upperBounds: [1, 2])
        for value in [0.5, 1.5, 1.5, 3, .nan] { histogram.observe(value) }
        #expect(histogram.snapshot == HistogramSnapshot(upperBounds: [1, 2], cumulativeCounts: [1, 3, 4], sum: 6.5))
    }
}

/// Stands in for another module's atomic counter.
final class ExternalCount: Sendable {
    private let storage = Atomic<Int>(0)
    func add(_ amount: Int) { storage.wrappingAdd(amount, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}
