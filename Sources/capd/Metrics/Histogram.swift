import Synchronization

/// A histogram with fixed upper bounds. Observing is a linear scan of the (few) bounds plus two atomic
/// operations; the cumulative `_bucket` series are computed at scrape time.
final class Histogram: Sendable {
    /// Sorted, finite upper bounds; the implicit `+Inf` bucket follows them.
    let upperBounds: [Double]
    private let cells: [AtomicCell]      // upperBounds.count + 1 (last = +Inf)
    private let sumBits = Atomic<UInt64>(0.0.bitPattern)
    private let source = Mutex<HistogramSource?>(nil)

    init(upperBounds: [Double]) {
        let bounds = Array(Set(upperBounds.filter { $0.isFinite })).sorted()
        self.upperBounds = bounds
        self.cells = (0...bounds.count).map { _ in AtomicCell() }
    }

    /// Counts `value` (NaN is ignored: it would poison the sum).
    func observe(_ value: Double) {
        guard !value.isNaN else { return }
        var index = upperBounds.count
        for (i, bound) in upperBounds.enumerated() where value <= bound {
            index = i
            break
        }
        cells[index].value.wrappingAdd(1, ordering: .relaxed)
        var old = sumBits.load(ordering: .relaxed)
        while true {
            let new = (Double(bitPattern: old) + value).bitPattern
            let (exchanged, original) = sumBits.compareExchange(
                expected: old, desired: new, ordering: .relaxed)
            if exchanged { break }
            old = original
        }
    }

    /// Observes the seconds elapsed since `start` (a `ContinuousClock` instant).
    func observe(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        observe(Double(seconds) + Double(attoseconds) / 1e18)
    }

    var sum: Double { Double(bitPattern: sumBits.load(ordering: .relaxed)) }

    /// Reports `read()` at every scrape instead of this histogram's own observations: for a histogram
    /// another module keeps (the store's flush latency), with that module's bucket bounds.
    func bind(_ read: @escaping @Sendable () -> HistogramSnapshot) {
        source.withLock { $0 = HistogramSource(read: read) }
    }

    /// What the exposition reports: the bound source, or this histogram's own observations.
    var snapshot: HistogramSnapshot {
        if let bound = source.withLock({ $0 }) { return bound.read() }
        var cumulative: [Int] = []
        var running = 0
        for count in bucketCounts {
            running += count
            cumulative.append(running)
        }
        return HistogramSnapshot(upperBounds: upperBounds, cumulativeCounts: cumulative, sum: sum)
    }

    /// Per-bucket (non-cumulative) counts, the last one being the `+Inf` bucket.
    var bucketCounts: [Int] { cells.map { $0.value.load(ordering: .relaxed) } }

    var count: Int { bucketCounts.reduce(0, +) }
}

final class AtomicCell: Sendable {
    let value = Atomic<Int>(0)
}

/// A histogram's state in exposition form.
struct HistogramSnapshot: Equatable, Sendable {
    /// Finite upper bounds, ascending.
    var upperBounds: [Double]
    /// Cumulative counts: one per bound, then the `+Inf` bucket (= the total count).
    var cumulativeCounts: [Int]
    var sum: Double

    init(upperBounds: [Double], cumulativeCounts: [Int], sum: Double) {
        self.upperBounds = upperBounds
        self.cumulativeCounts = cumulativeCounts
        self.sum = sum
    }

    /// The total count: the `+Inf` bucket.
    var count: Int { cumulativeCounts.last ?? 0 }
}

extension Histogram: MetricChild {
    static var typeName: String { "histogram" }

    var scalarValue: Double? { nil }

    func appendSamples(to out: inout String, name: String, labels: LabelSet) {
        let state = snapshot
        for (i, bound) in state.upperBounds.enumerated() {
            let count = i < state.cumulativeCounts.count ? state.cumulativeCounts[i] : state.count
            MetricText.appendSample(
                to: &out, name: name + "_bucket", labels: labels.appending("le", MetricText.format(bound)),
                value: Double(count))
        }
        MetricText.appendSample(
            to: &out, name: name + "_bucket", labels: labels.appending("le", "+Inf"), value: Double(state.count))
        MetricText.appendSample(to: &out, name: name + "_sum", labels: labels, value: state.sum)
        MetricText.appendSample(to: &out, name: name + "_count", labels: labels, value: Double(state.count))
    }

    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)] {
        let state = snapshot
        return [
            (MetricText.sampleKey(name: name + "_count", labels: labels), Double(state.count)),
            (MetricText.sampleKey(name: name + "_sum", labels: labels), state.sum),
        ]
    }
}
