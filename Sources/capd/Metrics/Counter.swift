import Synchronization

/// A monotonically increasing count. Incrementing is one relaxed atomic add.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    init() {}

    @inline(__always)
    func increment(by amount: Int = 1) {
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    var value: Int { storage.load(ordering: .relaxed) }
}

extension Counter: MetricChild {
    static var typeName: String { "counter" }

    func appendSamples(to out: inout String, name: String, labels: LabelSet) {
        MetricText.appendSample(to: &out, name: name, labels: labels, value: Double(value))
    }

    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)] {
        [(MetricText.sampleKey(name: name, labels: labels), Double(value))]
    }
}
