import Affinity
import Dispatch
import Logging

/// Several databases behind one `RowSink` (`store.shards`): each row goes to the shard that owns its call
/// under the rendezvous hash relay groups use, so a call is whole on one shard. Every shard is a complete
/// `Store` (its own queue, writer, connections and spool in its own sub-directory), so a shard that is down
/// spools its own rows while the others keep writing at full speed.
public final class ShardedStore: RowSink, Sendable {
    public struct Shard: Sendable {
        /// The URL without its password: the metrics label, and the name ownership is hashed on.
        public let name: String
        public let store: Store
        let seed: UInt64
    }

    public let shards: [Shard]
    public let shardBy: ShardKey
    private let seeds: [UInt64]

    /// Which row field places a row.
    public enum ShardKey: String, Sendable {
        /// SIP rows by Call-ID, reports by their correlation id (their call's Call-ID).
        case callID = "call_id"
        /// Rows by correlation id where they have one, else by Call-ID.
        case correlationID = "correlation_id"
    }

    /// One `Store` per URL, on `settings` with that URL and the spool sub-directory `shard-<hash of the name>`.
    public init(settings: StoreSettings, urls: [String], shardBy: ShardKey,
                logger: Logger = Logger(label: "capd.store")) throws(StoreError) {
        guard !urls.isEmpty else { throw .badSettings("store.shards is empty") }
        var shards: [Shard] = []
        do throws(StoreError) {
            for url in urls {
                let name = Self.redacted(url)
                let seed = RendezvousHash.memberSeed(name)
                var shardSettings = settings
                shardSettings.url = url
                shardSettings.spoolDirectory = Self.spoolDirectory(base: settings.spoolDirectory, name: name)
                var shardLogger = logger
                shardLogger[metadataKey: "shard"] = "\(name)"
                shards.append(Shard(name: name, store: try Store(settings: shardSettings, logger: shardLogger), seed: seed))
            }
        } catch {
            for shard in shards { shard.store.close(timeout: .seconds(5)) }
            throw error
        }
        self.shards = shards
        self.shardBy = shardBy
        seeds = shards.map(\.seed)
    }

    /// A shard's own spool directory: stable for its URL whatever the order of `store.shards`, so rows spooled
    /// for a shard are replayed into that shard after a restart.
    public static func spoolDirectory(base: String, name: String) -> String {
        let hash = RendezvousHash.keyHash(name.utf8)
        let hex = String(hash, radix: 16)
        return base + "/shard-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `postgres://user:secret@host/db` → `postgres://user@host/db`; `password=...` dropped from key=value strings.
    public static func redacted(_ url: String) -> String {
        if let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@"),
           let colon = url[scheme.upperBound..<at].firstIndex(of: ":") {
            return String(url[..<colon]) + String(url[at...])
        }
        if !url.contains("://") {
            return url.split(separator: " ").filter { !$0.hasPrefix("password=") }.joined(separator: " ")
        }
        return url
    }

    /// Index of the shard owning `row`.
    public func shardIndex(of row: StoreRow) -> Int {
        RendezvousHash.owner(key: RendezvousHash.keyHash(Self.key(of: row, shardBy).utf8), seeds: seeds) ?? 0
    }

    /// Index of the shard owning a call (the `capd calls` side asks the same question).
    public static func shardIndex(ofCall callID: String, names: [String]) -> Int {
        RendezvousHash.owner(key: RendezvousHash.keyHash(callID.utf8), seeds: names.map(RendezvousHash.memberSeed)) ?? 0
    }

    static func key(of row: StoreRow, _ shardBy: ShardKey) -> String {
        switch row {
        case .sip(let r):
            if shardBy == .correlationID && !r.correlationID.isEmpty { return r.correlationID }
            return r.callID.isEmpty ? r.correlationID : r.callID
        case .report(let r): return r.correlationID
        case .homerSeven(let r): return r.sid
        }
    }

    @discardableResult
    public func append(_ row: StoreRow) -> AppendResult {
        shards[shardIndex(of: row)].store.append(row)
    }

    /// Drains every shard at once: a shard that is down times out without holding the others back.
    public func drain(timeout: Duration) -> DrainReport {
        Self.merge(each { $0.drain(timeout: timeout) })
    }

    public func close(timeout: Duration) -> DrainReport {
        Self.merge(each { $0.close(timeout: timeout) })
    }

    /// The sum over shards; the state is the worst shard's.
    public func metrics() -> StoreMetricsSnapshot {
        Self.merge(shards.map { $0.store.metrics() })
    }

    public func shardMetrics() -> [(name: String, metrics: StoreMetricsSnapshot)] {
        shards.map { (name: $0.name, metrics: $0.store.metrics()) }
    }

    private func each(_ body: @Sendable (Store) -> DrainReport) -> [DrainReport] {
        let results = ResultSlots(count: shards.count)
        let shards = self.shards
        DispatchQueue.concurrentPerform(iterations: shards.count) { index in
            results.set(index, body(shards[index].store))
        }
        return results.values
    }

    static func merge(_ reports: [DrainReport]) -> DrainReport {
        DrainReport(complete: reports.allSatisfy(\.complete), rowsInMemory: reports.map(\.rowsInMemory).reduce(0, +),
                    spoolBytes: reports.map(\.spoolBytes).reduce(0, +), timedOut: reports.contains(where: \.timedOut),
                    lastError: reports.compactMap(\.lastError).first)
    }

    static func merge(_ snapshots: [StoreMetricsSnapshot]) -> StoreMetricsSnapshot {
        var total = StoreMetricsSnapshot()
        var buckets: [(upperBound: Double, count: UInt64)] = []
        for s in snapshots {
            for (family, rows) in s.rowsStored { total.rowsStored[family, default: 0] += rows }
            total.rowsAccepted += s.rowsAccepted
            total.rowsSpooled += s.rowsSpooled
            total.spoolWaitSeconds += s.spoolWaitSeconds
            total.queueDepth += s.queueDepth
            total.packedQueueBytes += s.packedQueueBytes
            total.flushLatencySum += s.flushLatencySum
            total.flushLatencyCount += s.flushLatencyCount
            if buckets.isEmpty {
                buckets = s.flushLatencyBuckets
            } else {
                for i in buckets.indices where i < s.flushLatencyBuckets.count { buckets[i].count += s.flushLatencyBuckets[i].count }
            }
            total.spoolBytes += s.spoolBytes
            total.deadLettered += s.deadLettered
            for (reason, count) in s.dropped { total.dropped[reason, default: 0] += count }
            total.reconnects += s.reconnects
            total.batchesFoundCommitted += s.batchesFoundCommitted
            for (kind, count) in s.errors { total.errors[kind, default: 0] += count }
            if let progress = s.lastProgress, total.lastProgress.map({ progress > $0 }) ?? true { total.lastProgress = progress }
            if s.state != .ok, total.state == .ok || Self.rank(s.state) < Self.rank(total.state) {
                total.state = s.state
                total.lastError = s.lastError
            }
        }
        total.flushLatencyBuckets = buckets
        // Connected only when every shard is.
        total.connected = !snapshots.isEmpty && snapshots.allSatisfy(\.connected)
        if total.lastError == nil { total.lastError = snapshots.compactMap(\.lastError).first }
        return total
    }

    private static func rank(_ state: StoreState) -> Int {
        StoreState.allCases.firstIndex(of: state) ?? 0
    }
}

/// Results written by `concurrentPerform` iterations, one slot each.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [DrainReport?]
    private let lock = DispatchSemaphore(value: 1)

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ report: DrainReport) {
        lock.wait()
        slots[index] = report
        lock.signal()
    }

    var values: [DrainReport] {
        lock.wait()
        defer { lock.signal() }
        return slots.map { $0 ?? DrainReport(complete: false, rowsInMemory: 0, spoolBytes: 0, timedOut: true, lastError: nil) }
    }
}
