#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import Testing

@Suite struct TunnelAndCorpusDetailTests {
    @Test("corpus: IP-in-IP frames carry inner addresses, outer ones as net.*")
    func ipipInnerAndOuter() throws {
        let (messages, _) = try Corpus.extract("sngrep_ipip.pcap")
        #expect(messages.count == 4)
        let tunnelled = messages.filter { $0.outer != nil }
        #expect(tunnelled.map(\.frameNumber) == [2, 3])
        for message in tunnelled {
            #expect(message.outer?.source.description == "10.15.196.229")
            #expect(message.outer?.destination.description == "10.15.194.19")
            #expect(message.outer?.ipProtocol == 4)
            #expect(message.source.description == "10.15.193.31" && message.sourcePort == 33093)
            #expect(message.destination.description == "10.15.197.103" && message.destinationPort == 5090)
            #expect(message.transport == .tcp)
        }
        #expect(messages.filter { $0.outer == nil }.map(\.frameNumber) == [1, 4])
        #expect(tunnelled.allSatisfy { $0.netSource.description == "10.15.196.229" && $0.netProtocol == 4 })
        #expect(messages.filter { $0.outer == nil }.allSatisfy { $0.netSource == $0.source && $0.netProtocol == 6 })
    }

    @Test("corpus: GRE/TEB mirror traffic is decapsulated")
    func greMirror() throws {
        let (messages, _) = try Corpus.extract("heplify_erspan_sip_ipv4_udp.pcapng")
        #expect(messages.count == 140)
        #expect(messages.allSatisfy { $0.outer?.ipProtocol == 47 })
    }

    @Test("corpus: IPv6 addresses are kept")
    func ipv6Addresses() throws {
        let (messages, _) = try Corpus.extract("heplify_sip_ipv6.pcap")
        #expect(messages.count == 6)
        #expect(messages.allSatisfy { $0.source.isIPv6 && $0.destination.isIPv6 && $0.source.family == 10 })
    }

    @Test("corpus: compressed HEPv3 capture yields 21 HEP datagrams, no SIP")
    func hepInsideUDP() throws {
        let reader = try PcapFileReader(path: Corpus.shared + "corpus/hep/hep-wireshark_hep3_compressed.pcapng")
        var extractor = SIPExtractor()
        var messages: [CapturedMessage] = []
        try reader.forEach { frame in extractor.process(frame) { messages.append($0) } }
        #expect(messages.count == 21)
        #expect(messages.allSatisfy { $0.kind == .hep && $0.payload.starts(with: Array("HEP3".utf8)) })
        #expect(extractor.stats.hepPackets == 21)
    }

    @Test func hepVersion1And2InsideUDPAreRecognised() throws {
        for file in ["heplify-server_hepv1_sip_200ok.bin", "sip3_hepv2_sip_stub.bin"] {
            let datagram = try readFile(Corpus.shared + "corpus/hep/raw/" + file)
            let frame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4("127.0.0.1", "127.0.0.1", protocol: 17, payload: PacketBuilder.udp(1234, 9060, datagram)))
            let result = PacketBuilder.run([frame])
            #expect(result.messages.first?.kind == .hep, "\(file)")
        }
    }

    @Test("corpus: keep-alives and NUL junk on port 5060 are ignored, not SIP")
    func keepAlives() throws {
        let (_, aaa) = try Corpus.extract("sngrep_aaa.pcap")
        #expect(aaa.sipMessages == 81)
        #expect(aaa.ignored[.notSIP] + aaa.ignored[.keepAlive] >= 21)
        let (junk, stats) = try Corpus.extract("zeek_sip-junk-before-request.pcap")
        #expect(junk.count == 1)
        #expect(stats.ignored[.keepAlive] == 1)   // four NUL bytes
    }

    @Test("corpus: RTP and RTCP next to a TCP call are counted as RTP, not SIP")
    func rtpIsCounted() throws {
        let (messages, stats) = try Corpus.extract("heplify_sip_ipv4_tcp.pcap")
        #expect(messages.count == 7)
        #expect(stats.ignored[.rtp] == 68)   // README: udp rtp(66) rtcp(2)
    }

    @Test func fileErrorsAreTyped() throws {
        #expect(throws: CaptureError.self) { try PcapFileReader(path: "/nonexistent/file.pcap") }
        #expect(throws: CaptureError.self) { try PcapFileReader(path: Corpus.shared + "corpus/README.md") }
    }

    @Test func truncatedFileIsAReadErrorAfterTheGoodFrames() throws {
        let bytes = try readFile(Corpus.path("sngrep_aaa.pcap"))
        let path = "/tmp/capd-capture-truncated-\(getpid()).pcap"
        let writer = try FileWriterForTest(path: path)
        try writer.write(Array(bytes.prefix(bytes.count - 10)))
        let reader = try PcapFileReader(path: path)
        var frames = 0
        #expect(throws: CaptureError.self) { try reader.forEach { _ in frames += 1 } }
        #expect(frames == 690)   // 691 frames, the last one cut
    }

    @Test("mutation: random truncations and bit flips of every corpus frame never crash")
    func mutations() throws {
        var generator = SplitMix64(seed: 0xC0FFEE)
        var extractor = SIPExtractor()
        var processed = 0
        for file in try directoryListing(Corpus.directory) {
            let reader = try PcapFileReader(path: Corpus.path(file))
            try reader.forEach { frame in
                var bytes = Array(frame.bytes)
                for _ in 0..<4 {
                    var mutated = bytes
                    if !mutated.isEmpty {
                        let cut = Int(generator.next() % UInt64(mutated.count + 1))
                        mutated = Array(mutated.prefix(cut))
                        for _ in 0..<3 where !mutated.isEmpty {
                            let index = Int(generator.next() % UInt64(mutated.count))
                            mutated[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                        }
                    }
                    mutated.withUnsafeBytes { raw in
                        extractor.process(linkType: frame.linkType, timestamp: frame.timestamp, bytes: raw) { _ in }
                    }
                    processed += 1
                }
                bytes.removeAll()
            }
        }
        #expect(processed > 20_000)
        #expect(extractor.stats.frames == processed)
        #expect(extractor.stats.malformed.total > 0)
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
