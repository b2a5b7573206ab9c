#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte range inside the payload, as offsets from the payload's first byte; `start < 0` means absent.
@usableFromInline struct SIPSpan: Equatable, Sendable {
    @usableFromInline var start: Int32
    @usableFromInline var end: Int32

    @inlinable static var absent: SIPSpan { SIPSpan(start: -1, end: -1) }

    @inline(__always) @usableFromInline
    init(start: Int32, end: Int32) {
        self.start = start
        self.end = end
    }

    @inline(__always)
    init(_ start: Int, _ end: Int) {
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
    }

    @inline(__always) @usableFromInline var isAbsent: Bool { start < 0 }
}

/// One header field as found by the scanner: offsets of its name and of its value (LWS trimmed, folds kept).
struct SIPRawField {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
}

/// Walks the header fields of a header block line by line: CRLF or bare LF line ends, continuation lines
/// (starting with SP/HT) joined to their field, lines without a colon skipped and counted.
struct SIPFieldScanner {
    let base: UnsafePointer<UInt8>
    /// `base` up to `limit`: subscripts are bounds-checked in debug builds.
    let buf: UnsafeBufferPointer<UInt8>
    let limit: Int
    var position: Int
    /// Lines skipped because they are not `name: value`.
    private(set) var malformedLines = 0
    /// After `next()` returned nil: where the header block ends (start of the empty line, or `limit`).
    private(set) var headerEnd = 0
    /// After `next()` returned nil: first body byte.
    private(set) var bodyStart = 0
    /// After `next()` returned nil: whether an empty line ended the header block.
    private(set) var terminated = false

    init(base: UnsafePointer<UInt8>, from: Int, limit: Int) {
        self.base = base
        self.buf = UnsafeBufferPointer(start: base, count: limit)
        self.position = from
        self.limit = limit
    }

    @inline(__always)
    private func lineFeed(from i: Int) -> Int {
        guard i < limit else { return limit }
        guard let hit = memchr(base + i, Int32(SIPByte.lf), limit - i) else { return limit }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    @inline(__always)
    mutating func next() -> SIPRawField? {
        while true {
            let i = position
            guard i < limit else {
                headerEnd = limit
                bodyStart = limit
                return nil
            }
            let first = buf[i]
            if first == SIPByte.lf {
                headerEnd = i
                bodyStart = i + 1
                terminated = true
                return nil
            }
            if first == SIPByte.cr, i + 1 == limit || buf[i + 1] == SIPByte.lf {
                headerEnd = i
                bodyStart = min(i + 2, limit)
                terminated = true
                return nil
            }
            let firstLineEnd = lineFeed(from: i)
            var end = firstLineEnd
            while end + 1 < limit, buf[end + 1] == SIPByte.sp || buf[end + 1] == SIPByte.ht {
                end = lineFeed(from: end + 1)
            }
            position = min(end + 1, limit)
            if first == SIPByte.sp || first == SIPByte.ht {
                malformedLines += 1
                continue
            }
            let colon = SIPByteSearch.first(SIPByte.colon, base, i, firstLineEnd)  // [i, firstLineEnd) is in the buffer
            guard colon < firstLineEnd else {
                malformedLines += 1
                continue
            }
            var nameEnd = colon
            while nameEnd > i, buf[nameEnd - 1] == SIPByte.sp || buf[nameEnd - 1] == SIPByte.ht { nameEnd -= 1 }
            guard nameEnd > i else {
                malformedLines += 1
                continue
            }
            var valueStart = colon + 1
            var valueEnd = end
            while valueStart < valueEnd, SIPByte.isLWS(buf[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, SIPByte.isLWS(buf[valueEnd - 1]) { valueEnd -= 1 }
            return SIPRawField(nameStart: i, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd)
        }
    }
}
