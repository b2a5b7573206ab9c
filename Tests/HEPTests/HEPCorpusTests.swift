import Testing
@testable import HEP

/// corpus/hep/raw/*.bin, expectations from corpus/README.md §2.2.
@Suite struct HEPCorpusTests {
    @Test func heplifyV3OK() throws {
        let bytes = try SharedData.rawCorpus("heplify-server_hepv3_sip_200ok.bin")
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.version == .v3)
        #expect(packet.sourceIP.description == "192.168.247.250")
        #expect(packet.destinationIP.description == "192.168.245.250")
        #expect(packet.sourcePort == 5060)
        #expect(packet.destinationPort == 5060)
        #expect(packet.timestampSeconds == 1_520_606_104)
        #expect(packet.timestampMicroseconds == 119_540)
        #expect(packet.protoType == 1)
        #expect(packet.captureID == 0)
        #expect(packet.authKey.map(Array.init) == [])
        #expect(packet.payload.count == 673)
        #expect(packet.payload.text.hasPrefix("SIP/2.0 200 OK"))
        #expect(packet.payload.text.contains("Call-ID: BC099884@6dfcffe8"))
    }

    @Test func heplifyV1OK() throws {
        let bytes = try SharedData.rawCorpus("heplify-server_hepv1_sip_200ok.bin")
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.version == .v1)
        #expect(packet.family == 2)
        #expect(packet.ipProtocol == 17)
        #expect(packet.sourceIP.description == "10.0.1.100")
        #expect(packet.destinationIP.description == "192.168.0.254")
        #expect(packet.sourcePort == 5060)
        #expect(packet.destinationPort == 5060)
        #expect(packet.timestampSeconds == 0)
        #expect(packet.payload.count == 519)
        #expect(packet.payload.text.contains("User-Agent: SpeedTouch 780"))
    }

    @Test func sip3V2Stub() throws {
        let packet = try HEPPacket.decode(try SharedData.rawCorpus("sip3_hepv2_sip_stub.bin"))
        #expect(packet.version == .v2)
        #expect(packet.sourceIP.description == "10.0.0.4")
        #expect(packet.destinationIP.description == "10.0.0.4")
        #expect(packet.sourcePort == 5060)
        #expect(packet.destinationPort == 5062)
        #expect(packet.timestampSeconds == 1_571_254_062)
        #expect(packet.timestampMicroseconds == 44_436)
        #expect(packet.captureID == 1)
        #expect(packet.payload.text == "SIP/2.0")
    }

    @Test func sip3TruncatedNotifyIsRejected() throws {
        let bytes = try SharedData.rawCorpus("sip3_hepv3_sip_stub_notify.bin")
        #expect(decodeError(bytes) == .lengthMismatch(declared: 544, actual: 140))
        // Even lenient decoding cannot accept a packet shorter than its declared length.
        #expect(decodeError(bytes, options: .init(lenient: true)) == .lengthMismatch(declared: 544, actual: 140))
    }

    @Test func sip3RTCPJSON() throws {
        let packet = try HEPPacket.decode(try SharedData.rawCorpus("sip3_hepv3_rtcp_json.bin"))
        #expect(packet.sourceIP.description == "192.168.9.119")
        #expect(packet.destinationIP.description == "192.168.4.140")
        #expect(packet.sourcePort == 17969)
        #expect(packet.destinationPort == 5005)
        #expect(packet.timestampSeconds == 1_602_657_480)
        #expect(packet.timestampMicroseconds == 66_334)
        #expect(packet.protoType == 5)
        #expect(packet.captureID == 2002)
        #expect(packet.correlationID?.text == "946b5b3c-888a-1239-8881-00155d09c401")
        #expect(packet.chunk(type: 0x0012).map(Array.init) == [0, 0])
        #expect(packet.payload.count == 546)
        #expect(packet.payload.text.hasPrefix("{\"sender_information\":"))
    }
}
