import Synchronization

/// A histogram another module keeps as cumulative bucket counts and a sum (the store's flush latency),
/// rendered by capd itself after swift-prometheus's text.
///
/// Why not a swift-prometheus `Histogram`: it can only be fed single observations (`record(_:)` adds the
/// value to the sum and one to every bucket at or above it). The store counts its batches on its writer
/// threads in its own buckets and keeps the exact sum; copying bucket increases in would mean recording
/// made-up values, and `_sum` would no longer be the true total. The text is the format swift-prometheus
/// writes for a histogram, with capd's `le` spelling (`"1"`, not `"1.0"`, as before the move).
final class SnapshotHistogram: Sendable {
    let name: String
    let help: String
    /// Reported while no source is bound: all buckets zero.
    let defaultBounds: [Double]
    private let source = Mutex<HistogramSource?>(nil)

    init(name: String, help: String, defaultBounds: [Double]) {
        self.name = name
        self.help = help
        self.defaultBounds = defaultBounds
    }

    /// Reports `read()` at every scrape from now on.
    func bind(_ read: @escaping @Sendable () -> HistogramSnapshot) {
        source.withLock { $0 = HistogramSource(read: read) }
    }

    var snapshot: HistogramSnapshot {
        // The source is a class: taking it out of the lock never converts the closure inside.
        if let bound = source.withLock({ $0 }) { return bound.read() }
        return HistogramSnapshot(upperBounds: defaultBounds, cumulativeCounts: Array(repeating: 0, count: defaultBounds.count + 1),
                                 sum: 0)
    }

    func emit(into buffer: inout [UInt8]) {
        let state = snapshot
        buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) histogram\n".utf8)
        for (index, bound) in state.upperBounds.enumerated() {
            let count = index < state.cumulativeCounts.count ? state.cumulativeCounts[index] : state.count
            buffer.append(contentsOf: "\(name)_bucket{le=\"\(Self.format(bound))\"} \(count)\n".utf8)
        }
        buffer.append(contentsOf: "\(name)_bucket{le=\"+Inf\"} \(state.count)\n".utf8)
        buffer.append(contentsOf: "\(name)_sum \(Self.format(state.sum))\n".utf8)
        buffer.append(contentsOf: "\(name)_count \(state.count)\n".utf8)
    }

    /// Integral values without a fraction (`1`, not `1.0`).
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

/// The bound source of a `SnapshotHistogram`.
private final class HistogramSource: Sendable {
    let read: @Sendable () -> HistogramSnapshot
    init(read: @escaping @Sendable () -> HistogramSnapshot) { self.read = read }
}

/// A histogram's state in exposition form.
struct HistogramSnapshot: Equatable, Sendable {
    /// Finite upper bounds, ascending.
    var upperBounds: [Double]
    /// Cumulative counts: one per bound, then the `+Inf` bucket (= the total count).
    var cumulativeCounts: [Int]
    var sum: Double

    /// The total count: the `+Inf` bucket.
    var count: Int { cumulativeCounts.last ?? 0 }
}
