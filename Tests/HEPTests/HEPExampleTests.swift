import Testing
@testable import HEP

/// The worked examples of hep-wire-format.md §8, every field.
@Suite struct HEPExampleTests {
    @Test func example1InviteV3() throws {
        let bytes = try SharedData.example(SharedData.invite)
        #expect(bytes.count == 550)
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.version == .v3)
        #expect(packet.family == 2)
        #expect(packet.ipProtocol == 17)
        #expect(packet.transport == "udp")
        #expect(packet.sourceIP == IPAddress("192.0.2.10"))
        #expect(packet.sourceIP.description == "192.0.2.10")
        #expect(packet.destinationIP.description == "198.51.100.20")
        #expect(packet.sourcePort == 5060)
        #expect(packet.destinationPort == 5060)
        #expect(packet.timestampSeconds == 1_700_000_000)
        #expect(packet.timestampMicroseconds == 123_456)
        #expect(packet.protoType == 1)
        #expect(packet.protoTypeName == "SIP")
        #expect(packet.captureID == 2001)
        #expect(packet.payload.count == 451)
        #expect(packet.payload.startIndex == 99)
        #expect(packet.payload.text.hasPrefix("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"))
        #expect(packet.payload.text.hasSuffix("Content-Length: 0\r\n\r\n"))
        #expect(packet.correlationID == nil)
        #expect(packet.authKey == nil)
        #expect(packet.compressedPayload == nil)
        #expect(!packet.addressFamilyMismatch)
        #expect(packet.present == [.family, .ipProtocol, .sourceAddress, .destinationAddress, .sourcePort,
                                   .destinationPort, .timestampSeconds, .timestampMicroseconds, .protoType,
                                   .captureID, .payload])
        let chunks = packet.chunks
        #expect(chunks.map(\.type) == [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 15])
        #expect(chunks.allSatisfy { $0.vendor == 0 })
        #expect(Array(packet.extraChunks).isEmpty)
        #expect(packet.chunk(type: 0x000C).map(Array.init) == [0, 0, 0x07, 0xD1])
    }

    @Test func example2RTCPWithCorrelation() throws {
        let bytes = try SharedData.example(SharedData.rtcp)
        #expect(bytes.count == 447)
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.version == .v3)
        #expect(packet.family == 2)
        #expect(packet.ipProtocol == 17)
        #expect(packet.sourceIP.description == "192.0.2.10")
        #expect(packet.destinationIP.description == "198.51.100.20")
        #expect(packet.sourcePort == 49171)
        #expect(packet.destinationPort == 51373)
        #expect(packet.timestampSeconds == 1_700_000_005)
        #expect(packet.timestampMicroseconds == 250_000)
        #expect(packet.protoType == 5)
        #expect(packet.protoTypeName == "RTCP")
        #expect(packet.captureID == 2001)
        #expect(packet.correlationID?.text == "a84b4c76e66710@192.0.2.10")
        #expect(packet.payload.count == 317)
        #expect(packet.payload.text.hasPrefix("{\"type\":200,\"ssrc\":305419896,"))
        #expect(packet.payload.text.hasSuffix("\"dlsr\":0}]}"))
        let extras = Array(packet.extraChunks)
        #expect(extras.count == 1)
        #expect(extras.first?.type == 0x0011)
        #expect(packet.chunks.map(\.type) == [1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 0x11, 15])
    }

    @Test func example3HEPv2() throws {
        let bytes = try SharedData.example(SharedData.hep2)
        #expect(bytes.count == 327)
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.version == .v2)
        #expect(packet.family == 2)
        #expect(packet.ipProtocol == 17)
        #expect(packet.sourceIP.description == "198.51.100.20")
        #expect(packet.destinationIP.description == "192.0.2.10")
        #expect(packet.sourcePort == 5060)
        #expect(packet.destinationPort == 5060)
        #expect(packet.timestampSeconds == 1_700_000_001)
        #expect(packet.timestampMicroseconds == 500_000)
        #expect(packet.captureID == 2001)
        #expect(packet.protoType == 1)
        #expect(packet.payload.count == 299)
        #expect(packet.payload.startIndex == 28)
        #expect(packet.payload.text.hasPrefix("SIP/2.0 200 OK\r\n"))
        #expect(packet.chunks.isEmpty)
        #expect(packet.correlationID == nil)
    }
}
