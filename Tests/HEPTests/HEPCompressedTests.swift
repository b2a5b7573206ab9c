import CZlib
import Testing
@testable import HEP

/// Chunk 0x0010: gzip, zlib and raw deflate made here with zlib, size bound, failure modes.
@Suite struct HEPCompressedTests {
    enum Framing: Int32, CaseIterable { case gzip = 31, zlib = 15, raw = -15 }

    static func deflate(_ input: [UInt8], framing: Framing) -> [UInt8] {
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, framing.rawValue, 8,
                                       Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK)
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        var input = input
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target -> Int in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }

    /// Example 1 with its payload chunk replaced by a 0x0010 chunk holding `body`.
    static func compressedPacket(_ body: [UInt8]) throws -> [UInt8] {
        let invite = try SharedData.example(SharedData.invite)
        var bytes = Array(invite[0..<93])
        bytes += [0, 0, 0, 0x10]
        bytes.appendUInt16(UInt16(body.count + 6))
        bytes += body
        setUInt16(&bytes, at: 4, UInt16(bytes.count))
        return bytes
    }

    @Test(arguments: Framing.allCases)
    func inflatesEveryFraming(framing: Framing) throws {
        let invite = try HEPPacket.decode(try SharedData.example(SharedData.invite))
        let compressed = Self.deflate(Array(invite.payload), framing: framing)
        #expect(compressed.count < invite.payload.count)
        let packet = try HEPPacket.decode(try Self.compressedPacket(compressed))
        #expect(packet.payload.elementsEqual(invite.payload))
        #expect(packet.compressedPayload.map(Array.init) == compressed)
        #expect(packet.present.contains(.payload))
        // Relay keeps it compressed; decoding the relayed packet inflates to the same payload.
        let relayed = try packet.encoded()
        #expect(relayed.count < invite.bytes.count)
        #expect(try HEPPacket.decode(relayed).payload.elementsEqual(invite.payload))
        // v2 cannot say "compressed": it carries the inflated payload.
        #expect(try HEPPacket.decode(try packet.encoded(as: .v2)).payload.elementsEqual(invite.payload))
        // Without inflating, the compressed bytes are the payload.
        let raw = try HEPPacket.decode(try Self.compressedPacket(compressed), options: .init(inflateCompressedPayload: false))
        #expect(Array(raw.payload) == compressed)
    }

    @Test func boundIsEnforced() throws {
        let big = [UInt8](repeating: 0x41, count: 1 << 20)
        let bomb = Self.deflate(big, framing: .zlib)
        #expect(bomb.count < 2048)
        let bytes = try Self.compressedPacket(bomb)
        #expect(throws: HEPDecodeError.inflatedTooLarge) { try HEPPacket.decode(bytes) }
        #expect(throws: HEPDecodeError.inflatedTooLarge) {
            try HEPPacket.decode(bytes, options: .init(maxInflatedSize: (1 << 20) - 1))
        }
        let exact = try HEPPacket.decode(bytes, options: .init(maxInflatedSize: 1 << 20))
        #expect(exact.payload.count == 1 << 20)
    }

    @Test func brokenStreamsAreRejected() throws {
        let payload = Array(repeating: Array("REGISTER sip:rcs.st SIP/2.0\r\n".utf8), count: 20).flatMap { $0 }
        for framing in Framing.allCases {
            let good = Self.deflate(payload, framing: framing)
            let cut = Array(good[0..<(good.count / 2)])
            #expect(throws: HEPDecodeError.inflateFailed) { try HEPPacket.decode(try Self.compressedPacket(cut)) }
        }
        #expect(throws: HEPDecodeError.inflateFailed) {
            try HEPPacket.decode(try Self.compressedPacket([0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]))
        }
        #expect(throws: HEPDecodeError.inflateFailed) { try HEPPacket.decode(try Self.compressedPacket([])) }
    }
}
