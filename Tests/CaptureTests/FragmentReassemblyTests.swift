@testable import Capture
import Testing

@Suite struct FragmentReassemblyTests {
    let body = String(repeating: "v=0 o=- 1 1 IN IP4 192.0.2.1 s=- c=IN IP4 192.0.2.1\r\n", count: 60)
    var sip: [UInt8] { PacketBuilder.sip("INVITE", body: body) }

    /// Cuts a UDP datagram into IPv4 fragments of `size` bytes (multiple of 8).
    func ipv4Fragments(size: Int, identification: Int = 7) -> [[UInt8]] {
        let udp = PacketBuilder.udp(5060, 5060, sip)
        return stride(from: 0, to: udp.count, by: size).map { offset in
            let piece = Array(udp[offset..<min(udp.count, offset + size)])
            return PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(
                "192.0.2.1", "192.0.2.2", protocol: 17, payload: piece, identification: identification,
                fragmentOffset: offset, moreFragments: offset + size < udp.count))
        }
    }

    @Test func ipv4FragmentsInAnyOrderGiveOneMessage() {
        let fragments = ipv4Fragments(size: 1_000)
        #expect(fragments.count >= 3)
        let result = PacketBuilder.run(fragments.reversed())
        #expect(result.messages.count == 1)
        #expect(result.messages.first.map { Array($0.payload) } == sip)
        #expect(result.stats.fragments.reassembled == 1)
        #expect(result.extractor.fragmentsInProgress == 0)
    }

    @Test func ipv6FragmentsGiveOneMessage() {
        let udp = PacketBuilder.udp(5060, 5060, sip)
        let size = 1_232
        let frames = stride(from: 0, to: udp.count, by: size).map { offset in
            let piece = Array(udp[offset..<min(udp.count, offset + size)])
            let fragmentHeader = PacketBuilder.ipv6Fragment(next: 17, offset: offset, more: offset + size < udp.count, identification: 99)
            return PacketBuilder.ethernet(type: 0x86DD, PacketBuilder.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44, payload: piece, extensions: fragmentHeader))
        }
        let result = PacketBuilder.run(frames)
        #expect(result.messages.count == 1)
        #expect(result.messages.first?.source.description == "2001:db8::1")
        #expect(result.messages.first.map { Array($0.payload) } == sip)
    }

    @Test func incompleteDatagramTimesOut() {
        var fragments = ipv4Fragments(size: 1_000)
        fragments.removeLast()
        let unrelated = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4("192.0.2.9", "192.0.2.2", protocol: 17, payload: PacketBuilder.udp(1, 2, [1, 2, 3]), identification: 1, fragmentOffset: 0, moreFragments: true))
        // Frames are 40 s apart: the first datagram is older than the 30 s timeout when the last frame arrives.
        let result = PacketBuilder.run(fragments + [unrelated], secondsApart: 40)
        #expect(result.messages.isEmpty)
        #expect(result.stats.fragments.timedOut >= 1)
    }

    @Test func boundsAreEnforcedAndCounted() {
        var configuration = SIPExtractorConfiguration()
        configuration.fragments.maxDatagrams = 2
        let firsts = (1...3).map { ipv4Fragments(size: 1_000, identification: $0)[0] }
        let result = PacketBuilder.run(firsts, configuration: configuration)
        #expect(result.stats.fragments.droppedOverLimit == 1)
        #expect(result.extractor.fragmentsInProgress == 2)

        var small = SIPExtractorConfiguration()
        small.fragments.maxTotalBytes = 1_500
        let limited = PacketBuilder.run(ipv4Fragments(size: 1_000), configuration: small)
        #expect(limited.messages.isEmpty)
        #expect(limited.stats.fragments.droppedOverLimit >= 1)
    }

    @Test("corpus: 4 IPv6 fragments of a non-SIP datagram reassemble, no SIP")
    func corpusIPv6Fragments() throws {
        let (messages, stats) = try Corpus.extract("heplify_ipv6-udp-fragmented_nonsip.pcap")
        #expect(messages.isEmpty)
        #expect(stats.fragments.received == 4)
        #expect(stats.fragments.reassembled == 1)
        #expect(stats.ignored[.notSIP] >= 1)   // the reassembled NDN datagram (and the capture's other UDP)
    }
}
