import Foundation
import Glibc
import Logging

extension Spool {
    /// Hands one row to the spool thread; nil, or why it was refused (bound reached, closed, or the disk
    /// cannot keep up). Never blocks on I/O, but when the spool thread is behind (its inbox at `inboxLimit`)
    /// the caller waits for it, up to `behindWait`: a listener that waits leaves datagrams in its socket
    /// (where the kernel counts what overflows) and TCP agents wait, instead of rows being accepted and lost.
    func enqueue(_ row: StoreRow) -> RowDropReason? {
        let estimate = Self.estimatedBytes(row)
        inboxLock.lock()
        var refused = refusal(adding: estimate, rows: 1)
        if refused == .spoolBehind, !inbox.stalled {
            let started = ContinuousClock.now
            let deadline = Date().addingTimeInterval(behindWait.inSeconds)
            var inTime = true
            while refused == .spoolBehind, inTime {
                inTime = inboxLock.wait(until: deadline)
                refused = refusal(adding: estimate, rows: 1)
            }
            if refused == .spoolBehind { inbox.stalled = true }
            let waited = (ContinuousClock.now - started).inSeconds
            health.withLock { $0.waitedSeconds += waited }
        }
        if let refusal = refused {
            inboxLock.unlock()
            count(rows: 1, as: refusal, failure: nil)
            return refusal
        }
        let wasIdle = inbox.count == 0
        inbox.packed.append(row)
        inbox.estimatedBytes += estimate
        inbox.enqueued &+= 1
        if wasIdle || inbox.count == min(Self.coalesceRows, inboxLimit) { inboxLock.broadcast() }
        inboxLock.unlock()
        return nil
    }

    /// Hands rows to the spool thread, all or none. `lostBatches`: row index → a batch starting there that was
    /// sent and whose outcome is unknown (its id goes into the spool with it). `force`: past the bound too
    /// (rows in memory at shutdown: accepted rows are never dropped for the bound when the disk has room).
    func enqueue(_ rows: [StoreRow], lostBatches: [(index: Int, id: BatchID, rows: Int)] = [], force: Bool = false) -> RowDropReason? {
        guard !rows.isEmpty else { return nil }
        let estimate = rows.reduce(0) { $0 + Self.estimatedBytes($1) }
        inboxLock.lock()
        defer { inboxLock.unlock() }
        // Not counted: the caller keeps the rows and tries again.
        if !force, let refusal = refusal(adding: estimate, rows: rows.count) { return refusal }
        // A disk without room would lose rows that are safe in memory (the writer's rows while the database is
        // away): refuse them, so they stay where they are, until the disk has room again.
        if !force {
            if let free = freeBytes(), free < estimate + Self.freeSpaceMargin {
                noRoom(free: free, needed: estimate)
                return .spoolWriteFailed
            }
            if health.withLock({ $0.noRoom }) { recovered() }
        }
        let base = inbox.rows.count
        inbox.rows.append(contentsOf: rows)
        inbox.lostBatches += lostBatches.map { (base + $0.index, $0.id, $0.rows) }
        inbox.estimatedBytes += estimate
        inbox.forced = inbox.forced || force
        inbox.enqueued &+= 1
        inboxLock.broadcast()
        return nil
    }

    /// Whether `enqueue(_:lostBatches:force:)` without `force` would refuse rows of this estimate now (nothing
    /// is counted or logged).
    func wouldRefuse(estimatedBytes estimate: Int, rows: Int) -> Bool {
        inboxLock.lock()
        let refused = refusal(adding: estimate, rows: rows) != nil
        inboxLock.unlock()
        if refused { return true }
        if let free = freeBytes(), free < estimate + Self.freeSpaceMargin { return true }
        return false
    }

    /// Room the spool disk must keep beyond a batch's estimate before the batch is taken.
    static let freeSpaceMargin = 1 << 20

    /// Bytes available to this process on the spool's file system, nil when it cannot be read.
    func freeBytes() -> Int? {
        var st = statvfs()
        guard statvfs(directory, &st) == 0 else { return nil }
        return Int(st.f_bavail) &* Int(st.f_frsize)
    }

    /// The spool disk has no room for rows that are safe in memory: the store's state says so (logged once).
    private func noRoom(free: Int, needed: Int) {
        let detail = "no room on the spool disk: \(free) bytes free, \(needed) needed; rows stay in memory"
        let first = health.withLock { h -> Bool in
            defer {
                h.noRoom = true
                h.writeFailure = detail
            }
            return h.writeFailure == nil
        }
        if first { logger.error("event=spool_no_room detail=\"\(detail)\" spool=\(directory)") }
    }

    /// Inbox lock held.
    private func refusal(adding bytes: Int, rows: Int) -> RowDropReason? {
        if inbox.stopped { return .closed }
        if bytes + inbox.estimatedBytes + inbox.busyBytes + diskBytes.load(ordering: .relaxed) > maxBytes { return .spoolFull }
        if inbox.count + rows > inboxLimit { return .spoolBehind }
        return nil
    }

    /// The same guess for packed rows (their records are about the size of the message they carry).
    static func estimatedBytes(_ packed: PackedRows) -> Int { 64 * packed.count + packed.bytes / 3 }

    /// The same guess for packed records held by the writer.
    static func estimatedBytes(records: [ArraySlice<UInt8>]) -> Int {
        records.reduce(0) { $0 + 64 + $1.count / 3 }
    }

    /// A guess of a row's deflated size, for the bound check before it is written.
    static func estimatedBytes(_ row: StoreRow) -> Int {
        switch row {
        case .sip(let r): 64 + r.msg.count / 3
        case .report(let r): 64 + r.msg.utf8.count / 3
        case .homerSeven(let r): 64 + r.raw.utf8.count / 3
        }
    }

    /// Waits until everything enqueued before the call is on disk (or refused and counted), then fsyncs.
    func flush(timeout: Duration = .seconds(30)) {
        inboxLock.lock()
        let target = inbox.enqueued
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
        while inbox.written != target, !inbox.stopped {
            if !inboxLock.wait(until: deadline) { break }
        }
        inboxLock.unlock()
        files.withLock { side in
            if side.fd >= 0 { fsync(side.fd) }
        }
    }

    // MARK: - The spool thread

    /// A take of fewer rows waits up to `coalesceWait` for this many.
    static let coalesceRows = 1_000
    static let coalesceWait = Duration.milliseconds(50)

    func runSpoolThread() {
        var record: [UInt8] = []
        while true {
            inboxLock.lock()
            while inbox.count == 0, !inbox.stopping { inboxLock.wait() }
            // Rows overflowing one by one: let a few more come, so that a take groups into full batches for the
            // replay (interleaved tables would otherwise make takes, and batches, of a handful of rows).
            let enough = min(Self.coalesceRows, inboxLimit)
            if inbox.count < enough, !inbox.stopping, !inbox.forced {
                let deadline = Date().addingTimeInterval(Self.coalesceWait.inSeconds)
                while inbox.count < enough, !inbox.stopping, !inbox.forced, inboxLock.wait(until: deadline) {}
            }
            if inbox.count == 0 {
                inbox.stopped = true
                inboxLock.broadcast()
                inboxLock.unlock()
                return
            }
            let rows = inbox.rows
            let packed = inbox.packed
            let lost = inbox.lostBatches
            let force = inbox.forced
            let generation = inbox.enqueued
            inbox.rows = []
            inbox.packed = PackedRows()
            inbox.lostBatches = []
            inbox.forced = false
            inbox.busyRows = rows.count + packed.count
            inbox.busyBytes = inbox.estimatedBytes
            inbox.estimatedBytes = 0
            // Room in the inbox again: callers waiting in `enqueue(_:)` go on.
            inboxLock.broadcast()
            inboxLock.unlock()

            // Grouped by table, so that the replay reads full batches (rows of a lost batch keep their places).
            write(lost.isEmpty ? StoreRow.groupedByDestination(rows) : rows, lostBatches: lost, force: force,
                  scratch: &record)
            if !packed.isEmpty { write(packed, force: force) }

            inboxLock.lock()
            inbox.busyRows = 0
            inbox.busyBytes = 0
            inbox.written = generation
            inbox.stalled = false
            inboxLock.broadcast()
            inboxLock.unlock()
        }
    }

    /// Encodes rows into blocks of about `blockTarget` bytes and writes each block.
    private func write(_ rows: [StoreRow], lostBatches: [(index: Int, id: BatchID, rows: Int)], force: Bool,
                       scratch record: inout [UInt8]) {
        var blocks = BlockBuilder(force: force)
        var markers = lostBatches.makeIterator()
        var nextMarker = markers.next()
        for (index, row) in rows.enumerated() {
            if let marker = nextMarker, marker.index == index {
                record.removeAll(keepingCapacity: true)
                SpoolCodec.encodeLostBatch(marker.id, rows: marker.rows, into: &record)
                blocks.add(record, isRow: false, self)
                nextMarker = markers.next()
            }
            record.removeAll(keepingCapacity: true)
            SpoolCodec.encode(row, into: &record)
            blocks.add(record, isRow: true, self)
        }
        blocks.finish(self)
    }

    /// Writes packed rows as they are (they are spool records already), grouped by destination like `rows`.
    private func write(_ packed: PackedRows, force: Bool) {
        var blocks = BlockBuilder(force: force)
        for record in packed.recordsGroupedByDestination() { blocks.add(record, isRow: true, self) }
        blocks.finish(self)
    }

    /// Records gathered into blocks of about `blockTarget` bytes (never over `maxInflatedBlock`), each block
    /// written as it fills.
    private struct BlockBuilder {
        let force: Bool
        var raw: [UInt8] = []
        var rowsInBlock = 0

        init(force: Bool) {
            self.force = force
            raw.reserveCapacity(SpoolSegmentFormat.blockTarget + 4096)
        }

        /// `isRow`: false for a lost-batch marker (not a row in the block's count).
        mutating func add<Record: Collection<UInt8>>(_ record: Record, isRow: Bool, _ spool: Spool) {
            if raw.count + 4 + record.count > SpoolSegmentFormat.maxInflatedBlock, !raw.isEmpty { flush(spool) }
            guard 4 + record.count <= SpoolSegmentFormat.maxInflatedBlock else {
                spool.count(rows: 1, as: .spoolWriteFailed, failure: "a row of \(record.count) bytes does not fit a spool block")
                return
            }
            SpoolSegmentFormat.appendUInt32(record.count, to: &raw)
            raw.append(contentsOf: record)
            if isRow { rowsInBlock += 1 }
            if raw.count >= SpoolSegmentFormat.blockTarget { flush(spool) }
        }

        mutating func finish(_ spool: Spool) {
            if !raw.isEmpty { flush(spool) }
        }

        private mutating func flush(_ spool: Spool) {
            spool.writeBlock(raw, rows: rowsInBlock, force: force)
            raw.removeAll(keepingCapacity: true)
            rowsInBlock = 0
        }
    }

    /// Deflates and appends one block to the current segment, or counts its rows as dropped.
    fileprivate func writeBlock(_ raw: [UInt8], rows: Int, force: Bool) {
        guard let block = SpoolSegmentFormat.deflateBlock(raw) else {
            count(rows: rows, as: .spoolWriteFailed, failure: "deflate failed")
            return
        }
        let outcome: Result<Void, WriteFailure> = files.withLock { side in
            if !force, diskBytes.load(ordering: .relaxed) + block.count > maxBytes { return .failure(.full) }
            if side.currentBytes > 0, side.currentBytes + block.count > Self.segmentLimit { rotate(&side) }
            let path = Self.path(directory, side.current)
            if side.fd < 0 {
                side.fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard side.fd >= 0 else { return .failure(.io("cannot open \(path): \(String(cString: strerror(errno)))")) }
            }
            let fresh = side.currentBytes == 0
            let data = fresh ? SpoolSegmentFormat.header + block : block
            let blockStart = fresh ? SpoolSegmentFormat.headerSize : side.currentBytes
            if let error = Self.writeAll(side.fd, data) {
                // Leave the file as it was: a torn block would hide the blocks written after it.
                _ = ftruncate(side.fd, off_t(side.currentBytes))
                if fresh {
                    Glibc.close(side.fd)
                    side.fd = -1
                    unlink(path)
                }
                return .failure(.io("cannot write \(path): \(String(cString: strerror(error)))"))
            }
            side.currentBytes += data.count
            side.currentEnd = SpoolSegmentFormat.position(block: blockStart, inner: raw.count)
            diskBytes.add(data.count, ordering: .relaxed)
            return .success(())
        }
        switch outcome {
        case .success: recovered()
        case .failure(.full): count(rows: rows, as: .spoolFull, failure: nil)
        case .failure(.io(let message)): count(rows: rows, as: .spoolWriteFailed, failure: message)
        }
    }

    enum WriteFailure: Error { case full, io(String) }

    /// errno of the failed write, nil when every byte was written.
    private static func writeAll(_ fd: Int32, _ data: [UInt8]) -> Int32? {
        data.withUnsafeBytes { raw -> Int32? in
            guard let base = raw.baseAddress else { return nil }
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, base + written, raw.count - written)
                if n > 0 {
                    written += n
                } else if n < 0, errno == EINTR {
                    continue
                } else {
                    return n == 0 ? ENOSPC : errno
                }
            }
            return nil
        }
    }

    /// Closes the current segment (files lock held): the reader may read it from now on.
    func rotate(_ side: inout Files) {
        if side.fd >= 0 {
            fsync(side.fd)
            Glibc.close(side.fd)
            side.fd = -1
        }
        guard side.currentBytes > 0 else { return }
        side.closed.append(side.current)
        side.closedBytes[side.current] = side.currentBytes
        side.closedEnd[side.current] = side.currentEnd
        side.versions[side.current] = .current
        side.current += 1
        side.currentBytes = 0
        side.currentEnd = 0
    }

    /// Counts rows the spool could not keep; logs the first of a kind, then at most once a minute.
    func count(rows: Int, as reason: RowDropReason, failure: String?) {
        let changed = health.withLock { h -> Bool in
            h.dropped[reason, default: 0] += UInt64(rows)
            switch reason {
            case .spoolFull:
                defer { h.full = true }
                return !h.full
            case .spoolWriteFailed:
                h.writeErrors += 1
                defer { h.writeFailure = failure }
                return h.writeFailure == nil
            default:
                return false
            }
        }
        guard reason != .closed, changed || logLimiter.withLock({ $0.allow(reason.rawValue, every: .seconds(60)) }) else { return }
        let dropped = health.withLock { $0.dropped[reason, default: 0] }
        switch reason {
        case .spoolFull:
            logger.error("event=spool_full detail=\"spool at its bound of \(maxBytes) bytes on disk: rows are dropped\" dropped_total=\(dropped) spool=\(directory)")
        case .spoolBehind:
            logger.error("event=spool_behind detail=\"the spool disk does not keep up: rows are dropped\" dropped_total=\(dropped) spool=\(directory)")
        default:
            logger.error("event=spool_write_failed detail=\"\(failure ?? "")\" dropped_total=\(dropped) spool=\(directory)")
        }
    }

    private func recovered() {
        let was = health.withLock { h -> (full: Bool, failing: Bool) in
            defer {
                h.full = false
                h.noRoom = false
                h.writeFailure = nil
            }
            return (h.full, h.writeFailure != nil)
        }
        if was.failing { logger.notice("event=spool_write_recovered spool=\(directory)") }
        if was.full { logger.notice("event=spool_below_bound spool=\(directory)") }
    }
}
