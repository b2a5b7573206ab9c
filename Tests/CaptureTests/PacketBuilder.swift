import HEP
@testable import Capture

/// Builds synthetic frames for tests (checksums left zero unless noted; capd does not verify them).
enum PacketBuilder {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func ipv4(
        _ source: String, _ destination: String, protocol ipProtocol: UInt8, payload: [UInt8],
        identification: Int = 1, fragmentOffset: Int = 0, moreFragments: Bool = false
    ) -> [UInt8] {
        let total = 20 + payload.count
        var header: [UInt8] = [0x45, 0] + be16(total) + be16(identification)
        header += be16((moreFragments ? 0x2000 : 0) | (fragmentOffset / 8))
        header += [64, ipProtocol, 0, 0]
        header += IPAddress(source)!.bytes + IPAddress(destination)!.bytes
        var sum = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += Int(header[index]) << 8 | Int(header[index + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        let checksum = ~sum & 0xffff
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xff)
        return header + payload
    }

    static func ipv6(
        _ source: String, _ destination: String, nextHeader: UInt8, payload: [UInt8], extensions: [UInt8] = []
    ) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(extensions.count + payload.count) + [nextHeader, 64]
            + IPAddress(source)!.bytes + IPAddress(destination)!.bytes + extensions + payload
    }

    /// IPv6 fragment extension header (8 bytes).
    static func ipv6Fragment(next: UInt8, offset: Int, more: Bool, identification: UInt32) -> [UInt8] {
        [next, 0] + be16(offset | (more ? 1 : 0)) + be32(identification)
    }

    static func udp(_ sourcePort: Int, _ destinationPort: Int, _ payload: [UInt8]) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(8 + payload.count) + [0, 0] + payload
    }

    static func tcp(
        _ sourcePort: Int, _ destinationPort: Int, sequence: UInt32, flags: UInt8 = 0x18, _ payload: [UInt8]
    ) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(0) + [0x50, flags] + be16(65535)
            + [0, 0, 0, 0] + payload
    }

    static func ethernet(type: Int, vlans: [Int] = [], outerTagType: Int = 0x8100, _ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
        for (index, vlan) in vlans.enumerated() {
            frame += be16(index == 0 ? outerTagType : 0x8100) + be16(vlan)
        }
        return frame + be16(type) + payload
    }

    static func sip(_ method: String = "OPTIONS", callID: String = "abc@test", body: String = "") -> [UInt8] {
        Array((
            "\(method) sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
                + "Call-ID: \(callID)\r\nCSeq: 1 \(method)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        ).utf8)
    }

    /// Runs frames through one extractor.
    static func run(
        _ frames: [[UInt8]], linkType: LinkType = .ethernet, configuration: SIPExtractorConfiguration = .init(),
        secondsApart: Int = 0
    ) -> (messages: [CapturedMessage], stats: CaptureStats, extractor: SIPExtractor) {
        var extractor = SIPExtractor(configuration: configuration)
        var messages: [CapturedMessage] = []
        for (index, frame) in frames.enumerated() {
            frame.withUnsafeBytes { bytes in
                extractor.process(
                    linkType: linkType, timestamp: CaptureTimestamp(seconds: 1_700_000_000 + index * secondsApart, microseconds: 0),
                    bytes: bytes, frameNumber: index + 1) { messages.append($0) }
            }
        }
        return (messages, extractor.stats, extractor)
    }
}
