import HEP

/// Settings of a `SIPExtractor`.
public struct SIPExtractorConfiguration: Sendable {
    public var fragments = FragmentLimits()
    public var streams = StreamLimits()
    /// Tunnel layers (IP-in-IP, GRE) followed before a packet is declared malformed.
    public var maxTunnelDepth = 4

    public init() {}
}

/// Frames in, SIP messages and HEP datagrams out: link layer → IP (fragments reassembled, tunnels
/// decapsulated) → UDP / TCP (reassembled per flow) / SCTP → SIP or HEP. Everything else is counted in
/// `stats` and dropped. One extractor belongs to one thread.
public struct SIPExtractor {
    public internal(set) var stats = CaptureStats()
    public let configuration: SIPExtractorConfiguration
    var fragments: IPFragmentReassembler
    var tcp: TCPReassembler
    var sctpMessages: SCTPReassembler

    public init(configuration: SIPExtractorConfiguration = .init()) {
        self.configuration = configuration
        fragments = IPFragmentReassembler(limits: configuration.fragments)
        tcp = TCPReassembler(limits: configuration.streams)
        sctpMessages = SCTPReassembler(limits: configuration.streams)
    }

    /// TCP directions currently tracked and bytes they hold.
    public var trackedFlows: Int { tcp.flowCount }
    public var bufferedStreamBytes: Int { tcp.bufferedBytes }
    public var fragmentsInProgress: Int { fragments.datagramsInProgress }

    public mutating func process(_ frame: PcapFrame, emit: (CapturedMessage) -> Void) {
        process(
            linkType: frame.linkType, timestamp: frame.timestamp, bytes: frame.bytes,
            originalLength: frame.originalLength, frameNumber: frame.number, emit: emit)
    }

    public mutating func process(
        linkType: LinkType, timestamp: CaptureTimestamp, bytes: UnsafeRawBufferPointer, originalLength: Int? = nil,
        frameNumber: Int = 0, emit: (CapturedMessage) -> Void
    ) {
        stats.frames += 1
        stats.bytes += bytes.count
        if let originalLength, originalLength > bytes.count { stats.truncatedFrames += 1 }
        let context = PacketContext(timestamp: timestamp, frameNumber: frameNumber, outer: nil, depth: 0)
        switch LinkLayerDecoder.decode(linkType, bytes) {
        case .failure(let reason): stats.malformed.add(reason)
        case .success(let layer): network(layer, bytes, context, emit)
        }
    }

    struct PacketContext {
        var timestamp: CaptureTimestamp
        var frameNumber: Int
        var outer: OuterAddresses?
        var depth: Int
    }

    mutating func network(
        _ layer: NetworkLayer, _ buffer: UnsafeRawBufferPointer, _ context: PacketContext,
        _ emit: (CapturedMessage) -> Void
    ) {
        switch IPDecoder.decode(layer, buffer) {
        case nil: stats.ignored.add(.notIP)
        case .failure(let reason)?: stats.malformed.add(reason)
        case .success(let info)?:
            if let fragment = info.fragment {
                let key = IPFragmentReassembler.Key(
                    source: info.source, destination: info.destination, identification: fragment.identification,
                    ipProtocol: info.ipProtocol)
                let data = UnsafeRawBufferPointer(rebasing: buffer[info.payloadStart..<info.payloadEnd])
                guard let whole = fragments.add(
                    key: key, fragment: fragment, data: data, now: context.timestamp.seconds, stats: &stats.fragments)
                else { return }
                whole.withUnsafeBytes { payload in
                    upperLayer(info.ipProtocol, info.source, info.destination, payload, context, emit)
                }
            } else {
                let payload = UnsafeRawBufferPointer(rebasing: buffer[info.payloadStart..<info.payloadEnd])
                upperLayer(info.ipProtocol, info.source, info.destination, payload, context, emit)
            }
        }
    }

    mutating func upperLayer(
        _ ipProtocol: UInt8, _ source: IPAddress, _ destination: IPAddress, _ payload: UnsafeRawBufferPointer,
        _ context: PacketContext, _ emit: (CapturedMessage) -> Void
    ) {
        let addresses = Addresses(source: source, destination: destination)
        switch ipProtocol {
        case 17: udp(addresses, payload, context, emit)
        case 6: tcpSegment(addresses, payload, context, emit)
        case 132: sctp(addresses, payload, context, emit)
        case 4, 41, 47:
            guard holds(context.depth < configuration.maxTunnelDepth, or: .tunnelTooDeep) else { return }
            var inner = context
            inner.depth += 1
            inner.outer = context.outer ?? OuterAddresses(source: source, destination: destination, ipProtocol: ipProtocol)
            switch ipProtocol {
            case 4: network(.ipv4(offset: 0), payload, inner, emit)
            case 41: network(.ipv6(offset: 0), payload, inner, emit)
            default: gre(payload, inner, emit)
            }
        default:
            stats.ignored.add(.otherIPProtocol)
        }
    }

    struct Addresses {
        var source: IPAddress
        var destination: IPAddress
    }
}
