import Synchronization

/// A monotonically increasing count. Incrementing is one relaxed atomic add. A counter kept by another
/// module (a listener's or relay's own atomics) can be bound as a source read at scrape time; the
/// reported value is then this counter's own increments plus the source.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    private let source = Mutex<ScalarSource?>(nil)

    init() {}

    @inline(__always)
    func increment(by amount: Int = 1) {
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    /// This counter's own increments (without a bound source).
    var value: Int { storage.load(ordering: .relaxed) }

    /// Adds `read()` to the reported value at every scrape from now on (replacing an earlier source).
    func bind(_ read: @escaping @Sendable () -> Double) {
        source.withLock { $0 = ScalarSource(read: read) }
    }

    /// What the exposition reports: own increments plus the bound source, if any.
    var reportedValue: Double {
        let read = source.withLock { $0 }
        return Double(value) + (read?.read() ?? 0)
    }
}

extension Counter: MetricChild {
    static var typeName: String { "counter" }

    var scalarValue: Double? { reportedValue }

    func appendSamples(to out: inout String, name: String, labels: LabelSet) {
        MetricText.appendSample(to: &out, name: name, labels: labels, value: reportedValue)
    }

    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)] {
        [(MetricText.sampleKey(name: name, labels: labels), reportedValue)]
    }
}
