/// The store the daemon writes to: one `Store`, or a `ShardedStore` with `store.shards`. A concrete type (not
/// `any RowSink`) so that the pipeline's per-row `append` is a direct call.
public final class StoreFront: RowSink, Sendable {
    public enum Backing: Sendable {
        case single(Store)
        case sharded(ShardedStore)
    }

    public let backing: Backing

    public init(_ backing: Backing) {
        self.backing = backing
    }

    /// The shards, when there are several.
    public var sharded: ShardedStore? {
        if case .sharded(let store) = backing { return store }
        return nil
    }

    @discardableResult
    @inline(__always)
    public func append(_ row: StoreRow) -> AppendResult {
        switch backing {
        case .single(let store): store.append(row)
        case .sharded(let store): store.append(row)
        }
    }

    public func drain(timeout: Duration) -> DrainReport {
        switch backing {
        case .single(let store): store.drain(timeout: timeout)
        case .sharded(let store): store.drain(timeout: timeout)
        }
    }

    @discardableResult
    public func close(timeout: Duration) -> DrainReport {
        switch backing {
        case .single(let store): store.close(timeout: timeout)
        case .sharded(let store): store.close(timeout: timeout)
        }
    }

    public func metrics() -> StoreMetricsSnapshot {
        switch backing {
        case .single(let store): store.metrics()
        case .sharded(let store): store.metrics()
        }
    }
}
