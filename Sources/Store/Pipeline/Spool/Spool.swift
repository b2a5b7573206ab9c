import Foundation
import Glibc
import Logging
import Service
import Synchronization

/// On-disk overflow spool: segment files of deflated blocks of rows (`spool-<n>.seg`, `SpoolSegmentFormat`).
///
/// - Any thread hands rows to `enqueue`, which only appends them to an in-memory inbox (no encoding, no I/O).
///   The spool's own thread (`store-sp-<n>`) encodes, deflates and writes them in blocks.
/// - The writer thread reads (`peek`), and commits what the database has taken (`commit`): the commit cursor
///   (`spool.cursor`) survives restarts, so a committed row is never replayed twice.
/// - `bytes` is what is on disk. Rows that cannot be written (bound reached, disk full, I/O error) are counted
///   as drops with their reason, never held in memory.
final class Spool: @unchecked Sendable {
    static let segmentLimit = 8 << 20
    static let firstSegment: UInt64 = 1_000_000_000

    struct Inbox {
        /// Rows handed over in bulk by the writer (its memory while the database is away), as values.
        var rows: [StoreRow] = []
        /// Rows that overflowed the queue one by one, packed as the records the spool writes (`PackedRows`).
        var packed = PackedRows()
        /// Row index in `rows` → a batch starting there whose outcome is unknown (spooled with a marker).
        var lostBatches: [(index: Int, id: BatchID, rows: Int)] = []
        /// Rows the spool thread has taken and not yet written, and the byte estimates of both.
        var busyRows = 0
        var estimatedBytes = 0
        var busyBytes = 0
        /// Rows that must be written even past the bound (rows in memory at shutdown).
        var forced = false
        var enqueued: UInt64 = 0
        var written: UInt64 = 0
        var stopping = false
        var stopped = false
        /// A caller waited `behindWait` for the spool thread and gave up: later callers refuse at once until
        /// the spool thread finishes a write (a disk that hangs must not stall every packet for `behindWait`).
        var stalled = false

        var count: Int { rows.count + packed.count }
    }

    struct Files {
        var current: UInt64
        var fd: Int32 = -1
        /// Bytes written to the current segment (header included) and the position after its last record.
        var currentBytes = 0
        var currentEnd = 0
        var closed: [UInt64] = []
        var closedBytes: [UInt64: Int] = [:]
        var closedEnd: [UInt64: Int] = [:]
        var versions: [UInt64: SpoolSegmentFormat.Version] = [:]
    }

    /// What went wrong writing, for the store's state, metrics and logs.
    struct Health: Sendable {
        var dropped: [RowDropReason: UInt64] = [:]
        var writeErrors: UInt64 = 0
        /// Set while writes fail (cleared by the next successful write).
        var writeFailure: String?
        /// Set while the bound turns rows away (cleared once a block fits again).
        var full = false
        /// Set while batches are refused because the spool disk has no room (cleared when it has again).
        var noRoom = false
        /// Time callers of `enqueue(_:)` spent waiting for the spool thread (back-pressure on the listeners).
        var waitedSeconds: Double = 0
    }

    let directory: String
    let maxBytes: Int
    /// Random id of this spool directory (`spool.id`, made once): part of the ids of batches replayed from it.
    let identity: UInt64
    /// Rows waiting in the inbox beyond this many make `enqueue(_:)` wait for the spool thread (up to
    /// `behindWait`), then refuse (`spool_behind`): the disk cannot keep up.
    let inboxLimit: Int
    /// How long one row may wait for the spool thread to take the inbox before it is refused.
    let behindWait: Duration
    let logger: Logger

    /// Guards `inbox` and carries its three waits (the spool thread for rows, `flush` for their writing,
    /// `enqueue` for room): a monitor over shared state, so the spool thread sleeps on it rather than on its
    /// service thread's wake signal.
    let inboxLock = NSCondition()
    var inbox = Inbox()
    /// The spool thread (`store-sp-<tag>`).
    let spoolThread: ServiceThread
    let files: Mutex<Files>
    let diskBytes = Atomic<Int>(0)
    let health = Mutex(Health())
    let logLimiter = Mutex(LogLimiter())

    // Reader side (writer thread only).
    var starts: [UInt64: Int] = [:]
    var readPosition: SpoolPosition
    var loaded: (segment: UInt64, bytes: [UInt8])?
    var inflated: (segment: UInt64, block: Int, raw: [UInt8], next: Int)?

    init(directory: String, maxBytes: Int, inboxLimit: Int = 50_000, behindWait: Duration = .seconds(1),
         threadName: String = "store-spool",
         logger: Logger = Logger(label: "capd.store")) throws(StoreError) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.inboxLimit = inboxLimit
        self.behindWait = behindWait
        self.logger = logger
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .spool("cannot create \(directory): \(error)")
        }
        identity = try Self.loadIdentity(directory)
        var side = Files(current: Self.firstSegment)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var segments: [UInt64] = []
        for name in names where name.hasPrefix("spool-") && name.hasSuffix(".seg") {
            if let n = UInt64(name.dropFirst(6).dropLast(4)) { segments.append(n) }
        }
        segments.sort()
        var total = 0
        for n in segments {
            let path = Self.path(directory, n)
            guard let (version, bytes, end) = Self.survey(path) else { continue }
            guard end > SpoolSegmentFormat.firstOffset(version) else {
                unlink(path)  // empty, or nothing whole in it
                continue
            }
            side.closed.append(n)
            side.closedBytes[n] = bytes
            side.closedEnd[n] = end
            side.versions[n] = version
            total += bytes
        }
        side.current = (segments.last ?? Self.firstSegment - 1) + 1
        if let text = try? String(contentsOfFile: directory + "/spool.cursor", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let seg = UInt64(parts[0]), let off = Int(parts[1]) { starts[seg] = off }
            }
        }
        let first = side.closed.first ?? side.current
        readPosition = SpoolPosition(segment: first, offset: starts[first] ?? SpoolSegmentFormat.firstOffset(side.versions[first] ?? .current))
        diskBytes.store(total, ordering: .relaxed)
        files = Mutex(side)
        spoolThread = ServiceThread(name: threadName)
        do throws(ServiceThreadError) {
            try spoolThread.start { [self] in runSpoolThread() }
        } catch {
            throw .thread("\(error)")
        }
    }

    deinit {
        files.withLock { side in
            if side.fd >= 0 { Glibc.close(side.fd) }
        }
    }

    /// Writes what is enqueued and ends the spool thread (the store is closed), waiting for it at most 5 s.
    func shutdown() {
        flush()
        inboxLock.lock()
        inbox.stopping = true
        inboxLock.broadcast()
        inboxLock.unlock()
        spoolThread.stop()
        if spoolThread.join(timeout: .seconds(5)) == .timedOut {
            logger.warning("event=store_spool_stop_slow detail=\"spool thread still writing 5 s after shutdown\"")
        }
    }

    private static func loadIdentity(_ directory: String) throws(StoreError) -> UInt64 {
        let path = directory + "/spool.id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
           let id = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) {
            return id
        }
        let id = UInt64.random(in: 1...(1 << 48 - 1))
        do {
            try (String(id, radix: 16) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .spool("cannot write \(path): \(error)")
        }
        return id
    }

    /// A segment left by an earlier run: its format, its bytes on disk and the position after its last record.
    private static func survey(_ path: String) -> (SpoolSegmentFormat.Version, Int, Int)? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        switch SpoolSegmentFormat.version(ofHeader: bytes[...]) {
        case .one: return (.one, bytes.count, bytes.count)
        case let version?:
            let (_, end) = SpoolSegmentFormat.scan(bytes)
            return (version, bytes.count, end)
        case nil:
            return nil  // written by a newer capd: left on disk for it
        }
    }

    static func path(_ directory: String, _ segment: UInt64) -> String {
        let digits = String(segment)
        return directory + "/spool-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// Bytes on disk.
    var bytes: Int { diskBytes.load(ordering: .relaxed) }

    /// Rows handed to the spool and not yet on disk.
    var rowsNotWritten: Int {
        inboxLock.lock()
        defer { inboxLock.unlock() }
        return inbox.count + inbox.busyRows
    }

    /// True when nothing is left to replay (writer thread).
    var isEmpty: Bool {
        guard rowsNotWritten == 0 else { return false }
        let starts = self.starts
        return files.withLock { side in
            side.currentEnd == 0
                && side.closed.allSatisfy { (side.closedEnd[$0] ?? 0) <= (starts[$0] ?? Int.min) }
        }
    }
}

/// Remembers when each kind of message was last logged: one line per state change, at most one per interval.
struct LogLimiter {
    var last: [String: ContinuousClock.Instant] = [:]

    mutating func allow(_ key: String, every interval: Duration = .seconds(10)) -> Bool {
        let now = ContinuousClock.now
        if let previous = last[key], now - previous < interval { return false }
        last[key] = now
        return true
    }
}
