import HEP
import Store

/// A call's SIP messages as a classic pcap (Ethernet / IPv4 or IPv6 / UDP, microsecond timestamps) built
/// from the stored addresses, ports and capture times: Wireshark and tshark decode it as SIP. Messages that
/// were carried over TCP or SCTP are written as UDP datagrams too.
struct CallPcap {
    /// Messages that could not be written (address not numeric, or too large for one IP packet).
    private(set) var skipped: [String] = []
    private(set) var bytes: [UInt8] = []
    private var ipv4ID: UInt16 = 1

    init(messages: [StoredMessage]) {
        header()
        for message in messages { append(message) }
    }

    private mutating func header() {
        put32(0xA1B2_C3D4)
        put16(2)
        put16(4)
        put32(0)           // thiszone
        put32(0)           // sigfigs
        put32(262_144)     // snaplen
        put32(1)           // LINKTYPE_ETHERNET
    }

    private mutating func append(_ message: StoredMessage) {
        guard let source = IPAddress(message.sourceIP), let destination = IPAddress(message.destinationIP),
              source.isIPv6 == destination.isIPv6 else {
            skipped.append("\(message.label) at \(CallTime.format(message.microTimestamp)): addresses \(message.sourceIP) -> \(message.destinationIP) are not one numeric family")
            return
        }
        let udpLength = 8 + message.raw.count
        guard udpLength <= 65_535 - (source.isIPv6 ? 0 : 20) else {
            skipped.append("\(message.label) at \(CallTime.format(message.microTimestamp)): \(message.raw.count) bytes do not fit one UDP datagram")
            return
        }
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]   // destination, source MAC
        frame += source.isIPv6 ? [0x86, 0xDD] : [0x08, 0x00]
        let sourcePort = UInt16(clamping: message.sourcePort), destinationPort = UInt16(clamping: message.destinationPort)
        var udp: [UInt8] = []
        udp += be16(sourcePort) + be16(destinationPort) + be16(UInt16(udpLength)) + [0, 0]
        udp += message.raw
        if source.isIPv6 {
            // The UDP checksum is mandatory over IPv6: one's complement sum over the pseudo-header and datagram.
            let pseudo = source.bytes + destination.bytes + be32(UInt32(udpLength)) + [0, 0, 0, 17]
            var sum = Self.checksum(pseudo + udp)
            if sum == 0 { sum = 0xFFFF }
            udp[6] = UInt8(sum >> 8)
            udp[7] = UInt8(sum & 0xFF)
            frame += [0x60, 0, 0, 0] + be16(UInt16(udpLength)) + [17, 64] + source.bytes + destination.bytes
        } else {
            var ip: [UInt8] = [0x45, 0] + be16(UInt16(20 + udpLength)) + be16(ipv4ID) + [0x40, 0, 64, 17, 0, 0]
            ip += source.bytes + destination.bytes
            let sum = Self.checksum(ip)
            ip[10] = UInt8(sum >> 8)
            ip[11] = UInt8(sum & 0xFF)
            ipv4ID &+= 1
            frame += ip
        }
        frame += udp
        let seconds = message.microTimestamp / 1_000_000
        put32(UInt32(truncatingIfNeeded: seconds))
        put32(UInt32(truncatingIfNeeded: message.microTimestamp - seconds * 1_000_000))
        put32(UInt32(frame.count))
        put32(UInt32(frame.count))
        bytes += frame
    }

    /// Internet checksum (RFC 1071).
    static func checksum(_ data: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < data.count {
            sum += UInt32(data[i]) << 8 | UInt32(data[i + 1])
            i += 2
        }
        if i < data.count { sum += UInt32(data[i]) << 8 }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    private func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    private mutating func put16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    private mutating func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
}
