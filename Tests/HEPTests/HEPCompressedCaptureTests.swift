import Testing
@testable import HEP

/// corpus/hep/hep-wireshark_hep3_compressed.pcapng: 21 HEPv3 datagrams with zlib-compressed payloads (0x0010).
/// A minimal pcapng walk (little-endian sections, Linux cooked v1, IPv4, UDP) extracts the UDP payloads here so
/// the codec is checked on the real bytes; the libpcap path is tested by the Capture module.
@Suite struct HEPCompressedCaptureTests {
    static func udpPayloads(_ file: [UInt8]) -> [[UInt8]] {
        func u32(_ offset: Int) -> Int {
            Int(file[offset]) | Int(file[offset + 1]) << 8 | Int(file[offset + 2]) << 16 | Int(file[offset + 3]) << 24
        }
        var payloads: [[UInt8]] = []
        var position = 0
        while position + 12 <= file.count {
            let type = u32(position)
            let length = u32(position + 4)
            guard length >= 12, position + length <= file.count else { break }
            if type == 6, length >= 32 {   // Enhanced Packet Block
                let captured = u32(position + 20)
                let frame = position + 28
                guard frame + captured <= position + length, captured > 16 + 20 + 8 else { position += length; continue }
                let ip = frame + 16                     // Linux cooked v1 header
                let ihl = Int(file[ip] & 0x0F) * 4
                if file[frame + 14] == 0x08, file[frame + 15] == 0x00, file[ip + 9] == 17 {
                    let udp = ip + ihl
                    let udpLength = Int(file[udp + 4]) << 8 | Int(file[udp + 5])
                    if udpLength >= 8, udp + udpLength <= frame + captured {
                        payloads.append(Array(file[(udp + 8)..<(udp + udpLength)]))
                    }
                }
            }
            position += length
        }
        return payloads
    }

    @Test func inflatesTwentyOneMessagesSevenDistinct() throws {
        let file = try SharedData.bytes("corpus/hep/hep-wireshark_hep3_compressed.pcapng")
        let datagrams = Self.udpPayloads(file)
        #expect(datagrams.count == 21)
        var distinct: Set<[UInt8]> = []
        for datagram in datagrams {
            let packet = try HEPPacket.decode(datagram)
            #expect(packet.version == .v3)
            #expect(packet.captureID == 228)
            #expect(packet.family == 2)
            #expect(packet.protoType == 1)
            #expect(packet.compressedPayload?.prefix(2).elementsEqual([0x78, 0x9C]) == true)
            #expect(packet.authKey != nil)
            let text = packet.payload.text
            #expect(text.contains("8fc0ff7e-9f0feb00-6245ba21@192.168.137.1"), "\(text.prefix(80))")
            #expect(text.hasPrefix("REGISTER sip:rcs.st") || text.hasPrefix("SIP/2.0 "))
            distinct.insert(Array(packet.payload))
        }
        #expect(distinct.count == 7)
    }
}
