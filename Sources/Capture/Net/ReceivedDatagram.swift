#if canImport(Glibc)
import Glibc
#endif
import HEP

/// `net.*` of a received HEP datagram or frame: the socket it arrived on.
public struct NetInfo: Hashable, Sendable {
    /// The sender (net.src_ip / net.src_port).
    public var source: SocketEndpoint
    /// The listening socket's local address (net.dst_ip / net.dst_port).
    public var destination: SocketEndpoint
    /// The listener's transport (a TLS listener's frames say `.tls`; net.proto_id is 6 for TCP and TLS alike).
    public var transport: EndpointTransport

    public init(source: SocketEndpoint, destination: SocketEndpoint, transport: EndpointTransport) {
        self.source = source
        self.destination = destination
        self.transport = transport
    }

    /// 2 or 10 (net.proto_family).
    public var family: UInt8 { destination.address.family }
    /// 17 or 6 (net.proto_id).
    public var ipProtocol: UInt8 { transport.ipProtocol }
}

/// One HEP datagram (UDP) or HEPv3 frame (TCP) as received, with the socket's addresses.
public struct ReceivedDatagram: Sendable {
    public var bytes: [UInt8]
    public var net: NetInfo
    /// Wall-clock receive time (per batch).
    public var receivedAt: CaptureTimestamp

    public init(bytes: [UInt8], net: NetInfo, receivedAt: CaptureTimestamp) {
        self.bytes = bytes
        self.net = net
        self.receivedAt = receivedAt
    }
}

enum Clock {
    static func now() -> CaptureTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return CaptureTimestamp(seconds: Int(time.tv_sec), microseconds: Int(time.tv_nsec / 1_000))
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
