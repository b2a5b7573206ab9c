import Foundation
import Glibc
import Synchronization

/// The store front object: a bounded in-memory queue in front of one writer thread that batches rows into
/// SQLite or PostgreSQL, with an on-disk spool for overflow and outages.
public final class Store: RowSink, @unchecked Sendable {
    public let settings: StoreSettings
    public let location: StoreLocation

    struct Shared {
        var queue: [StoreRow] = []
        var oldest: ContinuousClock.Instant?
        /// Set while the spool holds rows: appends go to the spool to keep order until it is replayed.
        var spoolActive = false
        var closed = false
        var drainRequests: UInt64 = 0
        var drainsDone: UInt64 = 0
        var lastDrain: DrainReport?
        var stopRequested = false
        var writerExited = false
        var inMemory = 0
    }

    let shared = Mutex(Shared())
    let metricsState = Mutex(MetricsRecorder())
    let spool: Spool
    /// Read end of the wake-up pipe (the writer polls it); `wakeWriteFD` is its write end.
    let wakeFD: Int32
    let wakeWriteFD: Int32
    private let writer: StoreWriter

    public init(settings: StoreSettings) throws(StoreError) {
        let settings = try settings.validated()
        self.settings = settings
        location = try StoreLocation(url: settings.url)
        spool = try Spool(directory: settings.spoolDirectory, maxBytes: settings.spoolMaxBytes)
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .spool("pipe failed: errno \(errno)") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
        let backend: any SinkBackend = switch location {
        case .sqlite(let path): SQLiteBackend(path: path, flavour: settings.schema)
        case .postgres(let conninfo): PostgresBackend(conninfo: conninfo, flavour: settings.schema, maxInFlight: settings.maxInFlight,
                                                          faults: settings.faults)
        }
        if !spool.isEmpty { shared.withLock { $0.spoolActive = true } }
        writer = StoreWriter(settings: settings, engine: location.engine, backend: backend)
        writer.store = self
        let thread = Thread { [writer] in writer.run() }
        thread.name = "capd-store-writer"
        thread.start()
    }

    deinit {
        Glibc.close(wakeFD)
        Glibc.close(wakeWriteFD)
    }

    @discardableResult
    public func append(_ row: StoreRow) -> AppendResult {
        let (result, wake) = shared.withLock { s -> (AppendResult, Bool) in
            if s.closed { return (.dropped(.closed), false) }
            if !s.spoolActive && s.queue.count < settings.queueCapacity {
                s.queue.append(row)
                if s.queue.count == 1 { s.oldest = .now }
                return (.queued, s.queue.count == settings.batchRows)
            }
            if spool.append(CollectionOfOne(row)) {
                let first = !s.spoolActive
                s.spoolActive = true
                return (.spooled, first)
            }
            return (.dropped(.spoolFull), false)
        }
        metricsState.withLock { m in
            switch result {
            case .queued: m.snapshot.rowsAccepted += 1
            case .spooled:
                m.snapshot.rowsAccepted += 1
                m.snapshot.rowsSpooled += 1
            case .dropped(let reason): m.snapshot.dropped[reason.rawValue, default: 0] += 1
            }
        }
        if wake { self.wake() }
        return result
    }

    public func drain(timeout: Duration = .seconds(60)) -> DrainReport {
        let ticket = shared.withLock { s -> UInt64 in
            s.drainRequests += 1
            return s.drainRequests
        }
        wake()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let report = shared.withLock({ s in s.drainsDone >= ticket || s.writerExited ? s.lastDrain : nil }) {
                return report
            }
            usleep(1_000)
        }
        let s = shared.withLock { $0 }
        return DrainReport(complete: false, rowsInMemory: s.inMemory + s.queue.count, spoolBytes: spool.bytes,
                           timedOut: true, lastError: metrics().lastError)
    }

    /// Drains, stops the writer and closes the database. Rows that could not be written stay in the spool
    /// (and are replayed by the next `Store` on the same spool directory).
    @discardableResult
    public func close(timeout: Duration = .seconds(60)) -> DrainReport {
        var report = drain(timeout: timeout)
        shared.withLock { s in
            s.closed = true
            s.stopRequested = true
        }
        wake()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline, !shared.withLock({ $0.writerExited }) { usleep(1_000) }
        if let final = shared.withLock({ $0.lastDrain }) { report = final }
        return report
    }

    public func metrics() -> StoreMetricsSnapshot {
        var snapshot = metricsState.withLock { $0.snapshotWithBuckets() }
        snapshot.spoolBytes = spool.bytes
        snapshot.queueDepth = shared.withLock { $0.queue.count + $0.inMemory }
        return snapshot
    }

    func wake() {
        var one: UInt8 = 1
        _ = write(wakeWriteFD, &one, 1)
    }
}
