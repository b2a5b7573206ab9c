import Prometheus

/// One counter family (name, help text, label names) in the exporter's swift-prometheus registry.
///
/// Counted by capd: `labels(...)` returns the swift-prometheus `Counter` of one label set; look it up once
/// and keep it (the lookup takes the registry's lock; `increment()` is one relaxed atomic add).
/// Counted by another module: `collect` (label sets known at run time) or `bind` (no labels) installs a
/// source that every scrape copies in (`CounterCopy`). A family's collected label sets must differ from the
/// ones capd counts itself: the copy owns its children (it resets and removes them with its source).
struct CounterFamily: Sendable {
    let exporter: MetricsExporter
    let name: String
    let help: String
    let labelNames: [String]

    /// The child for these label values, matched to `labelNames` by position (missing values are empty
    /// strings, surplus values are ignored); created on first use.
    func labels(_ values: String...) -> Counter { labels(values) }

    func labels(_ values: [String]) -> Counter {
        exporter.prometheus.makeCounter(descriptor: descriptor, labels: labelPairs(labelNames, values))
    }

    func unregister(_ child: Counter) { exporter.prometheus.unregisterCounter(child) }

    /// Series read from `samples` at every scrape (replaces an earlier source of this family).
    func collect(_ samples: @escaping @Sendable () -> [MetricSample]) {
        exporter.install(CounterCopy(family: self, read: samples))
    }

    /// The one series of a family without labels, read from `value` at every scrape.
    func bind(_ value: @escaping @Sendable () -> Double) {
        collect { [(labels: [], value: value())] }
    }

    var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}

/// One gauge family in the exporter's swift-prometheus registry: set by capd (`labels(...).set(to:)`), or
/// read from another module at every scrape (`collect`, `bind`).
struct GaugeFamily: Sendable {
    let exporter: MetricsExporter
    let name: String
    let help: String
    let labelNames: [String]

    func labels(_ values: String...) -> Gauge { labels(values) }

    func labels(_ values: [String]) -> Gauge {
        exporter.prometheus.makeGauge(descriptor: descriptor, labels: labelPairs(labelNames, values))
    }

    func unregister(_ child: Gauge) { exporter.prometheus.unregisterGauge(child) }

    func collect(_ samples: @escaping @Sendable () -> [MetricSample]) {
        exporter.install(GaugeCopy(family: self, read: samples))
    }

    func bind(_ value: @escaping @Sendable () -> Double) {
        collect { [(labels: [], value: value())] }
    }

    var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}

/// A series read from another module at scrape time: label values (by position) and value.
typealias MetricSample = (labels: [String], value: Double)

/// Label values padded with empty strings (or cut) to the family's label names.
func normalizedLabelValues(_ values: [String], count: Int) -> [String] {
    var key = Array(values.prefix(count))
    while key.count < count { key.append("") }
    return key
}

private func labelPairs(_ names: [String], _ values: [String]) -> [(String, String)] {
    Array(zip(names, normalizedLabelValues(values, count: names.count)))
}
