import Synchronization

/// Records the largest number of spool batches in flight at once (through `PostgresFaults`).
final class ReplayConcurrencyProbe: Sendable {
    private let peakValue = Atomic<Int>(0)

    var peak: Int { peakValue.load(ordering: .acquiring) }

    func observe(spoolBatchesInFlight count: Int) {
        _ = peakValue.max(count, ordering: .acquiringAndReleasing)
    }
}
