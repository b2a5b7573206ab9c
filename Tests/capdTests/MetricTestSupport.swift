import Synchronization
@testable import capd

/// A thread-safe count for a test's own bookkeeping (callbacks run, reloads asked).
final class CallCount: Sendable {
    private let storage = Atomic<Int>(0)
    func increment() { storage.wrappingAdd(1, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}

extension CapdMetrics {
    /// The value of one series as a scrape shows it (`capd_reloads_total{result="ok"}`), nil when absent.
    func value(_ series: String) -> Double? {
        exporter.stats().first { $0.name == series }?.value
    }
}

extension HistogramSnapshot {
    /// What a histogram with these bounds holds after observing `values`.
    init(observing values: [Double], upperBounds: [Double]) {
        let counts = upperBounds.map { bound in values.count { $0 <= bound } } + [values.count]
        self.init(upperBounds: upperBounds, cumulativeCounts: counts, sum: values.reduce(0, +))
    }
}
