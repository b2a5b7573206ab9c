import Synchronization

/// The families the daemon exposes on `GET /metrics`, rendered in registration order.
final class MetricsRegistry: Sendable {
    /// Every metric name must start with this, except the process metrics every Prometheus client exports
    /// under their standard names (`process_resident_memory_bytes`, ...).
    let prefix: String
    static let standardProcessPrefix = "process_"
    private let families = Mutex<[any RenderableFamily]>([])

    init(prefix: String = "capd_") {
        self.prefix = prefix
    }

    func counterFamily(_ name: String, help: String, labels: [String]) throws(MetricsError) -> MetricFamily<Counter> {
        try register(MetricFamily(name: name, help: help, labelNames: labels) { Counter() })
    }

    func counter(_ name: String, help: String) throws(MetricsError) -> Counter {
        try counterFamily(name, help: help, labels: []).labels()
    }

    func gaugeFamily(_ name: String, help: String, labels: [String]) throws(MetricsError) -> MetricFamily<Gauge> {
        try register(MetricFamily(name: name, help: help, labelNames: labels) { Gauge() })
    }

    func gauge(_ name: String, help: String) throws(MetricsError) -> Gauge {
        try gaugeFamily(name, help: help, labels: []).labels()
    }

    func histogramFamily(
        _ name: String, help: String, labels: [String], buckets: [Double]
    ) throws(MetricsError) -> MetricFamily<Histogram> {
        try register(MetricFamily(name: name, help: help, labelNames: labels) { Histogram(upperBounds: buckets) })
    }

    func histogram(_ name: String, help: String, buckets: [Double]) throws(MetricsError) -> Histogram {
        try histogramFamily(name, help: help, labels: [], buckets: buckets).labels()
    }

    private func register<Child>(_ family: MetricFamily<Child>) throws(MetricsError) -> MetricFamily<Child> {
        guard MetricText.isValidMetricName(family.name) else { throw .invalidMetricName(family.name) }
        guard family.name.hasPrefix(prefix) || family.name.hasPrefix(Self.standardProcessPrefix) else { throw .missingPrefix(name: family.name, prefix: prefix) }
        for label in family.labelNames where !MetricText.isValidLabelName(label) {
            throw .invalidLabelName(metric: family.name, label: label)
        }
        let duplicate = families.withLock { families -> Bool in
            if families.contains(where: { $0.name == family.name }) { return true }
            families.append(family)
            return false
        }
        if duplicate { throw .duplicateFamily(family.name) }
        return family
    }

    /// The whole registry in the Prometheus text format 0.0.4.
    func exposition() -> String {
        let all = families.withLock { $0 }
        var out = ""
        for family in all {
            family.appendExposition(to: &out)
        }
        return out
    }

    /// Every series as `name{labels}` → value (histograms as `_count` and `_sum`), for `capd ctl stats`.
    func snapshot() -> [(name: String, value: Double)] {
        let all = families.withLock { $0 }
        return all.flatMap { $0.statsSamples() }.map { (name: $0.0, value: $0.1) }
    }
}
