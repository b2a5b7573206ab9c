@testable import Capture
import Testing

@Suite struct TCPReassemblyTests {
    func segment(_ sequence: UInt32, _ payload: [UInt8], flags: UInt8 = 0x18, from: Int = 40000, to: Int = 5060) -> [UInt8] {
        PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(
            "192.0.2.1", "192.0.2.2", protocol: 6, payload: PacketBuilder.tcp(from, to, sequence: sequence, flags: flags, payload)))
    }

    @Test func severalMessagesInOneSegment() {
        let one = PacketBuilder.sip("REGISTER", callID: "a", body: "x")
        let two = PacketBuilder.sip("OPTIONS", callID: "b")
        let result = PacketBuilder.run([segment(1000, [], flags: 0x02), segment(1001, one + Array("\r\n\r\n".utf8) + two)])
        #expect(result.messages.map { Array($0.payload) } == [one, two])
        #expect(result.messages.allSatisfy { $0.transport == .tcp })
    }

    @Test func messageAcrossSegmentsOutOfOrderAndRetransmitted() {
        let message = PacketBuilder.sip("INVITE", body: String(repeating: "a", count: 3_000))
        let a = Array(message[0..<100]), b = Array(message[100..<1_500]), c = Array(message[1_500...])
        let frames = [
            segment(1, [], flags: 0x02),
            segment(2, a),
            segment(2 + 1_500, c),          // early
            segment(2, a),                  // retransmission
            segment(2 + 100, b),            // fills the hole
            segment(2 + 100, b),            // retransmission
        ]
        let result = PacketBuilder.run(frames)
        #expect(result.messages.count == 1)
        #expect(result.messages.first.map { Array($0.payload) } == message)
        #expect(result.stats.tcp.outOfOrder == 1)
        #expect(result.stats.tcp.retransmitted == 2)
    }

    @Test func contentLengthFormsAndBareLF() {
        let compact = Array("MESSAGE sip:a@b SIP/2.0\r\nl : 5\r\n\r\nhello".utf8)
        let bareLF = Array("SIP/2.0 200 OK\nCONTENT-LENGTH:3\n\nabc".utf8)
        let noLength = Array("BYE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n".utf8)
        let badLength = Array("ACK sip:a@b SIP/2.0\r\nContent-Length: bad\r\n\r\n".utf8)
        let result = PacketBuilder.run([segment(1, compact + bareLF + noLength + badLength)])
        #expect(result.messages.map { Array($0.payload) } == [compact, bareLF, noLength, badLength])
        #expect(result.stats.tcp.badContentLength == 1)
    }

    @Test func retransmissionAfterFINIsNotASecondMessage() {
        let message = PacketBuilder.sip()
        let frames = [segment(1, message, flags: 0x18), segment(UInt32(1 + message.count), [], flags: 0x11), segment(1, message)]
        let result = PacketBuilder.run(frames)
        #expect(result.messages.count == 1)
        #expect(result.stats.tcp.retransmitted == 1)
    }

    @Test("property: random cuts, local reordering and duplicates give every message once, in order")
    func randomSegmentation() {
        var generator = SplitMix64(seed: 42)
        for round in 0..<200 {
            let messages = (0..<(1 + Int(generator.next() % 6))).map { index in
                PacketBuilder.sip(index % 2 == 0 ? "INVITE" : "BYE", callID: "r\(round)-\(index)",
                                  body: String(repeating: "x", count: Int(generator.next() % 900)))
            }
            let stream = messages.flatMap { $0 }
            var pieces: [(UInt32, [UInt8])] = []
            var offset = 0
            while offset < stream.count {
                let size = 1 + Int(generator.next() % 700)
                pieces.append((UInt32(1_000 + offset), Array(stream[offset..<min(stream.count, offset + size)])))
                offset += size
            }
            // Swap some neighbours and repeat some pieces (retransmissions).
            for index in pieces.indices.dropLast() where generator.next() % 3 == 0 { pieces.swapAt(index, index + 1) }
            var sent: [(UInt32, [UInt8])] = []
            for piece in pieces {
                sent.append(piece)
                if generator.next() % 5 == 0 { sent.append(piece) }
            }
            let frames = [segment(999, [], flags: 0x02)] + sent.map { segment($0.0, $0.1) }
            let result = PacketBuilder.run(frames)
            #expect(result.messages.map { Array($0.payload) } == messages, "round \(round)")
        }
    }

    @Test func junkBeforeRequestLineIsSkipped() {
        let message = PacketBuilder.sip()
        let result = PacketBuilder.run([segment(1, Array("garbage line\r\n\u{0}\u{1}\u{2}\n".utf8) + message)])
        #expect(result.messages.map { Array($0.payload) } == [message])
        #expect(result.stats.ignored[.streamJunk] == 2)
    }

    @Test func oversizeMessageIsSkippedAndTheStreamRecovers() {
        var configuration = SIPExtractorConfiguration()
        configuration.streams.maxMessageSize = 2_000
        let big = PacketBuilder.sip("INVITE", callID: "big", body: String(repeating: "b", count: 5_000))
        let small = PacketBuilder.sip("BYE", callID: "small")
        var frames: [[UInt8]] = []
        let stream = big + small
        var offset = 0
        while offset < stream.count {
            let piece = Array(stream[offset..<min(stream.count, offset + 1_000)])
            frames.append(segment(UInt32(offset + 1), piece))
            offset += 1_000
        }
        let result = PacketBuilder.run(frames, configuration: configuration)
        #expect(result.messages.map { Array($0.payload) } == [small])
        #expect(result.stats.tcp.oversizeMessages == 1)
    }

    @Test func holeBeyondTheBoundIsGivenUp() {
        var configuration = SIPExtractorConfiguration()
        configuration.streams.maxPendingSegments = 2
        let message = PacketBuilder.sip()
        // First bytes lost; three later messages arrive: the stream resynchronises on them.
        let frames = [segment(1, Array(message.prefix(10)))] + (0..<3).map { index in
            segment(UInt32(1_000 + index * message.count), message)
        }
        let result = PacketBuilder.run(frames, configuration: configuration)
        #expect(result.stats.tcp.gaps == 1)
        #expect(result.messages.count == 3)
    }

    @Test func idleFlowsExpireAndTotalMemoryIsBounded() {
        let partial = Array(PacketBuilder.sip().prefix(30))
        let frames = (0..<5).map { segment(1, partial, from: 40_000 + $0) }
        var configuration = SIPExtractorConfiguration()
        configuration.streams.idleTimeoutSeconds = 60
        let result = PacketBuilder.run(frames, configuration: configuration, secondsApart: 100)
        #expect(result.stats.tcp.flowsExpired == 4)
        #expect(result.extractor.trackedFlows == 1)

        var lowMemory = SIPExtractorConfiguration()
        lowMemory.streams.maxTotalBytes = 70
        let bounded = PacketBuilder.run(frames, configuration: lowMemory)
        #expect(bounded.extractor.bufferedStreamBytes <= 70)
        #expect(bounded.extractor.trackedFlows == 2)
        #expect(bounded.stats.tcp.droppedOverLimit == 3)

        var tight = SIPExtractorConfiguration()
        tight.streams.maxFlows = 3
        let limited = PacketBuilder.run(frames, configuration: tight)
        #expect(limited.extractor.trackedFlows == 3)
        #expect(limited.stats.tcp.droppedOverLimit == 2)
    }

    @Test func hepV3FramesInAStream() throws {
        let example = try readFile(Corpus.shared + "spec/examples/hep3_sip_invite_ipv4_udp.bin")
        let stream = example + example + example
        let frames = [segment(1, Array(stream[0..<700]), to: 9060), segment(701, Array(stream[700...]), to: 9060)]
        let result = PacketBuilder.run(frames)
        #expect(result.messages.count == 3)
        #expect(result.messages.allSatisfy { $0.kind == .hep && Array($0.payload) == example })
        #expect(result.stats.hepPackets == 3)
    }

    @Test("corpus: retransmitted 200 OK is dropped")
    func corpusRetransmission() throws {
        let (messages, stats) = try Corpus.extract("heplify_sip_ipv4_tcp_retrans.pcap")
        #expect(messages.count == 8)
        #expect(stats.tcp.retransmitted >= 1)
    }

    @Test("corpus: 64 KiB INVITE in 5 segments is one message")
    func corpusLargeBody() throws {
        let (messages, _) = try Corpus.extract("suricata-verify_sip-body-large.pcap")
        let invite = messages.first { Corpus.label($0) == "INVITE" }
        #expect(invite?.payload.count ?? 0 > 65_536)
        #expect(Corpus.callIDs(messages) == ["test123@attacker.com"])
    }

    @Test("corpus: SIP over WebSocket is unmasked and tagged ws")
    func corpusWebSocket() throws {
        let (messages, _) = try Corpus.extract("heplify_sip_tcp_websocket.pcap")
        #expect(messages.filter { $0.transport == .ws }.count == 11)
        #expect(messages.filter { $0.transport == .udp }.count == 28)
    }

    @Test("corpus: HTTP on port 5060 is counted as HTTP, not stored")
    func corpusHTTP() throws {
        let (messages, stats) = try Corpus.extract("ndpi_http_on_sip_port_nonsip.pcap")
        #expect(messages.isEmpty)
        #expect(stats.ignored[.http] == 2)
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    let reader = try FileBytes(path: path)
    return reader.bytes
}
