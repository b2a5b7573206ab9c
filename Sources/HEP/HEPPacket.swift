/// Which generic fields a packet carried. v1/v2 packets carry the fields their header always has.
public struct HEPFieldPresence: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let family = HEPFieldPresence(rawValue: 1 << 0)
    public static let ipProtocol = HEPFieldPresence(rawValue: 1 << 1)
    public static let sourceAddress = HEPFieldPresence(rawValue: 1 << 2)
    public static let destinationAddress = HEPFieldPresence(rawValue: 1 << 3)
    public static let sourcePort = HEPFieldPresence(rawValue: 1 << 4)
    public static let destinationPort = HEPFieldPresence(rawValue: 1 << 5)
    public static let timestampSeconds = HEPFieldPresence(rawValue: 1 << 6)
    public static let timestampMicroseconds = HEPFieldPresence(rawValue: 1 << 7)
    public static let protoType = HEPFieldPresence(rawValue: 1 << 8)
    public static let captureID = HEPFieldPresence(rawValue: 1 << 9)
    public static let payload = HEPFieldPresence(rawValue: 1 << 10)

    static let v1: HEPFieldPresence = [.family, .ipProtocol, .sourceAddress, .destinationAddress,
                                       .sourcePort, .destinationPort, .protoType, .payload]
    static let v2: HEPFieldPresence = v1.union([.timestampSeconds, .timestampMicroseconds, .captureID])

    /// The presence bit for a built-in generic chunk type, if it has one.
    static func forChunkType(_ type: UInt16) -> HEPFieldPresence? {
        switch type {
        case HEPChunkType.ipFamily: .family
        case HEPChunkType.ipProtocol: .ipProtocol
        case HEPChunkType.ipv4Source, HEPChunkType.ipv6Source: .sourceAddress
        case HEPChunkType.ipv4Destination, HEPChunkType.ipv6Destination: .destinationAddress
        case HEPChunkType.sourcePort: .sourcePort
        case HEPChunkType.destinationPort: .destinationPort
        case HEPChunkType.timestampSeconds: .timestampSeconds
        case HEPChunkType.timestampMicroseconds: .timestampMicroseconds
        case HEPChunkType.protoType: .protoType
        case HEPChunkType.captureID: .captureID
        case HEPChunkType.payload, HEPChunkType.compressedPayload: .payload
        default: nil
        }
    }
}

/// A decoded HEP datagram. It keeps the datagram's buffer; `payload` and chunk bodies are views into it
/// (only an inflated 0x0010 payload lives in a buffer of its own). Fields are changed through the chunk edits
/// of `HEPPacket+Edit.swift`, which keep `bytes`, the typed fields and the chunk views consistent.
public struct HEPPacket: Sendable {
    /// The datagram (for an edited packet: its re-encoded form).
    public internal(set) var bytes: [UInt8]
    public internal(set) var version: HEPVersion
    /// 2 / 10 as on the wire; for v3, 0 when chunk 0x0001 is absent.
    public internal(set) var family: UInt8 = 0
    /// IANA number (17 UDP, 6 TCP, 132 SCTP; 22 "TLS", 50 "WS" markers); see `transport`.
    public internal(set) var ipProtocol: UInt8 = 0
    public internal(set) var sourceIP: IPAddress = .unspecifiedIPv4
    public internal(set) var destinationIP: IPAddress = .unspecifiedIPv4
    public internal(set) var sourcePort: UInt16 = 0
    public internal(set) var destinationPort: UInt16 = 0
    /// 0 when absent (v1, or v3 without 0x0009).
    public internal(set) var timestampSeconds: UInt32 = 0
    public internal(set) var timestampMicroseconds: UInt32 = 0
    /// 1 (SIP) for v1/v2, 0 when a v3 packet has no 0x000B.
    public internal(set) var protoType: UInt8 = 0
    /// 0 when absent; a v2 capture id is at most 65535.
    public internal(set) var captureID: UInt32 = 0
    /// 0x000F, or the inflated 0x0010; v1/v2: rest of the datagram minus trailing NUL bytes.
    public internal(set) var payload: ArraySlice<UInt8> = []
    /// Body of the 0x0010 chunk the payload came from (compressed bytes), nil when it came from 0x000F.
    public internal(set) var compressedPayload: ArraySlice<UInt8>?
    /// Which generic fields the packet carried (v3: which chunks were present).
    public internal(set) var present: HEPFieldPresence = []
    /// v3: the chunk area of `bytes` (6 ..< total length); empty for v1/v2.
    var chunkRegion: Range<Int> = 0..<0
    /// Options the packet was decoded with, reused when an edit re-decodes it.
    var options = HEPDecodeOptions()

    init(bytes: [UInt8], version: HEPVersion) {
        self.bytes = bytes
        self.version = version
    }

    /// Transport name for `ipProtocol` ("udp", "tcp", "tls", "sctp", "ws"), nil for other values.
    public var transport: String? { HEPTransport.name(forIPProtocol: ipProtocol) }

    /// Name of `protoType` ("SIP", "RTCP", "LOG" ...), nil for values without one.
    public var protoTypeName: String? { HEPProtoType.name(for: protoType) }

    /// The family field disagrees with the address chunks that were present (spec §5 row 14: flagged, not fatal).
    public var addressFamilyMismatch: Bool {
        guard present.contains(.family) else { return false }
        if present.contains(.sourceAddress) && sourceIP.family != family { return true }
        if present.contains(.destinationAddress) && destinationIP.family != family { return true }
        return false
    }

    /// Every chunk in wire order, without allocating (empty for v1/v2).
    public var chunkSequence: HEPChunkSequence { HEPChunkSequence(bytes: bytes, region: chunkRegion) }

    /// Every chunk in wire order (allocates an array; v1/v2: empty).
    public var chunks: [HEPChunk] { Array(chunkSequence) }

    /// The extra (non built-in) chunks in wire order, without allocating.
    public var extraChunks: some Sequence<HEPChunk> { chunkSequence.lazy.filter { !$0.isBuiltIn } }

    /// `hep_get`: the body of a chunk. Built-in generic chunks (last one wins, like their typed field);
    /// every other chunk: the first with this type and vendor.
    public func chunk(type: UInt16, vendor: UInt16 = 0) -> ArraySlice<UInt8>? {
        if vendor == 0 && HEPChunkType.isBuiltIn(type) {
            var last: ArraySlice<UInt8>?
            for chunk in chunkSequence where chunk.vendor == 0 && chunk.type == type { last = chunk.body }
            return last
        }
        for chunk in chunkSequence where chunk.type == type && chunk.vendor == vendor { return chunk.body }
        return nil
    }

    /// First vendor-0 chunk 0x0011.
    public var correlationID: ArraySlice<UInt8>? { chunk(type: HEPChunkType.correlationID) }
    /// First vendor-0 chunk 0x000E (plain-text shared secret; never verified by the decoder).
    public var authKey: ArraySlice<UInt8>? { chunk(type: HEPChunkType.authKey) }
    /// First vendor-0 chunk 0x0013 (capture agent name).
    public var nodeName: ArraySlice<UInt8>? { chunk(type: HEPChunkType.nodeName) }
}
