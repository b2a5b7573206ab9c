import Foundation
import Glibc
import Synchronization

/// Where the spool has been read and committed up to: a segment number and a byte offset inside it.
struct SpoolPosition: Comparable, Sendable {
    var segment: UInt64
    var offset: Int
    static func < (a: SpoolPosition, b: SpoolPosition) -> Bool {
        (a.segment, a.offset) < (b.segment, b.offset)
    }
}

/// One row read from the spool.
struct SpoolItem {
    var row: StoreRow
    var start: SpoolPosition
    var end: SpoolPosition
    /// Set on the first row of a batch that was sent but whose outcome was unknown when capd stopped.
    var lostBatch: (id: BatchID, rows: Int)?
}

/// On-disk spool: append-only segment files of length-prefixed rows (`spool-<n>.seg`), read back in order.
/// The commit cursor (`spool.cursor`: where reading starts in each remaining segment) survives restarts, so a
/// committed row is never replayed twice.
/// Appends may come from any thread; reading and committing happen on the writer thread only.
final class Spool: @unchecked Sendable {
    static let segmentLimit = 8 << 20
    static let writeBufferLimit = 256 << 10
    static let firstSegment: UInt64 = 1_000_000_000  // room below for segments prepended at shutdown

    private struct WriteSide {
        var current: UInt64
        var fd: Int32 = -1
        var currentSize = 0
        var buffer: [UInt8] = []
        var closed: [UInt64] = []
        var closedBytes: [UInt64: Int] = [:]
        var totalBytes = 0
        var scratch: [UInt8] = []
    }

    let directory: String
    let maxBytes: Int
    /// Random id of this spool directory (`spool.id`, made once): part of the ids of batches replayed from it.
    let identity: UInt64
    private let state: Mutex<WriteSide>
    // Reader side (writer thread only).
    private var starts: [UInt64: Int] = [:]
    private var readPosition: SpoolPosition
    private var loaded: (segment: UInt64, bytes: [UInt8])?

    init(directory: String, maxBytes: Int) throws(StoreError) {
        self.directory = directory
        self.maxBytes = maxBytes
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .spool("cannot create \(directory): \(error)")
        }
        identity = try Self.loadIdentity(directory)
        var side = WriteSide(current: Self.firstSegment)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var segments: [UInt64] = []
        for name in names where name.hasPrefix("spool-") && name.hasSuffix(".seg") {
            if let n = UInt64(name.dropFirst(6).dropLast(4)) { segments.append(n) }
        }
        segments.sort()
        for n in segments {
            let size = Self.fileSize(Self.path(directory, n))
            side.closed.append(n)
            side.closedBytes[n] = size
            side.totalBytes += size
        }
        side.current = (segments.last ?? Self.firstSegment - 1) + 1
        if let text = try? String(contentsOfFile: directory + "/spool.cursor", encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: " ")
                if parts.count == 2, let seg = UInt64(parts[0]), let off = Int(parts[1]) { starts[seg] = off }
            }
        }
        let first = segments.first ?? side.current
        readPosition = SpoolPosition(segment: first, offset: starts[first] ?? 0)
        state = Mutex(side)
    }

    deinit {
        state.withLock { side in
            if side.fd >= 0 { Glibc.close(side.fd) }
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

    static func path(_ directory: String, _ segment: UInt64) -> String {
        let digits = String(segment)
        return directory + "/spool-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Bytes on disk plus bytes buffered for writing.
    var bytes: Int { state.withLock { $0.totalBytes } }

    /// True when nothing is left to replay.
    var isEmpty: Bool {
        let starts = self.starts
        return state.withLock { side in
            side.currentSize == 0 && side.closed.allSatisfy { (side.closedBytes[$0] ?? 0) <= (starts[$0] ?? 0) }
        }
    }

    /// Appends rows; false (nothing written) when the spool would grow past its bound.
    func append(_ rows: some Sequence<StoreRow>) -> Bool {
        state.withLock { side in
            var record: [UInt8] = []
            var staged: [UInt8] = []
            for row in rows {
                record.removeAll(keepingCapacity: true)
                SpoolCodec.encode(row, into: &record)
                Self.appendLength(record.count, to: &staged)
                staged.append(contentsOf: record)
            }
            guard side.totalBytes + staged.count <= maxBytes else { return false }
            if side.currentSize + staged.count > Self.segmentLimit && side.currentSize > 0 {
                Self.rotate(&side, directory)
            }
            side.buffer.append(contentsOf: staged)
            side.currentSize += staged.count
            side.totalBytes += staged.count
            if side.buffer.count >= Self.writeBufferLimit { Self.writeOut(&side, directory) }
            return true
        }
    }

    /// Writes buffered records to the current segment and syncs it to disk.
    func sync() {
        state.withLock { side in
            Self.writeOut(&side, directory)
            if side.fd >= 0 { fsync(side.fd) }
        }
    }

    private static func appendLength(_ n: Int, to out: inout [UInt8]) {
        let u = UInt32(truncatingIfNeeded: n)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: u >> UInt32(shift))) }
    }

    private static func writeOut(_ side: inout WriteSide, _ directory: String) {
        guard !side.buffer.isEmpty else { return }
        if side.fd < 0 {
            side.fd = open(path(directory, side.current), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard side.fd >= 0 else { return }  // retried on the next write; the rows stay buffered
        }
        var written = 0
        side.buffer.withUnsafeBytes { raw in
            while written < raw.count {
                guard let base = raw.baseAddress else { break }
                let n = write(side.fd, base + written, raw.count - written)
                if n > 0 { written += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
        }
        side.buffer.removeFirst(written)
    }

    private static func rotate(_ side: inout WriteSide, _ directory: String) {
        writeOut(&side, directory)
        if side.fd >= 0 {
            fsync(side.fd)
            Glibc.close(side.fd)
            side.fd = -1
        }
        guard side.buffer.isEmpty else { return }  // could not write: keep appending to this segment
        side.closed.append(side.current)
        side.closedBytes[side.current] = side.currentSize
        side.current += 1
        side.currentSize = 0
    }

    /// Up to `maxRows` rows from the read position, each with the positions where it starts and just after it,
    /// and for the first row of a batch whose outcome was unknown at shutdown, that batch's id and size.
    func peek(maxRows: Int) -> [SpoolItem] {
        let closed: [UInt64] = state.withLock { side in
            if side.closed.allSatisfy({ $0 < readPosition.segment }) && side.currentSize > 0 {
                Self.rotate(&side, directory)
            }
            return side.closed
        }
        var out: [SpoolItem] = []
        var lostBatch: (id: BatchID, rows: Int)?
        for segment in closed where segment >= readPosition.segment {
            if loaded?.segment != segment {
                loaded = (segment, (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.path(directory, segment))))) ?? [])
            }
            guard let bytes = loaded?.bytes else { break }
            var offset = segment == readPosition.segment ? readPosition.offset : (starts[segment] ?? 0)
            while out.count < maxRows, bytes.count - offset >= 4 {
                var n = 0
                for i in 0..<4 { n |= Int(bytes[offset + i]) << (8 * i) }
                guard bytes.count - offset - 4 >= n else { offset = bytes.count; break }  // torn tail after a crash
                let record = bytes[(offset + 4)..<(offset + 4 + n)]
                if let marker = SpoolCodec.decodeLostBatch(record) {
                    lostBatch = marker
                    offset += 4 + n
                    continue
                }
                // A record that does not decode is a torn tail after a crash: skip the rest of the segment.
                guard let row = SpoolCodec.decode(record) else { offset = bytes.count; break }
                let start = SpoolPosition(segment: segment, offset: offset)
                offset += 4 + n
                out.append(SpoolItem(row: row, start: start, end: SpoolPosition(segment: segment, offset: offset),
                                     lostBatch: lostBatch))
                lostBatch = nil
            }
            if out.count >= maxRows { break }
            if out.isEmpty {
                // Segment exhausted with nothing read: move on.
                readPosition = SpoolPosition(segment: segment + 1, offset: starts[segment + 1] ?? 0)
            }
        }
        return out
    }

    /// The writer took rows up to `position` into batches.
    func advanceRead(to position: SpoolPosition) {
        if position > readPosition { readPosition = position }
    }

    /// Forget reads past the committed cursor (their batches will be read again).
    func rewindRead() {
        let first = state.withLock { $0.closed.first ?? $0.current }
        readPosition = SpoolPosition(segment: first, offset: starts[first] ?? 0)
    }

    private func saveStarts() {
        let text = starts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        let tmp = directory + "/spool.cursor.tmp"
        if (try? text.write(toFile: tmp, atomically: false, encoding: .utf8)) != nil {
            rename(tmp, directory + "/spool.cursor")
        }
    }

    /// Rows up to `position` are in the database: persist the cursor, delete finished segments.
    func commit(_ position: SpoolPosition) {
        guard position.offset > (starts[position.segment] ?? 0) else { return }
        starts[position.segment] = position.offset
        for key in starts.keys where key < position.segment { starts[key] = nil }
        state.withLock { side in
            var keep: [UInt64] = []
            for seg in side.closed {
                let size = side.closedBytes[seg] ?? 0
                if seg < position.segment || (seg == position.segment && position.offset >= size) {
                    unlink(Self.path(directory, seg))
                    side.totalBytes -= size
                    side.closedBytes[seg] = nil
                    if loaded?.segment == seg { loaded = nil }
                    starts[seg] = nil
                } else {
                    keep.append(seg)
                }
            }
            side.closed = keep
        }
        saveStarts()
    }

    /// Writes rows older than everything in the spool into a new first segment (used at shutdown when the
    /// database is down and rows are still in memory). Ignores the size bound: these rows were accepted.
    /// `lostBatches`: row index → id and size of a batch starting there whose outcome is unknown.
    func prepend(_ rows: [StoreRow], lostBatches: [Int: (id: BatchID, rows: Int)] = [:]) throws(StoreError) {
        guard !rows.isEmpty else { return }
        let number: UInt64 = state.withLock { side in
            let oldest = ([side.current] + side.closed).min() ?? Self.firstSegment
            return oldest - 1
        }
        var data: [UInt8] = []
        var record: [UInt8] = []
        for (index, row) in rows.enumerated() {
            if let lost = lostBatches[index] {
                record.removeAll(keepingCapacity: true)
                SpoolCodec.encodeLostBatch(lost.id, rows: lost.rows, into: &record)
                Self.appendLength(record.count, to: &data)
                data.append(contentsOf: record)
            }
            record.removeAll(keepingCapacity: true)
            SpoolCodec.encode(row, into: &record)
            Self.appendLength(record.count, to: &data)
            data.append(contentsOf: record)
        }
        let path = Self.path(directory, number)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .spool("cannot create \(path): errno \(errno)") }
        defer { Glibc.close(fd) }
        let ok = data.withUnsafeBytes { raw -> Bool in
            var written = 0
            while written < raw.count {
                guard let base = raw.baseAddress else { return false }
                let n = write(fd, base + written, raw.count - written)
                if n > 0 { written += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
        guard ok, fsync(fd) == 0 else { throw .spool("cannot write \(path): errno \(errno)") }
        state.withLock { side in
            side.closed.insert(number, at: 0)
            side.closedBytes[number] = data.count
            side.totalBytes += data.count
        }
        readPosition = SpoolPosition(segment: number, offset: 0)
    }
}
