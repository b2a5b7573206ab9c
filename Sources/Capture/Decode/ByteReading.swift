extension UnsafeRawBufferPointer {
    // Callers check `offset + size <= count` before reading; these never bounds-check themselves.
    @inline(__always)
    func loadUInt8(at offset: Int) -> UInt8 { load(fromByteOffset: offset, as: UInt8.self) }

    /// A `T` stored most significant byte first (network order) at `offset`.
    @inline(__always)
    func loadBigEndian<T: FixedWidthInteger>(as type: T.Type, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
