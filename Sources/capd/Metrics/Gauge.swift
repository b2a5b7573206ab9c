import Synchronization

/// A value that goes up and down: either set by the owner, or read from a callback at scrape time
/// (for example the store's queue depth). A bound callback takes precedence over the stored value.
final class Gauge: Sendable {
    private let storage = Atomic<Int>(0)
    private let source = Mutex<ScalarSource?>(nil)

    init() {}

    @inline(__always)
    func set(_ value: Int) { storage.store(value, ordering: .relaxed) }

    @inline(__always)
    func add(_ delta: Int) { storage.wrappingAdd(delta, ordering: .relaxed) }

    /// Reads the gauge from `read` at every scrape from now on.
    func bind(_ read: @escaping @Sendable () -> Double) {
        source.withLock { $0 = ScalarSource(read: read) }
    }

    /// Removes a bound callback; the stored value is reported again.
    func unbind() {
        source.withLock { $0 = nil }
    }

    var value: Double {
        // Copy the closure out so it never runs under the lock.
        if let bound = source.withLock({ $0 }) { return bound.read() }
        return Double(storage.load(ordering: .relaxed))
    }
}

extension Gauge: MetricChild {
    static var typeName: String { "gauge" }

    var scalarValue: Double? { value }

    func appendSamples(to out: inout String, name: String, labels: LabelSet) {
        MetricText.appendSample(to: &out, name: name, labels: labels, value: value)
    }

    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)] {
        [(MetricText.sampleKey(name: name, labels: labels), value)]
    }
}
