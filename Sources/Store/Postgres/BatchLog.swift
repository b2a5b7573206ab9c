/// `capd_batches`: the id of every batch, inserted in the same (implicit) transaction as the batch's COPY, so
/// that a batch whose result was lost with its connection is written at most once.
enum BatchLog {
    /// Ids of batches formed from memory are only ever looked up after a reconnect; ids of spooled batches
    /// also at the next start, which may be much later.
    static let memoryRetention = "1 hour"
    static let spoolRetention = "30 days"

    static let pruneSQL = "DELETE FROM capd_batches WHERE created < now() - CASE WHEN spooled THEN interval '"
        + spoolRetention + "' ELSE interval '" + memoryRetention + "' END"

    /// Statement sent with the COPY (before it: a duplicate id fails at once, before any row is sent).
    static func insertSQL(_ batch: Batch) -> String {
        "INSERT INTO capd_batches (id, rows, spooled) VALUES ('\(batch.id)', \(batch.count - batch.undecodable), "
            + (batch.fromSpool ? "true" : "false") + ")"
    }

    static func isCommitted(_ id: BatchID, on connection: PostgresConnection) throws(StoreError) -> Bool {
        !(try connection.column("SELECT 1 FROM capd_batches WHERE id = '\(id)'")).isEmpty
    }

    /// The batch's INSERT hit the primary key: that batch is already committed.
    static func isDuplicateID(sqlState: String, message: String) -> Bool {
        sqlState == "23505" && message.contains("capd_batches_pkey")
    }
}
