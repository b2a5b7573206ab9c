import Testing
@testable import HEP

@Suite struct HEPNameTableTests {
    @Test func protoTypes() {
        #expect(HEPProtoType.name(for: 1) == "SIP")
        #expect(HEPProtoType.name(for: 5) == "RTCP")
        #expect(HEPProtoType.name(for: 100) == "LOG")
        #expect(HEPProtoType.name(for: 12) == "H321")
        #expect(HEPProtoType.name(for: 200) == nil)
        #expect(HEPProtoType.value(named: "sip") == 1)
        #expect(HEPProtoType.value(named: "H322") == 11)
        #expect(HEPProtoType.value(named: "log") == 100)
        #expect(HEPProtoType.value(named: "nope") == nil)
        for entry in HEPProtoType.names { #expect(HEPProtoType.value(named: entry.name) == entry.value) }
    }

    @Test func transports() {
        #expect(HEPTransport.name(forIPProtocol: 17) == "udp")
        #expect(HEPTransport.name(forIPProtocol: 6) == "tcp")
        #expect(HEPTransport.name(forIPProtocol: 22) == "tls")
        #expect(HEPTransport.name(forIPProtocol: 132) == "sctp")
        #expect(HEPTransport.name(forIPProtocol: 50) == "ws")
        #expect(HEPTransport.name(forIPProtocol: 1) == nil)
        #expect(HEPTransport.ipProtocol(named: "TLS") == 22)
    }

    @Test func chunkNames() {
        #expect(HEPChunkType.type(named: "proto_type") == 0x000B)
        #expect(HEPChunkType.type(named: "Capture_ID") == 0x000C)
        #expect(HEPChunkType.type(named: "captagent_id") == 0x000C)
        #expect(HEPChunkType.type(named: "correlation_id") == 0x0011)
        #expect(HEPChunkType.type(named: "src_ip") == 0x0003)
        #expect(HEPChunkType.type(named: "payload") == 0x000F)
        #expect(HEPChunkType.type(named: "0x0011") == 0x0011)
        #expect(HEPChunkType.type(named: "17") == 17)
        #expect(HEPChunkType.type(named: "0") == nil)
        #expect(HEPChunkType.type(named: "proto") == nil)
        #expect(HEPChunkType.name(for: 0x000C) == "capture_id")
        #expect(HEPChunkType.isReadOnly(1) && HEPChunkType.isReadOnly(9) && HEPChunkType.isReadOnly(10))
        #expect(!HEPChunkType.isReadOnly(2))
    }
}
