/// One HEPv3 chunk as it sits in a packet: vendor id, type id and a view of its body.
public struct HEPChunk: Sendable, Hashable {
    public var vendor: UInt16
    public var type: UInt16
    public var body: ArraySlice<UInt8>

    public init(vendor: UInt16 = 0, type: UInt16, body: ArraySlice<UInt8>) {
        self.vendor = vendor
        self.type = type
        self.body = body
    }

    public init(vendor: UInt16 = 0, type: UInt16, body: [UInt8]) {
        self.init(vendor: vendor, type: type, body: body[...])
    }

    /// Vendor-0 chunks whose value lives in a typed field of `HEPPacket` (0x0001–0x000C, 0x000F, 0x0010);
    /// every other chunk is an "extra" chunk kept in wire order.
    public var isBuiltIn: Bool { vendor == 0 && HEPChunkType.isBuiltIn(type) }
}

/// Lazily walks the chunks of a decoded HEPv3 packet's buffer without allocating.
public struct HEPChunkSequence: Sequence, Sendable {
    let bytes: [UInt8]
    let region: Range<Int>

    public struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        public mutating func next() -> HEPChunk? {
            guard end - position >= 6, end <= bytes.count, position >= 0 else { return nil }
            let vendor = bytes.readUInt16(at: position)
            let type = bytes.readUInt16(at: position + 2)
            let length = Int(bytes.readUInt16(at: position + 4))
            guard length >= 6, length <= end - position else { return nil }
            let chunk = HEPChunk(vendor: vendor, type: type, body: bytes[(position + 6)..<(position + length)])
            position += length
            return chunk
        }
    }

    public func makeIterator() -> Iterator {
        Iterator(bytes: bytes, position: region.lowerBound, end: region.upperBound)
    }
}

extension Array where Element == UInt8 {
    /// Big-endian; the caller has checked that `offset + 2 <= count`.
    @inline(__always)
    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// Big-endian; the caller has checked that `offset + 4 <= count`.
    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    /// Little-endian (the HEPv2 time block); the caller has checked that `offset + 4 <= count`.
    @inline(__always)
    func readUInt32LE(at offset: Int) -> UInt32 {
        UInt32(self[offset]) | UInt32(self[offset + 1]) << 8 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 3]) << 24
    }

    @inline(__always)
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    mutating func appendUInt32(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value >> 24))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value))
    }

    @inline(__always)
    mutating func appendUInt32LE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }
}
