import HEP

/// Capture time of a packet (pcap header time, or receive time for a socket).
public struct CaptureTimestamp: Hashable, Sendable, Comparable {
    public var seconds: Int
    public var microseconds: Int

    public init(seconds: Int, microseconds: Int) {
        self.seconds = seconds
        self.microseconds = microseconds
    }

    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
    }
}

/// Transport a captured message travelled on (DESIGN `transport` field).
public enum CaptureTransport: String, Sendable, Hashable {
    case udp, tcp, sctp, ws

    /// IANA protocol number as HEP carries it (50 is the OpenSIPS/Kamailio "WS" marker).
    public var ipProtocol: UInt8 {
        switch self {
        case .udp: 17
        case .tcp: 6
        case .sctp: 132
        case .ws: 50
        }
    }
}

/// The outermost IP header of a decapsulated packet (IP-in-IP, GRE): the `net.*` fields of raw capture.
public struct OuterAddresses: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    /// IANA number of the tunnel protocol carried by the outer header (4 IPIP, 41 IPv6-in-IPv4, 47 GRE).
    public var ipProtocol: UInt8
    // Made by the extractor only: the memberwise initializer is internal.
}

/// What a captured payload holds.
public enum CapturedPayloadKind: Sendable, Hashable {
    /// One SIP request or response (start line checked for plausibility).
    case sip
    /// One HEP datagram (v1/v2/v3) found inside UDP, or one HEPv3 frame from a TCP stream.
    case hep
}

/// One SIP message or HEP datagram extracted from captured traffic, with the addresses of the packet that
/// carried it (the inner packet for tunnels).
public struct CapturedMessage: Sendable {
    public var kind: CapturedPayloadKind
    public var timestamp: CaptureTimestamp
    public var source: IPAddress
    public var destination: IPAddress
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var transport: CaptureTransport
    public var payload: ArraySlice<UInt8>
    /// Set when the message came out of a tunnel; the outermost IP header.
    public var outer: OuterAddresses?
    /// 1-based number of the frame that completed this message (pcap order), 0 for live sources without one.
    public var frameNumber: Int

    public init(
        kind: CapturedPayloadKind, timestamp: CaptureTimestamp, source: IPAddress, destination: IPAddress,
        sourcePort: UInt16, destinationPort: UInt16, transport: CaptureTransport, payload: ArraySlice<UInt8>,
        outer: OuterAddresses? = nil, frameNumber: Int = 0
    ) {
        self.kind = kind
        self.timestamp = timestamp
        self.source = source
        self.destination = destination
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.transport = transport
        self.payload = payload
        self.outer = outer
        self.frameNumber = frameNumber
    }
}
