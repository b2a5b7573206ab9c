@testable import Store

/// Connection failures staged around commits, on every `n`th PostgreSQL batch (counted from 1 per backend,
/// resends included), and the replay observed through `replayProbe`.
struct PostgresFaults: PostgresBatchHooks {
    var breakBeforeCommitEvery = 0
    var loseResultAfterCommitEvery = 0
    var replayProbe: ReplayConcurrencyProbe?

    func fault(forBatch n: Int) -> PostgresFault? {
        if loseResultAfterCommitEvery > 0, n % loseResultAfterCommitEvery == 0 { return .loseResultAfterCommit }
        if breakBeforeCommitEvery > 0, n % breakBeforeCommitEvery == 0 { return .breakBeforeCommit }
        return nil
    }

    func spoolBatchSent(inFlight: Int) { replayProbe?.observe(spoolBatchesInFlight: inFlight) }
}
