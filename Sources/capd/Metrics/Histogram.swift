import Synchronization

/// A histogram with fixed upper bounds. Observing is a linear scan of the (few) bounds plus two atomic
/// operations; the cumulative `_bucket` series are computed at scrape time.
final class Histogram: Sendable {
    /// Sorted, finite upper bounds; the implicit `+Inf` bucket follows them.
    let upperBounds: [Double]
    private let cells: [AtomicCell]      // upperBounds.count + 1 (last = +Inf)
    private let sumBits = Atomic<UInt64>(0.0.bitPattern)

    init(upperBounds: [Double]) {
        let bounds = Array(Set(upperBounds.filter { $0.isFinite })).sorted()
        self.upperBounds = bounds
        self.cells = (0...bounds.count).map { _ in AtomicCell() }
    }

    func observe(_ value: Double) {
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

    /// Per-bucket (non-cumulative) counts, the last one being the `+Inf` bucket.
    var bucketCounts: [Int] { cells.map { $0.value.load(ordering: .relaxed) } }

    var count: Int { bucketCounts.reduce(0, +) }
}

final class AtomicCell: Sendable {
    let value = Atomic<Int>(0)
}

extension Histogram: MetricChild {
    static var typeName: String { "histogram" }

    func appendSamples(to out: inout String, name: String, labels: LabelSet) {
        let counts = bucketCounts
        var cumulative = 0
        for (i, bound) in upperBounds.enumerated() {
            cumulative += counts[i]
            MetricText.appendSample(
                to: &out, name: name + "_bucket", labels: labels.appending("le", MetricText.format(bound)),
                value: Double(cumulative))
        }
        cumulative += counts.last ?? 0
        MetricText.appendSample(
            to: &out, name: name + "_bucket", labels: labels.appending("le", "+Inf"), value: Double(cumulative))
        MetricText.appendSample(to: &out, name: name + "_sum", labels: labels, value: sum)
        MetricText.appendSample(to: &out, name: name + "_count", labels: labels, value: Double(cumulative))
    }

    func statsSamples(name: String, labels: LabelSet) -> [(String, Double)] {
        [
            (MetricText.sampleKey(name: name + "_count", labels: labels), Double(count)),
            (MetricText.sampleKey(name: name + "_sum", labels: labels), sum),
        ]
    }
}
