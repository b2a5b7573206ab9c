import Foundation
import Synchronization
import Testing
@testable import capd

/// Counts other modules keep themselves (listener and relay atomics, the store's snapshot), copied into the
/// swift-prometheus registry at every scrape (`ScrapeCopy`).
@Suite("Metric sources copied in at scrape time")
struct MetricSourcesTests {
    @Test("a counter read from a source equals the source at every scrape and never goes down")
    func counterFollowsSource() throws {
        let exporter = MetricsExporter()
        let source = ExternalCount()
        exporter.counter("capd_sent_total", help: "h").bind { Double(source.value) }
        var previous = -1.0
        for (round, step) in [0, 40, 2, 0, 0, 1_000_000, 7, 3].enumerated() {
            source.add(step)
            // Every third round through the stats path (`capd ctl stats`), which runs the same copy step.
            let shown: Double?
            if round % 3 == 2 {
                shown = exporter.stats().first { $0.name == "capd_sent_total" }?.value
            } else {
                shown = try ExpositionSamples(exporter.exposition()).value("capd_sent_total")
            }
            #expect(shown == Double(source.value), "round \(round)")
            #expect((shown ?? -2) >= previous, "round \(round): went down")
            previous = shown ?? -2
        }
        #expect(exporter.exposition().contains("capd_sent_total 1000052\n"))   // whole increases stay integers
    }

    @Test("a fractional counter source (seconds) is copied exactly")
    func fractionalSource() throws {
        let exporter = MetricsExporter()
        let seconds = Locked(0.25)
        exporter.counter("capd_wait_seconds_total", help: "h").bind { seconds.withLock { $0 } }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_wait_seconds_total") == 0.25)
        seconds.withLock { $0 = 1.75 }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_wait_seconds_total") == 1.75)
    }

    @Test("concurrent scrapes never add the same increase twice: each shows exactly the value its copy read")
    func concurrentScrapesDoNotDoubleCount() throws {
        let exporter = MetricsExporter()
        let source = ExternalCount()
        // Each read advances the source by one and then takes a while, so unserialized copies would overlap:
        // two copies computing their increase from the same last value add it twice (or reset the series).
        exporter.counterFamily("capd_relay_sent_total", help: "h", labels: ["target"]).collect {
            source.add(1)
            let value = source.value
            usleep(200)
            return [(labels: ["central"], value: Double(value))]
        }
        let shown = Locked<[Double]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<40 {
                let value = (try? ExpositionSamples(exporter.exposition()).value("capd_relay_sent_total{target=\"central\"}")) ?? -1
                shown.withLock { $0.append(value) }
            }
        }
        // Copy and emit are one step: the 320 scrapes showed 1, 2, ..., 320, each once.
        let values = shown.withLock { $0 }
        let missing = Set((1...(8 * 40)).map(Double.init)).subtracting(values).sorted()
        let twice = Dictionary(grouping: values) { $0 }.filter { $0.value.count > 1 }.keys.sorted()
        #expect(source.value == 8 * 40)
        #expect(values.count == 8 * 40)
        #expect(missing.isEmpty && twice.isEmpty, "never shown: \(missing.prefix(10)), shown twice: \(twice.prefix(10))")
    }

    @Test("a source that goes back (its owner was recreated) resets the series to the new value")
    func sourceReset() throws {
        let exporter = MetricsExporter()
        let value = Locked(50.0)
        exporter.counterFamily("capd_member_transitions_total", help: "h", labels: ["member"]).collect {
            [(labels: ["a"], value: value.withLock { $0 })]
        }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_member_transitions_total{member=\"a\"}") == 50)
        value.withLock { $0 = 3 }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_member_transitions_total{member=\"a\"}") == 3)
        value.withLock { $0 = 5 }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_member_transitions_total{member=\"a\"}") == 5)
    }

    @Test("run-time label sets: added as they appear, removed when the source stops reporting them, duplicates summed")
    func collectedLabelSets() throws {
        let metrics = CapdMetrics()
        metrics.drops.labels("rule").increment(by: Int64(3))
        let storeDrops = Locked<[String: Int]>(["store_spool_full": 10, "store_closed": 2])
        metrics.drops.collect {
            storeDrops.withLock { drops in drops.keys.sorted().map { (labels: [$0], value: Double(drops[$0] ?? 0)) } }
        }
        var samples = try ExpositionSamples(metrics.exporter.exposition())
        #expect(samples.value("capd_drops_total{reason=\"rule\"}") == 3)
        #expect(samples.value("capd_drops_total{reason=\"store_spool_full\"}") == 10)
        #expect(samples.value("capd_drops_total{reason=\"store_closed\"}") == 2)
        storeDrops.withLock { $0 = ["store_closed": 5] }
        samples = try ExpositionSamples(metrics.exporter.exposition())
        #expect(samples.value("capd_drops_total{reason=\"store_closed\"}") == 5)
        #expect(samples.value("capd_drops_total{reason=\"store_spool_full\"}") == nil)
        #expect(samples.value("capd_drops_total{reason=\"rule\"}") == 3)   // capd's own children stay

        let exporter = MetricsExporter()
        exporter.gaugeFamily("capd_open", help: "h", labels: ["listener"]).collect {
            [(labels: ["tls://a"], value: 2), (labels: ["tls://a"], value: 3), (labels: ["tcp://b"], value: 1)]
        }
        samples = try ExpositionSamples(exporter.exposition())
        #expect(samples.value("capd_open{listener=\"tls://a\"}") == 5)
        #expect(samples.value("capd_open{listener=\"tcp://b\"}") == 1)
    }

    @Test("the store's drop reasons cannot collide with the pipeline's (the copy owns its series)")
    func dropReasonsDisjoint() {
        for reason in PacketDropReason.allCases { #expect(!reason.rawValue.hasPrefix("store_")) }
    }

    @Test("binding a family again replaces its source and its series: nothing from the old one is added")
    func rebind() throws {
        let exporter = MetricsExporter()
        let family = exporter.counterFamily("capd_rows_stored_total", help: "h", labels: ["table"])
        family.collect { [(labels: ["sip_capture"], value: 10), (labels: ["old"], value: 1)] }
        #expect(try ExpositionSamples(exporter.exposition()).value("capd_rows_stored_total{table=\"sip_capture\"}") == 10)
        family.collect { [(labels: ["sip_capture"], value: 4)] }
        let samples = try ExpositionSamples(exporter.exposition())
        #expect(samples.value("capd_rows_stored_total{table=\"sip_capture\"}") == 4)
        #expect(samples.value("capd_rows_stored_total{table=\"old\"}") == nil)
    }

    @Test("a bound histogram reports the source's buckets, sum and count")
    func boundHistogram() throws {
        let metrics = CapdMetrics()
        metrics.flushLatency.bind {
            HistogramSnapshot(upperBounds: [0.01, 0.1], cumulativeCounts: [4, 6, 7], sum: 1.25)
        }
        let samples = try ExpositionSamples(metrics.exporter.exposition())
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.01\"}") == 4)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"0.1\"}") == 6)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"+Inf\"}") == 7)
        #expect(samples.value("capd_store_flush_seconds_sum") == 1.25)
        #expect(samples.value("capd_store_flush_seconds_count") == 7)
        #expect(samples.value("capd_store_flush_seconds_bucket{le=\"1\"}") == nil)
    }
}

/// Stands in for another module's atomic counter.
final class ExternalCount: Sendable {
    private let storage = Atomic<Int>(0)
    func add(_ amount: Int) { storage.wrappingAdd(amount, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}
