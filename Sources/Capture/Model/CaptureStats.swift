/// Why a frame (or part of one) was dropped as malformed.
public enum MalformedReason: Int, Error, CaseIterable, Sendable, CustomStringConvertible {
    case unsupportedLinkType, truncatedLinkHeader, tooManyVLANTags, truncatedIPHeader, badIPVersion,
         badIPHeaderLength, badIPTotalLength, truncatedIPPacket, badIPv6ExtensionHeader, truncatedUDP,
         badUDPLength, truncatedTCP, badTCPHeaderLength, truncatedSCTP, badSCTPChunk, badGREHeader,
         tunnelTooDeep, badFragment

    public var description: String {
        switch self {
        case .unsupportedLinkType: "unsupported_link_type"
        case .truncatedLinkHeader: "truncated_link_header"
        case .tooManyVLANTags: "too_many_vlan_tags"
        case .truncatedIPHeader: "truncated_ip_header"
        case .badIPVersion: "bad_ip_version"
        case .badIPHeaderLength: "bad_ip_header_length"
        case .badIPTotalLength: "bad_ip_total_length"
        case .truncatedIPPacket: "truncated_ip_packet"
        case .badIPv6ExtensionHeader: "bad_ipv6_extension_header"
        case .truncatedUDP: "truncated_udp"
        case .badUDPLength: "bad_udp_length"
        case .truncatedTCP: "truncated_tcp"
        case .badTCPHeaderLength: "bad_tcp_header_length"
        case .truncatedSCTP: "truncated_sctp"
        case .badSCTPChunk: "bad_sctp_chunk"
        case .badGREHeader: "bad_gre_header"
        case .tunnelTooDeep: "tunnel_too_deep"
        case .badFragment: "bad_fragment"
        }
    }
}

/// Why well-formed traffic produced no SIP/HEP message.
public enum IgnoredReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// ARP, STP, LLC, ...: not IP at all.
    case notIP
    /// IP, but neither UDP, TCP, SCTP nor a tunnel (ICMP, VRRP, ESP...).
    case otherIPProtocol
    /// Transport payload that is empty (pure ACKs, SCTP control chunks).
    case emptyPayload
    /// CRLF keep-alives and runs of NUL/whitespace.
    case keepAlive
    /// A UDP/SCTP payload that is neither SIP nor HEP nor RTP/RTCP (DNS, junk...).
    case notSIP
    /// UDP payload with an RTP/RTCP version-2 header.
    case rtp
    /// HTTP on a stream that is not upgraded to WebSocket.
    case http
    /// Bytes skipped in a TCP stream while looking for a SIP start line.
    case streamJunk
    /// TCP data that was already delivered (retransmission).
    case tcpRetransmission
    /// WebSocket control frames (ping/pong/close).
    case webSocketControl
    /// SCTP DATA chunk that is one piece of a fragmented user message (not reassembled).
    case sctpFragment

    public var description: String {
        switch self {
        case .notIP: "not_ip"
        case .otherIPProtocol: "other_ip_protocol"
        case .emptyPayload: "empty_payload"
        case .keepAlive: "keep_alive"
        case .notSIP: "not_sip"
        case .rtp: "rtp"
        case .http: "http"
        case .streamJunk: "stream_junk"
        case .tcpRetransmission: "tcp_retransmission"
        case .webSocketControl: "websocket_control"
        case .sctpFragment: "sctp_fragment"
        }
    }
}

/// Counters indexed by a reason enum, without hashing.
public struct ReasonCounts<Reason: CaseIterable & RawRepresentable & Hashable & Sendable>: Sendable
where Reason.RawValue == Int {
    private var counts: [Int]

    public init() { counts = Array(repeating: 0, count: Reason.allCases.count) }

    public subscript(reason: Reason) -> Int {
        get { counts.indices.contains(reason.rawValue) ? counts[reason.rawValue] : 0 }
        set { if counts.indices.contains(reason.rawValue) { counts[reason.rawValue] = newValue } }
    }

    public mutating func add(_ reason: Reason, _ amount: Int = 1) { self[reason] += amount }

    public var total: Int { counts.reduce(0, +) }

    /// Non-zero counts in declaration order.
    public var nonZero: [(reason: Reason, count: Int)] {
        Reason.allCases.compactMap { reason in self[reason] == 0 ? nil : (reason, self[reason]) }
    }

    public mutating func merge(_ other: ReasonCounts<Reason>) {
        for reason in Reason.allCases { self[reason] += other[reason] }
    }
}

/// What happened to the frames given to a `SIPExtractor`.
public struct CaptureStats: Sendable {
    public var frames = 0
    public var bytes = 0
    public var sipMessages = 0
    public var hepPackets = 0
    public var malformed = ReasonCounts<MalformedReason>()
    public var ignored = ReasonCounts<IgnoredReason>()
    public var fragments = FragmentStats()
    public var tcp = TCPStreamStats()
    /// Frames whose captured length is shorter than the original (snaplen cut).
    public var truncatedFrames = 0

    public init() {}

    public mutating func merge(_ other: CaptureStats) {
        frames += other.frames
        bytes += other.bytes
        sipMessages += other.sipMessages
        hepPackets += other.hepPackets
        malformed.merge(other.malformed)
        ignored.merge(other.ignored)
        fragments.merge(other.fragments)
        tcp.merge(other.tcp)
        truncatedFrames += other.truncatedFrames
    }
}

public struct FragmentStats: Sendable {
    public var received = 0
    public var reassembled = 0
    public var timedOut = 0
    /// Fragments refused because a bound (datagram size, datagrams in progress, total bytes) was reached.
    public var droppedOverLimit = 0
    public var droppedInvalid = 0

    public mutating func merge(_ other: FragmentStats) {
        received += other.received
        reassembled += other.reassembled
        timedOut += other.timedOut
        droppedOverLimit += other.droppedOverLimit
        droppedInvalid += other.droppedInvalid
    }
}

public struct TCPStreamStats: Sendable {
    public var segments = 0
    public var outOfOrder = 0
    public var retransmitted = 0
    /// Holes given up on (missing data never arrived within the bounds); the stream resynchronises.
    public var gaps = 0
    /// Messages larger than the per-flow bound; their bytes are skipped.
    public var oversizeMessages = 0
    public var flowsExpired = 0
    /// Segments refused because the total memory bound or the flow count bound was reached.
    public var droppedOverLimit = 0
    public var badContentLength = 0

    public mutating func merge(_ other: TCPStreamStats) {
        segments += other.segments
        outOfOrder += other.outOfOrder
        retransmitted += other.retransmitted
        gaps += other.gaps
        oversizeMessages += other.oversizeMessages
        flowsExpired += other.flowsExpired
        droppedOverLimit += other.droppedOverLimit
        badContentLength += other.badContentLength
    }
}
