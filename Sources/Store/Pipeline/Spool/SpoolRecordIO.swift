/// Little-endian primitives of spool records.
struct SpoolRecordWriter {
    var out: [UInt8]

    mutating func byte(_ b: UInt8) { out.append(b) }
    mutating func int16(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        out.append(UInt8(truncatingIfNeeded: u)); out.append(UInt8(truncatingIfNeeded: u >> 8))
    }
    mutating func int32(_ v: Int32) { length(Int(UInt32(bitPattern: v))) }
    mutating func int64(_ v: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: v).littleEndian) { out.append(contentsOf: $0) }
    }
    mutating func length(_ n: Int) { SpoolSegmentFormat.appendUInt32(n, to: &out) }
    mutating func string(_ s: String) { length(s.utf8.count); out.append(contentsOf: s.utf8) }
    mutating func bytes(_ b: [UInt8]) { length(b.count); out.append(contentsOf: b) }
}

struct SpoolRecordReader {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(bytes: ArraySlice<UInt8>) { self.bytes = bytes; index = bytes.startIndex }

    var atEnd: Bool { index == bytes.endIndex }

    mutating func byte() -> UInt8? {
        guard index < bytes.endIndex else { return nil }
        defer { index += 1 }
        return bytes[index]
    }
    mutating func int16() -> Int16? {
        guard let u = unsigned(2) else { return nil }
        return Int16(bitPattern: UInt16(truncatingIfNeeded: u))
    }
    mutating func int32() -> Int32? {
        guard let u = unsigned(4) else { return nil }
        return Int32(bitPattern: UInt32(truncatingIfNeeded: u))
    }
    mutating func int64() -> Int64? {
        guard let u = unsigned(8) else { return nil }
        return Int64(bitPattern: u)
    }
    /// A 4-byte count or length (not checked against what is left).
    mutating func count() -> Int? { unsigned(4).map { Int($0) } }
    /// A 4-byte length that fits in what is left.
    mutating func length() -> Int? {
        guard let n = count(), bytes.endIndex - index >= n else { return nil }
        return n
    }
    mutating func string() -> String? {
        guard let n = length() else { return nil }
        defer { index += n }
        return String(decoding: bytes[index..<(index + n)], as: UTF8.self)
    }
    /// The header of a described row record, as `SpoolCodec.encode` writes it: the kind byte, the table
    /// template (in place), the receive time and the number of columns that follow.
    mutating func rowHeader() -> (kind: UInt8, template: ArraySlice<UInt8>, receiveMicroTimestamp: Int64, columns: Int)? {
        guard let kind = byte(), let template = slice(), let receive = int64(), let columns = count() else { return nil }
        return (kind, template, receive, columns)
    }
    /// A length-prefixed value in place (not copied).
    mutating func slice() -> ArraySlice<UInt8>? {
        guard let n = length() else { return nil }
        defer { index += n }
        return bytes[index..<(index + n)]
    }
    mutating func blob() -> [UInt8]? {
        guard let n = length() else { return nil }
        defer { index += n }
        return Array(bytes[index..<(index + n)])
    }
    /// Reads past one tagged value.
    mutating func skip(_ tag: SpoolCodec.Tag) -> Bool {
        switch tag {
        case .int64: return int64() != nil
        case .int32: return int32() != nil
        case .int16: return int16() != nil
        case .null: return true
        case .string, .bytes:
            guard let n = length() else { return false }
            index += n
            return true
        }
    }

    private mutating func unsigned(_ width: Int) -> UInt64? {
        guard bytes.endIndex - index >= width else { return nil }
        var u: UInt64 = 0
        for i in 0..<width { u |= UInt64(bytes[index + i]) << UInt64(8 * i) }
        index += width
        return u
    }
}
