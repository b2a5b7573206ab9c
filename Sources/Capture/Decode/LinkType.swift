/// pcap link-layer types capd decodes (DLT_* values as libpcap reports them on Linux, plus LINKTYPE_* aliases).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)          // BSD loopback, host-order AF value
    public static let ethernet = LinkType(rawValue: 1)
    public static let raw = LinkType(rawValue: 12)          // DLT_RAW on Linux
    public static let rawBSD = LinkType(rawValue: 14)       // DLT_RAW on OpenBSD
    public static let rawLinktype = LinkType(rawValue: 101) // LINKTYPE_RAW as stored in files
    public static let loop = LinkType(rawValue: 108)        // OpenBSD loopback, network-order AF value
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw, .rawBSD, .rawLinktype: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .linuxSLL2: "LINUX_SLL2"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        default: "DLT(\(rawValue))"
        }
    }
}

/// The network layer found after a link header.
enum NetworkLayer {
    case ipv4(offset: Int)
    case ipv6(offset: Int)
    /// Version nibble decides (raw IP, MPLS payload).
    case ipByVersion(offset: Int)
    case notIP
}

enum EtherType {
    static let ipv4: UInt16 = 0x0800
    static let ipv6: UInt16 = 0x86DD
    static let vlan: UInt16 = 0x8100
    static let qinq: UInt16 = 0x88A8
    static let qinqOld: UInt16 = 0x9100
    static let mpls: UInt16 = 0x8847
    static let transparentEthernet: UInt16 = 0x6558
    static let erspanII: UInt16 = 0x88BE
    static let erspanIII: UInt16 = 0x22EB
}

enum LinkLayerDecoder {
    static let maxVLANTags = 4

    static func decode(
        _ linkType: LinkType, _ buffer: UnsafeRawBufferPointer, at start: Int = 0
    ) -> Result<NetworkLayer, MalformedReason> {
        let length = buffer.count - start
        switch linkType {
        case .ethernet:
            return ethernet(buffer, at: start)
        case .raw, .rawBSD, .rawLinktype:
            return .success(.ipByVersion(offset: start))
        case .ipv4:
            return .success(.ipv4(offset: start))
        case .ipv6:
            return .success(.ipv6(offset: start))
        case .null, .loop:
            guard length >= 4 else { return .failure(.truncatedLinkHeader) }
            let bigEndianFamily = buffer.loadBigEndian(as: UInt32.self, at: start)
            let family = linkType == .loop ? bigEndianFamily : (bigEndianFamily > 0xFFFF ? bigEndianFamily.byteSwapped : bigEndianFamily)
            switch family {
            case 2: return .success(.ipv4(offset: start + 4))
            case 10, 24, 28, 30: return .success(.ipv6(offset: start + 4))   // AF_INET6 on Linux, BSDs, Darwin
            default: return .success(.notIP)
            }
        case .linuxSLL:
            guard length >= 16 else { return .failure(.truncatedLinkHeader) }
            return etherType(buffer.loadBigEndian(as: UInt16.self, at: start + 14), buffer, payloadAt: start + 16)
        case .linuxSLL2:
            guard length >= 20 else { return .failure(.truncatedLinkHeader) }
            return etherType(buffer.loadBigEndian(as: UInt16.self, at: start), buffer, payloadAt: start + 20)
        default:
            return .failure(.unsupportedLinkType)
        }
    }

    static func ethernet(_ buffer: UnsafeRawBufferPointer, at start: Int) -> Result<NetworkLayer, MalformedReason> {
        guard buffer.count - start >= 14 else { return .failure(.truncatedLinkHeader) }
        return etherType(buffer.loadBigEndian(as: UInt16.self, at: start + 12), buffer, payloadAt: start + 14)
    }

    /// Follows VLAN tags and MPLS labels after an EtherType field.
    static func etherType(
        _ firstType: UInt16, _ buffer: UnsafeRawBufferPointer, payloadAt start: Int
    ) -> Result<NetworkLayer, MalformedReason> {
        var type = firstType
        var offset = start
        var tags = 0
        while type == EtherType.vlan || type == EtherType.qinq || type == EtherType.qinqOld {
            tags += 1
            guard tags <= maxVLANTags else { return .failure(.tooManyVLANTags) }
            guard buffer.count - offset >= 4 else { return .failure(.truncatedLinkHeader) }
            type = buffer.loadBigEndian(as: UInt16.self, at: offset + 2)
            offset += 4
        }
        switch type {
        case EtherType.ipv4: return .success(.ipv4(offset: offset))
        case EtherType.ipv6: return .success(.ipv6(offset: offset))
        case EtherType.mpls:
            for _ in 0..<8 {
                guard buffer.count - offset >= 4 else { return .failure(.truncatedLinkHeader) }
                let bottom = buffer.loadUInt8(at: offset + 2) & 0x01 != 0
                offset += 4
                if bottom { return .success(.ipByVersion(offset: offset)) }
            }
            return .failure(.tooManyVLANTags)
        default:
            return .success(.notIP)
        }
    }
}
