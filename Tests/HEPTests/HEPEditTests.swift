import Testing
@testable import HEP

/// Chunk edits with OpenSIPS hep_set / hep_del semantics (opensips-sipcapture-behaviour.md §10).
@Suite struct HEPEditTests {
    let invite: HEPPacket

    init() throws {
        invite = try HEPPacket.decode(try SharedData.example(SharedData.invite))
    }

    @Test func setBuiltInsUpdatesFieldsLookupsAndWire() throws {
        var packet = invite
        try packet.setChunk(named: "proto_type", value: .utf8("LOG"))
        try packet.setChunk(named: "capture_id", value: .uint32(77))
        try packet.setChunk(named: "src_port", value: .utf8("5080"))
        try packet.setChunk(named: "proto_id", value: .utf8("TCP"))
        #expect(packet.protoType == 100)
        #expect(packet.captureID == 77)
        #expect(packet.sourcePort == 5080)
        #expect(packet.transport == "tcp")
        #expect(packet.chunk(type: 0x0C).map(Array.init) == [0, 0, 0, 77])
        let relayed = try HEPPacket.decode(try packet.encoded())
        #expect(relayed.protoType == 100 && relayed.captureID == 77 && relayed.sourcePort == 5080)
        #expect(relayed.ipProtocol == 6)
        #expect(relayed.payload.elementsEqual(invite.payload))
        #expect(relayed.timestampSeconds == invite.timestampSeconds)
    }

    @Test func setAddressSwitchesFamily() throws {
        var packet = invite
        try packet.setChunk(named: "src_ip", value: .utf8("2001:db8::5"))
        #expect(packet.family == 10)
        #expect(packet.sourceIP.description == "2001:db8::5")
        #expect(packet.addressFamilyMismatch)   // destination is still IPv4: set both, as in OpenSIPS
        #expect(packet.chunk(type: 0x0005)?.count == 16)
        #expect(packet.chunk(type: 0x0003) == nil)
        try packet.setChunk(type: 0x0006, value: .inet6(IPAddress("2001:db8::6")!))
        #expect(!packet.addressFamilyMismatch)
        #expect(try HEPPacket.decode(try packet.encoded()).destinationIP.description == "2001:db8::6")
    }

    @Test func extraChunksSetReplaceDelete() throws {
        var packet = invite
        try packet.setChunk(named: "correlation_id", value: .utf8("call-1"))
        #expect(packet.correlationID?.text == "call-1")
        try packet.setChunk(type: 0x0011, value: .utf8("call-2"))
        #expect(packet.correlationID?.text == "call-2")
        #expect(packet.extraChunks.filter { $0.type == 0x11 }.count == 1)
        try packet.setChunk(type: 0x0011, vendor: 3, value: .uint16(9))
        #expect(packet.chunk(type: 0x0011, vendor: 3).map(Array.init) == [0, 9])
        #expect(packet.chunks.last?.type == 0x000F)   // payload stays last
        #expect(try packet.deleteChunk(type: 0x0011))
        #expect(packet.correlationID == nil)
        #expect(packet.chunk(type: 0x0011, vendor: 3) != nil)
        #expect(try packet.deleteChunk(type: 0x0011) == false)
        #expect(try HEPPacket.decode(try packet.encoded()).extraChunks.map(\.vendor) == [3])
    }

    @Test func deleteBuiltIns() throws {
        var packet = invite
        #expect(try packet.deleteChunk(named: "capture_id"))
        #expect(packet.captureID == 0)
        #expect(!packet.present.contains(.captureID))
        #expect(packet.chunk(type: 0x0C) == nil)
        #expect(try packet.deleteChunk(named: "capture_id") == false)
        #expect(try packet.deleteChunk(named: "payload"))
        #expect(packet.payload.isEmpty)
        #expect(throws: HEPDecodeError.noPayload) { try HEPPacket.decode(try packet.encoded()) }
        try packet.setChunk(named: "payload", value: .utf8("OPTIONS sip:a SIP/2.0\r\n\r\n"))
        #expect(packet.payload.text == "OPTIONS sip:a SIP/2.0\r\n\r\n")
    }

    @Test func refusals() throws {
        var packet = invite
        #expect(throws: HEPEditError.readOnlyChunk(1)) { try packet.setChunk(type: 1, value: .uint8(10)) }
        #expect(throws: HEPEditError.readOnlyChunk(9)) { try packet.setChunk(named: "timestamp", value: .uint32(1)) }
        #expect(throws: HEPEditError.readOnlyChunk(10)) { try packet.deleteChunk(type: 10) }
        #expect(throws: HEPEditError.invalidChunkType) { try packet.setChunk(type: 0, value: .uint8(1)) }
        #expect(throws: HEPEditError.unknownChunkName("nope")) { try packet.setChunk(named: "nope", value: .uint8(1)) }
        #expect(throws: HEPEditError.self) { try packet.setChunk(named: "src_port", value: .uint32(70_000)) }
        #expect(throws: HEPEditError.self) { try packet.setChunk(named: "src_ip", value: .utf8("not-an-ip")) }
        #expect(throws: HEPEditError.self) { try packet.setChunk(named: "vlan_id", value: .uint32(1)) }
        #expect(throws: HEPEditError.encoding(.chunkTooLarge(type: 0x0F, size: 70_000))) {
            try packet.setChunk(named: "payload", value: .octets([UInt8](repeating: 1, count: 70_000)))
        }
        #expect(packet.captureID == 2001 && packet.bytes == invite.bytes)   // refused edits change nothing
        var v2 = try HEPPacket.decode(try SharedData.example(SharedData.hep2))
        #expect(throws: HEPEditError.notV3(.v2)) { try v2.setChunk(named: "capture_id", value: .uint32(1)) }
        #expect(throws: HEPEditError.notV3(.v2)) { try v2.deleteChunk(named: "correlation_id") }
    }

    @Test func valueParsing() throws {
        #expect(try HEPChunkValue(parsing: "258", as: .uint16).bytes == [1, 2])
        #expect(try HEPChunkValue(parsing: "16909060", as: .uint32).bytes == [1, 2, 3, 4])
        #expect(try HEPChunkValue(parsing: "192.0.2.1", as: .inet4).bytes == [192, 0, 2, 1])
        #expect(try HEPChunkValue(parsing: "::1", as: .inet6).bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(try HEPChunkValue(parsing: "abc", as: .utf8).bytes == Array("abc".utf8))
        #expect(throws: HEPEditError.self) { try HEPChunkValue(parsing: "256", as: .uint8) }
        #expect(throws: HEPEditError.self) { try HEPChunkValue(parsing: "::1", as: .inet4) }
        #expect(HEPChunkDataType(rawValue: "octet-string") == .octets)
    }
}
