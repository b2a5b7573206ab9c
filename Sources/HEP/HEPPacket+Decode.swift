extension HEPPacket {
    /// Decodes one HEP datagram (v1, v2 or v3). The packet keeps `bytes`; no other allocation happens unless
    /// the payload is compressed.
    public static func decode(_ bytes: [UInt8], options: HEPDecodeOptions = .init()) throws(HEPDecodeError) -> HEPPacket {
        guard let first = bytes.first else { throw .truncated }
        switch first {
        case 1, 2:
            return try decodeV1V2(bytes)
        case UInt8(ascii: "H"), UInt8(ascii: "E"):
            guard bytes.count >= 4 else { throw .truncated }
            guard bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "P") else { throw .notHEP }
            guard bytes[3] == UInt8(ascii: "3"), first == UInt8(ascii: "H") || options.acceptEEP3 else {
                throw .badVersion(bytes[3])
            }
            return try decodeV3(bytes, options: options, requirePayload: true)
        default:
            throw .notHEP
        }
    }

    @inline(__always)
    static func decodeV1V2(_ bytes: [UInt8]) throws(HEPDecodeError) -> HEPPacket {
        guard bytes.count >= 8 else { throw .truncated }
        let version: HEPVersion = bytes[0] == 1 ? .v1 : .v2
        let family = bytes[2]
        let addressSize: Int
        switch family {
        case HEPFamily.ipv4: addressSize = 4
        case HEPFamily.ipv6: addressSize = 16
        default: throw .badFamily(family)
        }
        let headerLength = 8 + 2 * addressSize
        guard Int(bytes[1]) == headerLength else { throw .badHeaderLength(bytes[1]) }
        let payloadStart = headerLength + (version == .v2 ? 12 : 0)
        guard bytes.count >= payloadStart else { throw .truncated }

        var packet = HEPPacket(bytes: bytes, version: version)
        packet.family = family
        packet.ipProtocol = bytes[3]
        packet.sourcePort = bytes.readUInt16(at: 4)
        packet.destinationPort = bytes.readUInt16(at: 6)
        packet.sourceIP = readAddress(bytes, at: 8, size: addressSize)
        packet.destinationIP = readAddress(bytes, at: 8 + addressSize, size: addressSize)
        packet.protoType = HEPProtoType.sip
        packet.present = version == .v1 ? .v1 : .v2
        if version == .v2 {
            packet.timestampSeconds = bytes.readUInt32LE(at: headerLength)
            packet.timestampMicroseconds = bytes.readUInt32LE(at: headerLength + 4)
            packet.captureID = UInt32(bytes[headerLength + 8]) | UInt32(bytes[headerLength + 9]) << 8
        }
        var payloadEnd = bytes.count
        while payloadEnd > payloadStart && bytes[payloadEnd - 1] == 0 { payloadEnd -= 1 }
        packet.payload = bytes[payloadStart..<payloadEnd]
        return packet
    }

    /// `size` is 4 or 16 and `offset + size <= bytes.count` has been checked.
    @inline(__always)
    static func readAddress(_ bytes: [UInt8], at offset: Int, size: Int) -> IPAddress {
        if size == 4 { return IPAddress(ipv4: bytes.readUInt32(at: offset)) }
        let high = UInt64(bytes.readUInt32(at: offset)) << 32 | UInt64(bytes.readUInt32(at: offset + 4))
        let low = UInt64(bytes.readUInt32(at: offset + 8)) << 32 | UInt64(bytes.readUInt32(at: offset + 12))
        return IPAddress(ipv6High: high, low: low)
    }

    /// The typed fields of the generic chunks, collected in one pass (scalars only, so the scan does no
    /// reference counting).
    struct V3Scan {
        var family: UInt8 = 0
        var ipProtocol: UInt8 = 0
        var sourceIP = IPAddress.unspecifiedIPv4
        var destinationIP = IPAddress.unspecifiedIPv4
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        var timestampSeconds: UInt32 = 0
        var timestampMicroseconds: UInt32 = 0
        var protoType: UInt8 = 0
        var captureID: UInt32 = 0
        var payloadRange = 0..<0
        var payloadCompressed = false
        var present: HEPFieldPresence = []
    }

    /// One pass over the chunks: typed fields for built-in generic chunks, size checks for fixed-size generic
    /// chunks (vendor 0 only), structure checks for all. Extra chunks stay in the buffer (see `chunkSequence`).
    @inline(__always)
    static func scanV3(_ bytes: [UInt8], total: Int) throws(HEPDecodeError) -> V3Scan {
        var scan = V3Scan()
        var position = 6
        while position < total {
            guard total - position >= 6 else { throw .truncatedChunkHeader(offset: position) }
            let vendor = bytes.readUInt16(at: position)
            let type = bytes.readUInt16(at: position + 2)
            let length = Int(bytes.readUInt16(at: position + 4))
            guard length >= 6 else { throw .chunkTooShort(offset: position) }
            guard length <= total - position else { throw .chunkOverrun(offset: position) }
            let body = position + 6
            let size = length - 6
            if vendor == 0 && type <= HEPChunkType.vlanID {
                if let expected = HEPChunkType.fixedBodySize(type), expected != size {
                    throw .wrongChunkSize(type: type, size: size)
                }
                switch type {
                case HEPChunkType.ipFamily: scan.family = bytes[body]
                case HEPChunkType.ipProtocol: scan.ipProtocol = bytes[body]
                case HEPChunkType.ipv4Source, HEPChunkType.ipv6Source:
                    scan.sourceIP = readAddress(bytes, at: body, size: size)
                case HEPChunkType.ipv4Destination, HEPChunkType.ipv6Destination:
                    scan.destinationIP = readAddress(bytes, at: body, size: size)
                case HEPChunkType.sourcePort: scan.sourcePort = bytes.readUInt16(at: body)
                case HEPChunkType.destinationPort: scan.destinationPort = bytes.readUInt16(at: body)
                case HEPChunkType.timestampSeconds: scan.timestampSeconds = bytes.readUInt32(at: body)
                case HEPChunkType.timestampMicroseconds: scan.timestampMicroseconds = bytes.readUInt32(at: body)
                case HEPChunkType.protoType: scan.protoType = bytes[body]
                case HEPChunkType.captureID: scan.captureID = bytes.readUInt32(at: body)
                case HEPChunkType.payload:
                    scan.payloadRange = body..<(body + size)
                    scan.payloadCompressed = false
                case HEPChunkType.compressedPayload:
                    scan.payloadRange = body..<(body + size)
                    scan.payloadCompressed = true
                default: break
                }
                if let bit = HEPFieldPresence.forChunkType(type) { scan.present.insert(bit) }
            }
            position += length
        }
        return scan
    }

    @inline(__always)
    static func decodeV3(_ bytes: [UInt8], options: HEPDecodeOptions, requirePayload: Bool) throws(HEPDecodeError) -> HEPPacket {
        guard bytes.count >= 6 else { throw .truncated }
        let total = Int(bytes.readUInt16(at: 4))
        guard total >= 6 else { throw .badTotalLength(total) }
        guard total <= bytes.count, total == bytes.count || options.lenient else {
            throw .lengthMismatch(declared: total, actual: bytes.count)
        }
        let scan = try scanV3(bytes, total: total)
        let present = scan.present
        var packet = HEPPacket(bytes: bytes, version: .v3)
        packet.chunkRegion = 6..<total
        packet.options = options
        packet.family = scan.family
        packet.ipProtocol = scan.ipProtocol
        packet.sourceIP = scan.sourceIP
        packet.destinationIP = scan.destinationIP
        packet.sourcePort = scan.sourcePort
        packet.destinationPort = scan.destinationPort
        packet.timestampSeconds = scan.timestampSeconds
        packet.timestampMicroseconds = scan.timestampMicroseconds
        packet.protoType = scan.protoType
        packet.captureID = scan.captureID
        let payloadRange = scan.payloadRange
        let payloadCompressed = scan.payloadCompressed
        packet.present = present
        guard present.contains(.payload) else {
            if requirePayload { throw .noPayload }
            return packet
        }
        let body = bytes[payloadRange]
        if payloadCompressed {
            packet.compressedPayload = body
            if options.inflateCompressedPayload {
                packet.payload = try HEPInflater.inflate(body, limit: options.maxInflatedSize)[...]
                return packet
            }
        }
        packet.payload = body
        return packet
    }
}
