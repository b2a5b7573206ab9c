import CZlib

/// Where the spool has been read and committed up to: a segment number and an offset inside it.
/// Version 1 segments: a byte offset. Version 2 segments: `blockStart << 24 | offsetInsideTheInflatedBlock`,
/// which orders positions the same way the records lie in the file.
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
    /// Set on the first row of a batch that was sent but whose outcome was unknown when it was spooled.
    var lostBatch: (id: BatchID, rows: Int)?
}

/// The on-disk layout of a spool segment (`spool-<n>.seg`).
///
/// - Version 1 (capd before the compressed spool): no header, records back to back, each a 4-byte
///   little-endian length and a `SpoolCodec` record. Still read, never written.
/// - Version 2: a 16-byte header (`CAPDSPL`, the version byte 2, 8 reserved bytes), then blocks: a 4-byte
///   deflated length, a 4-byte inflated length, the zlib-deflated records (same record framing as version 1).
///   A block is written whole by one `write`; a torn last block (crash mid-write) is ignored on reading.
///   Still read, never written.
/// - Version 3 (written now): as version 2 with the version byte 3; the records are described records
///   (`SpoolCodec`: each column of the row family's description with a type tag) instead of fixed-layout ones.
enum SpoolSegmentFormat {
    static let prefix: [UInt8] = Array("CAPDSPL".utf8)
    static let headerSize = 16
    static let blockHeaderSize = 8
    /// Records are gathered into blocks of about this many inflated bytes before deflating.
    static let blockTarget = 128 << 10
    /// Inflated blocks are bounded by this (`offsetBits`); a record bigger than a block gets a block of its own.
    static let offsetBits = 24
    static let maxInflatedBlock = (1 << offsetBits) - 1
    /// zlib level 1: SIP text still deflates 4-6x at a fraction of the CPU of the default level.
    static let level: Int32 = 1

    enum Version: UInt8, Equatable, Sendable {
        case one = 1, two = 2, three = 3

        /// The version this build writes.
        static let current = Version.three

        /// How the segment's records are laid out.
        var recordLayout: SpoolCodec.RecordLayout { self == .three ? .described : .fixed }
        /// Whether the segment starts with a header and holds deflated blocks.
        var isBlocked: Bool { self != .one }
    }

    static var header: [UInt8] {
        prefix + [Version.current.rawValue] + [UInt8](repeating: 0, count: headerSize - prefix.count - 1)
    }

    /// A segment without the header is version 1 (nil: a header of a version this build does not know).
    static func version(ofHeader bytes: ArraySlice<UInt8>) -> Version? {
        guard bytes.count > prefix.count, bytes.prefix(prefix.count).elementsEqual(prefix) else { return .one }
        let byte = bytes[bytes.startIndex + prefix.count]
        return byte >= 2 ? Version(rawValue: byte) : nil
    }

    static func position(block: Int, inner: Int) -> Int { block << offsetBits | inner }
    static func block(of offset: Int) -> Int { offset >> offsetBits }
    static func inner(of offset: Int) -> Int { offset & maxInflatedBlock }

    /// Where reading a segment starts when no cursor says otherwise.
    static func firstOffset(_ version: Version) -> Int {
        version.isBlocked ? position(block: headerSize, inner: 0) : 0
    }

    /// `n` as 4 little-endian bytes (record lengths and block sizes; record fields use the same form).
    static func appendUInt32(_ n: Int, to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: n).littleEndian) { out.append(contentsOf: $0) }
    }

    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> Int? {
        guard offset >= 0, bytes.count - offset >= 4 else { return nil }
        var n = 0
        for i in 0..<4 { n |= Int(bytes[offset + i]) << (8 * i) }
        return n
    }

    /// A framed block (header + deflated records), or nil when zlib fails (out of memory).
    static func deflateBlock(_ raw: [UInt8]) -> [UInt8]? {
        var bound = Int(compressBound(uLong(raw.count)))
        var out = [UInt8](repeating: 0, count: blockHeaderSize + bound)
        let rc = out.withUnsafeMutableBufferPointer { dst -> Int32 in
            raw.withUnsafeBufferPointer { src -> Int32 in
                guard let base = dst.baseAddress, let input = src.baseAddress ?? UnsafePointer(bitPattern: 1) else { return Z_MEM_ERROR }
                var length = uLongf(bound)
                let rc = compress2(base + blockHeaderSize, &length, input, uLong(src.count), level)
                bound = Int(length)
                return rc
            }
        }
        guard rc == Z_OK else { return nil }
        out.removeLast(out.count - blockHeaderSize - bound)
        var head: [UInt8] = []
        appendUInt32(bound, to: &head)
        appendUInt32(raw.count, to: &head)
        out.replaceSubrange(0..<blockHeaderSize, with: head)
        return out
    }

    /// The inflated records of the block whose header is at `offset`, and where the next block starts; nil
    /// for a torn or damaged block.
    static func inflateBlock(_ file: [UInt8], at offset: Int) -> (raw: [UInt8], next: Int)? {
        guard let deflated = readUInt32(file, at: offset), let inflated = readUInt32(file, at: offset + 4),
              inflated <= maxInflatedBlock, file.count - offset - blockHeaderSize >= deflated
        else { return nil }
        var raw = [UInt8](repeating: 0, count: inflated)
        var length = uLongf(inflated)
        let rc = raw.withUnsafeMutableBufferPointer { dst -> Int32 in
            file.withUnsafeBufferPointer { src -> Int32 in
                guard let out = dst.baseAddress ?? UnsafeMutablePointer(bitPattern: 1), let input = src.baseAddress else { return Z_DATA_ERROR }
                return uncompress(out, &length, input + offset + blockHeaderSize, uLong(deflated))
            }
        }
        guard rc == Z_OK, Int(length) == inflated else { return nil }
        return (raw, offset + blockHeaderSize + deflated)
    }

    /// Scans a version 2 segment's block headers: the offset just after the last whole block and the position
    /// just after its last record (the segment's logical end).
    static func scan(_ file: [UInt8]) -> (bytes: Int, end: Int) {
        var offset = headerSize
        var end = firstOffset(.current)
        while let deflated = readUInt32(file, at: offset), let inflated = readUInt32(file, at: offset + 4),
              inflated <= maxInflatedBlock, file.count - offset - blockHeaderSize >= deflated {
            end = position(block: offset, inner: inflated)
            offset += blockHeaderSize + deflated
        }
        return (offset, end)
    }
}
