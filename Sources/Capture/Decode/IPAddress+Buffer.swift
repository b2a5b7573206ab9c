import HEP

extension IPAddress {
    /// Reads 4 bytes at `offset` (the caller has checked the range).
    @inline(__always)
    init(ipv4In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv4: buffer.loadBigEndian(as: UInt32.self, at: offset))
    }

    /// Reads 16 bytes at `offset` (the caller has checked the range).
    @inline(__always)
    init(ipv6In buffer: UnsafeRawBufferPointer, at offset: Int) {
        self.init(ipv6High: buffer.loadBigEndian(as: UInt64.self, at: offset), low: buffer.loadBigEndian(as: UInt64.self, at: offset + 8))
    }
}
