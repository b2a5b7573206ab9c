/// Generic (vendor 0) chunk type ids of HEPv3 rev 37, and the names rules and `hep_set`-style edits use.
public enum HEPChunkType {
    public static let ipFamily: UInt16 = 0x0001
    public static let ipProtocol: UInt16 = 0x0002
    public static let ipv4Source: UInt16 = 0x0003
    public static let ipv4Destination: UInt16 = 0x0004
    public static let ipv6Source: UInt16 = 0x0005
    public static let ipv6Destination: UInt16 = 0x0006
    public static let sourcePort: UInt16 = 0x0007
    public static let destinationPort: UInt16 = 0x0008
    public static let timestampSeconds: UInt16 = 0x0009
    public static let timestampMicroseconds: UInt16 = 0x000A
    public static let protoType: UInt16 = 0x000B
    public static let captureID: UInt16 = 0x000C
    public static let keepAliveTimer: UInt16 = 0x000D
    public static let authKey: UInt16 = 0x000E
    public static let payload: UInt16 = 0x000F
    public static let compressedPayload: UInt16 = 0x0010
    public static let correlationID: UInt16 = 0x0011
    public static let vlanID: UInt16 = 0x0012
    public static let nodeName: UInt16 = 0x0013
    public static let extraCorrelation: UInt16 = 0x0065

    /// Chunks whose value the decoder keeps in a typed field (the rest are extra chunks, kept in order).
    public static func isBuiltIn(_ type: UInt16) -> Bool {
        (type >= 0x0001 && type <= 0x000C) || type == payload || type == compressedPayload
    }

    /// Chunks that edits may not set or delete (OpenSIPS `hep_set` refuses them too).
    public static func isReadOnly(_ type: UInt16) -> Bool {
        type == ipFamily || type == timestampSeconds || type == timestampMicroseconds
    }

    /// Body size a vendor-0 chunk of this type must have, or nil when any size is allowed.
    /// (The fixed-size chunks OpenSIPS and heplify-server check; later fixed-size types are kept opaque.)
    public static func fixedBodySize(_ type: UInt16) -> Int? {
        switch type {
        case ipFamily, ipProtocol, protoType: 1
        case sourcePort, destinationPort, keepAliveTimer, vlanID: 2
        case ipv4Source, ipv4Destination, timestampSeconds, timestampMicroseconds, captureID: 4
        case ipv6Source, ipv6Destination: 16
        default: nil
        }
    }

    /// Canonical lowercase names of generic chunks, e.g. for rules (`hep.chunk.correlation_id`) and edits.
    /// The first name of a type is its canonical name; later ones are accepted aliases (OpenSIPS spellings).
    public static let names: [(name: String, type: UInt16)] = [
        ("proto_family", 0x0001), ("ip_family", 0x0001),
        ("proto_id", 0x0002), ("ip_proto", 0x0002),
        ("src_ip", 0x0003), ("dst_ip", 0x0004), ("src_ip6", 0x0005), ("dst_ip6", 0x0006),
        ("src_port", 0x0007), ("dst_port", 0x0008),
        ("timestamp", 0x0009), ("timestamp_us", 0x000A),
        ("proto_type", 0x000B),
        ("capture_id", 0x000C), ("captagent_id", 0x000C),
        ("keep_alive", 0x000D), ("auth_key", 0x000E),
        ("payload", 0x000F), ("compressed_payload", 0x0010),
        ("correlation_id", 0x0011), ("vlan_id", 0x0012), ("node_name", 0x0013),
        ("src_mac", 0x0014), ("dst_mac", 0x0015), ("eth_type", 0x0016), ("tcp_flags", 0x0017), ("ip_tos", 0x0018),
        ("mos", 0x0020), ("r_factor", 0x0021), ("geo_location", 0x0022), ("jitter", 0x0023),
        ("transaction_type", 0x0024), ("payload_json_keys", 0x0025), ("tag_values", 0x0026), ("tag_type", 0x0027),
        ("event_type", 0x0028), ("group_id", 0x0029), ("extra_correlation", 0x0065),
    ]

    /// Type id for a chunk name (case-insensitive, exact match), or for a number in decimal or `0x` hex (not 0).
    public static func type(named name: String) -> UInt16? {
        if let type = WireNames.number(named: name, in: names) { return type }
        let lowered = name.lowercased()
        let parsed: UInt16? = lowered.hasPrefix("0x") ? UInt16(lowered.dropFirst(2), radix: 16) : UInt16(lowered)
        guard let value = parsed, value != 0 else { return nil }
        return value
    }

    /// Canonical name of a generic chunk type, or nil when it has none.
    public static func name(for type: UInt16) -> String? { WireNames.name(for: type, in: names) }
}

/// HEP protocol-type values (chunk 0x000B), rev 37 table plus the de-facto values of OpenSIPS, Kamailio and heplify.
public enum HEPProtoType {
    public static let sip: UInt8 = 1
    public static let rtcp: UInt8 = 5
    public static let log: UInt8 = 100

    /// Canonical uppercase names; lookups by name are case-insensitive.
    public static let names: [(name: String, value: UInt8)] = [
        ("RESERVED", 0), ("SIP", 1), ("XMPP", 2), ("SDP", 3), ("RTP", 4), ("RTCP", 5), ("MGCP", 6), ("MEGACO", 7),
        ("M2UA", 8), ("M3UA", 9), ("IAX", 10), ("H322", 11), ("H321", 12), ("M2PA", 13), ("REPORT", 32),
        ("MOS_FULL", 34), ("MOS_SHORT", 35), ("HORACLIFIX", 38), ("SIP_JSON", 50), ("DNS", 53), ("M3UA_JSON", 54),
        ("RTSP", 55), ("DIAMETER", 56), ("GSM_MAP", 57), ("RTCP_PION", 58), ("CDR", 60), ("VERTO", 61),
        ("MI", 87), ("REST", 88), ("NET", 89), ("CONTROL", 96), ("LOG", 100),
    ]

    private static let aliases: [(name: String, value: UInt8)] = [
        ("H.248", 7), ("H.322", 11), ("H.321", 12), ("RTPAGENT", 34), ("RTCPXR", 35),
    ]

    public static func name(for value: UInt8) -> String? { WireNames.name(for: value, in: names) }

    public static func value(named name: String) -> UInt8? {
        WireNames.number(named: name, in: names) ?? WireNames.number(named: name, in: aliases)
    }
}

/// Transport names for the IP protocol id (chunk 0x0002, v1/v2 protocol byte), as OpenSIPS `hep_get` reports them.
public enum HEPTransport {
    public static let names: [(name: String, ipProtocol: UInt8)] = [
        ("udp", 17), ("tcp", 6), ("tls", 22), ("sctp", 132), ("ws", 50),
    ]

    public static func name(forIPProtocol value: UInt8) -> String? { WireNames.name(for: value, in: names) }

    public static func ipProtocol(named name: String) -> UInt8? { WireNames.number(named: name, in: names) }
}

/// Lookups in the name tables above (chunk types, protocol types, transports), both ways; names match without
/// regard to case.
enum WireNames {
    static func name<Number: Equatable>(for number: Number, in table: [(String, Number)]) -> String? {
        table.first(where: { $0.1 == number })?.0
    }

    static func number<Number>(named name: String, in table: [(String, Number)]) -> Number? {
        table.first(where: { sameIgnoringASCIICase($0.0, name) })?.1
    }

    /// Compares without allocating (the table names are ASCII; packet edits look names up per packet).
    static func sameIgnoringASCIICase(_ a: String, _ b: String) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        return a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lower($0) == lower($1) }
    }
}
