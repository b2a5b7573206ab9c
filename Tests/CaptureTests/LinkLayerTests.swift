import HEP
@testable import Capture
import Testing

@Suite struct LinkLayerTests {
    let sip = PacketBuilder.sip()
    var udpIPv4: [UInt8] { PacketBuilder.ipv4("192.0.2.1", "198.51.100.2", protocol: 17, payload: PacketBuilder.udp(5060, 5062, sip)) }

    func expectOne(_ result: (messages: [CapturedMessage], stats: CaptureStats, extractor: SIPExtractor)) {
        #expect(result.messages.count == 1)
        guard let message = result.messages.first else { return }
        #expect(message.source.description == "192.0.2.1")
        #expect(message.destination.description == "198.51.100.2")
        #expect(message.sourcePort == 5060 && message.destinationPort == 5062)
        #expect(message.transport == .udp && message.kind == .sip)
        #expect(Array(message.payload) == sip)
    }

    @Test func ethernetWithVLANAndQinQ() {
        expectOne(PacketBuilder.run([PacketBuilder.ethernet(type: 0x0800, vlans: [100], udpIPv4)]))
        expectOne(PacketBuilder.run([PacketBuilder.ethernet(type: 0x0800, vlans: [10, 20], outerTagType: 0x88A8, udpIPv4)]))
    }

    @Test func tooManyVLANTagsIsMalformed() {
        let result = PacketBuilder.run([PacketBuilder.ethernet(type: 0x0800, vlans: [1, 2, 3, 4, 5], udpIPv4)])
        #expect(result.messages.isEmpty)
        #expect(result.stats.malformed[.tooManyVLANTags] == 1)
    }

    @Test func linuxCookedV1AndV2() {
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00]
        expectOne(PacketBuilder.run([sll + udpIPv4], linkType: .linuxSLL))
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0]
        expectOne(PacketBuilder.run([sll2 + udpIPv4], linkType: .linuxSLL2))
    }

    @Test func rawIPAndLoopback() {
        expectOne(PacketBuilder.run([udpIPv4], linkType: .raw))
        expectOne(PacketBuilder.run([udpIPv4], linkType: .rawLinktype))
        expectOne(PacketBuilder.run([[2, 0, 0, 0] + udpIPv4], linkType: .null))   // little-endian AF_INET
        expectOne(PacketBuilder.run([[0, 0, 0, 2] + udpIPv4], linkType: .loop))
        let ipv6 = PacketBuilder.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 17, payload: PacketBuilder.udp(5060, 5060, sip))
        let result = PacketBuilder.run([ipv6], linkType: .raw)
        #expect(result.messages.first?.source.description == "2001:db8::1")
        #expect(result.messages.first?.destination.isIPv6 == true)
    }

    @Test func ipv6ExtensionHeadersAreSkipped() {
        // Hop-by-hop (8 bytes) then destination options (8 bytes) then UDP.
        let extensions: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0] + [17, 0, 1, 4, 0, 0, 0, 0]
        let packet = PacketBuilder.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 0, payload: PacketBuilder.udp(5060, 5060, sip), extensions: extensions)
        let result = PacketBuilder.run([PacketBuilder.ethernet(type: 0x86DD, packet)])
        #expect(result.messages.count == 1)
        #expect(result.messages.first.map { Array($0.payload) } == sip)
    }

    @Test func unsupportedLinkTypeAndNonIPAreCounted() {
        let result = PacketBuilder.run([udpIPv4], linkType: LinkType(rawValue: 147))
        #expect(result.stats.malformed[.unsupportedLinkType] == 1)
        let arp = PacketBuilder.run([PacketBuilder.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))])
        #expect(arp.stats.ignored[.notIP] == 1)
    }

    @Test func truncatedHeadersAreCountedByReason() {
        let frame = PacketBuilder.ethernet(type: 0x0800, udpIPv4)
        let cuts: [(Int, MalformedReason)] = [(10, .truncatedLinkHeader), (20, .truncatedIPHeader), (40, .truncatedIPPacket)]
        for (length, reason) in cuts {
            let result = PacketBuilder.run([Array(frame.prefix(length))])
            #expect(result.stats.malformed[reason] == 1, "cut at \(length)")
        }
    }
}
