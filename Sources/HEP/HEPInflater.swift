import CZlib

/// Inflates a HEPv3 0x0010 body: gzip (`1f 8b`), zlib (`78 ..`) or raw deflate, bounded in size.
enum HEPInflater {
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) throws(HEPDecodeError) -> [UInt8] {
        let windowBits: Int32
        if input.count >= 2, input[input.startIndex] == 0x1F, input[input.startIndex + 1] == 0x8B {
            windowBits = 15 + 16
        } else if let first = input.first, first == 0x78 {
            windowBits = 15
        } else {
            windowBits = -15
        }
        guard limit > 0 else { throw .inflatedTooLarge }
        var output = [UInt8](repeating: 0, count: min(limit, max(4096, input.count * 4)))
        var produced = 0
        var status: Int32 = Z_OK
        var stream = z_stream()
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .inflateFailed
        }
        defer { inflateEnd(&stream) }
        var tooLarge = false
        input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    if output.count >= limit {
                        // Output is full at the limit: one more byte means the payload is too large.
                        var probe: UInt8 = 0
                        status = withUnsafeMutablePointer(to: &probe) { pointer -> Int32 in
                            stream.next_out = pointer
                            stream.avail_out = 1
                            return CZlib.inflate(&stream, Z_NO_FLUSH)
                        }
                        tooLarge = stream.avail_out == 0
                        return
                    }
                    output.append(contentsOf: repeatElement(0, count: min(limit, output.count * 2) - output.count))
                }
                status = output.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress.map { $0 + produced }
                    stream.avail_out = UInt32(target.count - produced)
                    let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = target.count - Int(stream.avail_out)
                    return result
                }
                if status == Z_STREAM_END { return }
                if status != Z_OK { return }
                if stream.avail_in == 0 && produced < output.count { status = Z_BUF_ERROR; return }
            }
        }
        if tooLarge { throw .inflatedTooLarge }
        guard status == Z_STREAM_END else { throw .inflateFailed }
        output.removeSubrange(produced...)
        return output
    }
}
