import HEP

extension IPAddress {
    /// Reads 4 bytes at `offset` (the caller has checked the range).
    @inline(__always)
    init(ipv4In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv4: buffer.loadBigEndianUInt32(at: offset))
    }

    /// Reads 16 bytes at `offset` (the caller has checked the range).
    @inline(__always)
    init(ipv6In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv6High: buffer.loadBigEndianUInt64(at: offset), low: buffer.loadBigEndianUInt64(at: offset + 8))
    }
}
