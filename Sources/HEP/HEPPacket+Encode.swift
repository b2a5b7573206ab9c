/// Why a packet cannot be put on the wire.
public enum HEPEncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A HEPv3 packet would exceed the 65535 bytes its length field can express.
    case packetTooLarge(Int)
    /// A chunk body would exceed 65529 bytes (its length field includes the 6-byte header).
    case chunkTooLarge(type: UInt16, size: Int)
    /// An extra chunk given to the builder is a built-in generic chunk or has the wrong size for its type.
    case invalidExtraChunk(type: UInt16)
    /// The encoded bytes do not decode (reported instead of trapping; not expected to happen).
    case undecodable(HEPDecodeError)

    public var description: String {
        switch self {
        case .packetTooLarge(let size): "HEPv3 packet of \(size) bytes exceeds 65535"
        case .chunkTooLarge(let type, let size): "chunk type \(type) body of \(size) bytes exceeds 65529"
        case .invalidExtraChunk(let type): "chunk type \(type) cannot be an extra chunk with this body"
        case .undecodable(let error): "encoded packet does not decode: \(error)"
        }
    }
}

extension HEPPacket {
    /// The packet on the wire, for relaying. `version` defaults to the packet's own.
    ///
    /// HEPv3 output is canonical (the order of OpenSIPS `hep_relay`): family, IP protocol, ports, timestamps,
    /// proto type, capture id, source and destination address, every extra chunk in wire order, payload last.
    /// Only the generic fields the packet carried are written; a repeated generic chunk is written once (its
    /// winning value); a compressed payload is written compressed, as received. Decoding the output yields the
    /// same fields, extra chunks and payload.
    ///
    /// HEPv1/v2 cannot carry extra chunks, a correlation id or a proto type: they are dropped. Their family is
    /// IPv6 when either address is IPv6 (an IPv4 address is then written IPv4-mapped); the v2 capture id keeps
    /// its low 16 bits; a compressed payload is written inflated; trailing NUL bytes of the payload do not
    /// survive decoding (the decoder strips them, spec §3.4).
    public func encoded(as version: HEPVersion? = nil) throws(HEPEncodeError) -> [UInt8] {
        switch version ?? self.version {
        case .v1: encodeV1V2(timeBlock: false)
        case .v2: encodeV1V2(timeBlock: true)
        case .v3: try encodeV3(extras: extraChunks)
        }
    }

    func encodeV1V2(timeBlock: Bool) -> [UInt8] {
        let ipv6 = sourceIP.isIPv6 || destinationIP.isIPv6
        let headerLength = ipv6 ? 40 : 16
        var out: [UInt8] = []
        out.reserveCapacity(headerLength + 12 + payload.count)
        out.append(timeBlock ? 2 : 1)
        out.append(UInt8(headerLength))
        out.append(ipv6 ? HEPFamily.ipv6 : HEPFamily.ipv4)
        out.append(ipProtocol)
        out.appendUInt16(sourcePort)
        out.appendUInt16(destinationPort)
        (ipv6 ? sourceIP.asIPv6 : sourceIP).appendBytes(to: &out)
        (ipv6 ? destinationIP.asIPv6 : destinationIP).appendBytes(to: &out)
        if timeBlock {
            out.appendUInt32LE(timestampSeconds)
            out.appendUInt32LE(timestampMicroseconds)
            out.append(UInt8(truncatingIfNeeded: captureID))
            out.append(UInt8(truncatingIfNeeded: captureID >> 8))
            out.append(0)
            out.append(0)
        }
        out.append(contentsOf: payload)
        return out
    }

    func encodeV3(extras: some Sequence<HEPChunk>) throws(HEPEncodeError) -> [UInt8] {
        var out: [UInt8] = [0x48, 0x45, 0x50, 0x33, 0, 0]
        out.reserveCapacity(bytes.count + 64)
        func chunkHeader(_ type: UInt16, vendor: UInt16 = 0, size: Int) throws(HEPEncodeError) {
            guard size <= 65_535 - 6 else { throw .chunkTooLarge(type: type, size: size) }
            out.appendUInt16(vendor)
            out.appendUInt16(type)
            out.appendUInt16(UInt16(size + 6))
        }
        if present.contains(.family) { try chunkHeader(HEPChunkType.ipFamily, size: 1); out.append(family) }
        if present.contains(.ipProtocol) { try chunkHeader(HEPChunkType.ipProtocol, size: 1); out.append(ipProtocol) }
        if present.contains(.sourcePort) { try chunkHeader(HEPChunkType.sourcePort, size: 2); out.appendUInt16(sourcePort) }
        if present.contains(.destinationPort) {
            try chunkHeader(HEPChunkType.destinationPort, size: 2)
            out.appendUInt16(destinationPort)
        }
        if present.contains(.timestampSeconds) {
            try chunkHeader(HEPChunkType.timestampSeconds, size: 4)
            out.appendUInt32(timestampSeconds)
        }
        if present.contains(.timestampMicroseconds) {
            try chunkHeader(HEPChunkType.timestampMicroseconds, size: 4)
            out.appendUInt32(timestampMicroseconds)
        }
        if present.contains(.protoType) { try chunkHeader(HEPChunkType.protoType, size: 1); out.append(protoType) }
        if present.contains(.captureID) { try chunkHeader(HEPChunkType.captureID, size: 4); out.appendUInt32(captureID) }
        if present.contains(.sourceAddress) {
            try chunkHeader(sourceIP.isIPv6 ? HEPChunkType.ipv6Source : HEPChunkType.ipv4Source,
                            size: sourceIP.isIPv6 ? 16 : 4)
            sourceIP.appendBytes(to: &out)
        }
        if present.contains(.destinationAddress) {
            try chunkHeader(destinationIP.isIPv6 ? HEPChunkType.ipv6Destination : HEPChunkType.ipv4Destination,
                            size: destinationIP.isIPv6 ? 16 : 4)
            destinationIP.appendBytes(to: &out)
        }
        for chunk in extras {
            try chunkHeader(chunk.type, vendor: chunk.vendor, size: chunk.body.count)
            out.append(contentsOf: chunk.body)
        }
        if present.contains(.payload) {
            if let compressed = compressedPayload {
                try chunkHeader(HEPChunkType.compressedPayload, size: compressed.count)
                out.append(contentsOf: compressed)
            } else {
                try chunkHeader(HEPChunkType.payload, size: payload.count)
                out.append(contentsOf: payload)
            }
        }
        guard out.count <= 65_535 else { throw .packetTooLarge(out.count) }
        out[4] = UInt8(truncatingIfNeeded: out.count >> 8)
        out[5] = UInt8(truncatingIfNeeded: out.count)
        return out
    }
}
