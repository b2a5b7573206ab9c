import Prometheus
import Synchronization

/// What `GET /metrics` and `capd ctl stats` show: swift-prometheus's `PrometheusCollectorRegistry` plus the
/// copy step for values other modules keep.
///
/// Counters and gauges capd updates itself are swift-prometheus `Counter`s and `Gauge`s in `prometheus`
/// (look a child up once with `CounterFamily.labels(...)` and keep it: an update is then one atomic add).
/// Values another module owns (the store's snapshot, listener and relay atomics, label sets only known at
/// run time) are installed as `ScrapeCopy`s; every scrape first copies them into the registry's counters and
/// gauges, then emits. Copy and emit run under one lock, so two scrapers at once cannot both add the same
/// increase to a counter. The store's flush-latency histogram is the one family rendered by capd itself
/// (`SnapshotHistogram`, appended after swift-prometheus's text): see its comment for why.
final class MetricsExporter: Sendable {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    let prometheus = PrometheusCollectorRegistry()
    private let scrape = Mutex(ScrapeState())

    private struct ScrapeState {
        /// Installed copies by family name: installing another copy for a name retires the earlier one.
        var copies: [String: any ScrapeCopy] = [:]
        var histograms: [String: SnapshotHistogram] = [:]
        /// The last scrape's text; cleared with its capacity kept, so the next one is written into one
        /// allocation of the right size (a fresh one when the caller still holds the last text).
        var buffer: [UInt8] = []
    }

    init() {}

    // MARK: Families

    func counterFamily(_ name: String, help: String, labels: [String]) -> CounterFamily {
        CounterFamily(exporter: self, name: name, help: help, labelNames: labels)
    }

    /// A counter without labels: count into `counter.labels()`, or read it from a source with `bind`.
    func counter(_ name: String, help: String) -> CounterFamily {
        counterFamily(name, help: help, labels: [])
    }

    func gaugeFamily(_ name: String, help: String, labels: [String]) -> GaugeFamily {
        GaugeFamily(exporter: self, name: name, help: help, labelNames: labels)
    }

    func gauge(_ name: String, help: String) -> GaugeFamily {
        gaugeFamily(name, help: help, labels: [])
    }

    /// A histogram another module keeps as cumulative bucket counts; rendered by capd (`SnapshotHistogram`).
    func histogram(_ name: String, help: String, defaultBounds: [Double]) -> SnapshotHistogram {
        let histogram = SnapshotHistogram(name: name, help: help, defaultBounds: defaultBounds)
        scrape.withLock { $0.histograms[name] = histogram }
        return histogram
    }

    /// Makes `copy` run before every scrape from now on, replacing (and retiring) an earlier copy of the same family.
    func install(_ copy: any ScrapeCopy) {
        scrape.withLock { state in
            state.copies[copy.familyName]?.retire()
            state.copies[copy.familyName] = copy
        }
    }

    // MARK: Scraping

    /// The exposition as UTF-8 bytes: copy step, then swift-prometheus's `emit(into:)`, then capd's histograms.
    func expositionBytes() -> [UInt8] {
        scrape.withLock { state in
            for copy in state.copies.values { copy.copy() }
            state.buffer.removeAll(keepingCapacity: true)
            prometheus.emit(into: &state.buffer)
            for name in state.histograms.keys.sorted() {
                state.histograms[name]?.emit(into: &state.buffer)
            }
            return state.buffer
        }
    }

    /// The exposition in the Prometheus text format 0.0.4.
    func exposition() -> String {
        String(decoding: expositionBytes(), as: UTF8.self)
    }

    /// Every series of the exposition as `name{labels}` → value, sorted by name (histograms as `_count` and
    /// `_sum`, no buckets), for `capd ctl stats`, the calls view's live panel and `capd replay`'s summary.
    func stats() -> [(name: String, value: Double)] {
        ExpositionStats.samples(expositionBytes())
    }
}
