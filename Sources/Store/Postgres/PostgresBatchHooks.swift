/// Failures a test can stage on a batch (the timing of a real connection loss around a commit cannot be).
enum PostgresFault: Sendable, Equatable {
    /// The connection breaks while the COPY data is being sent: nothing is committed.
    case breakBeforeCommit
    /// The transaction commits, then the connection is treated as lost before its result is read.
    case loseResultAfterCommit
}

/// The seam through which tests stage faults on, and observe, the PostgreSQL batches a store sends. A store
/// built through the public `Store.init(settings:logger:)` has none; only code that imports Store with
/// `@testable` can pass one (`Store.init(settings:logger:postgresHooks:)`).
protocol PostgresBatchHooks: Sendable {
    /// The fault for the `n`th batch sent (counted from 1 per backend, resends included); nil: none.
    func fault(forBatch n: Int) -> PostgresFault?
    /// A batch from the spool was just sent; `inFlight` spool batches are now on connections.
    func spoolBatchSent(inFlight: Int)
}
