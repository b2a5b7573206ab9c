import HEP

/// Where a packet arrived: the `net.*` fields ($hep_net). For HEP, the listener socket and the agent; for
/// raw capture, the outer IP header of the captured packet.
struct SocketInfo: Sendable {
    /// Metrics label of the listener (`udp://127.0.0.1:9060`, `raw:eth0`, `replay`).
    var listener: String
    var source: IPAddress
    var sourcePort: UInt16
    var destination: IPAddress
    var destinationPort: UInt16
    /// IANA protocol number of the socket (17 UDP, 6 TCP).
    var ipProtocol: UInt8

    var family: UInt8 { source.family }
}

/// Receive time as UTC epoch seconds and microseconds.
struct ReceiveTime: Sendable {
    var seconds: Int
    var microseconds: Int

    static func now() -> ReceiveTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ReceiveTime(seconds: ts.tv_sec, microseconds: ts.tv_nsec / 1000)
    }

    var epochMicroseconds: Int64 { Int64(seconds) * 1_000_000 + Int64(microseconds) }
}

#if canImport(Glibc)
import Glibc
#endif
