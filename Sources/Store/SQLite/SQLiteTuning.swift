/// How capd opens an SQLite database for writing (the store, and `capd-bench sqlite-ceiling`, whose ceiling C
/// must see the same engine settings).
public enum SQLiteTuning {
    /// `journal_mode=WAL`, `synchronous=NORMAL`: a commit appends to the write-ahead log and is durable once the
    /// log is synced at a checkpoint; readers (`capd calls`, the web view) never block the writer. Tried and left
    /// out: a larger page cache, and a checkpoint every 16 384 log pages instead of 1 000 (both inconclusive
    /// against noise; docs/performance.md, "Stop 19" and "Stop 20").
    public static let pragmas = ["journal_mode=WAL", "synchronous=NORMAL"]
}
