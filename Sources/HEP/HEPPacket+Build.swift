extension HEPPacket {
    /// Builds a HEPv3 packet (encode, then decode, so `bytes` and every view are consistent). Only the fields in
    /// `present` are written; the family follows the source address (IPv6 if it is IPv6). For a v1/v2 datagram
    /// use `encoded(as:)` on the result.
    public init(
        ipProtocol: UInt8 = 17,
        sourceIP: IPAddress, destinationIP: IPAddress,
        sourcePort: UInt16, destinationPort: UInt16,
        timestampSeconds: UInt32 = 0, timestampMicroseconds: UInt32 = 0,
        protoType: UInt8 = HEPProtoType.sip, captureID: UInt32 = 0,
        payload: [UInt8],
        extraChunks: [HEPChunk] = [],
        present: HEPFieldPresence = [.family, .ipProtocol, .sourceAddress, .destinationAddress, .sourcePort,
                                     .destinationPort, .timestampSeconds, .timestampMicroseconds, .protoType,
                                     .captureID, .payload]
    ) throws(HEPEncodeError) {
        var draft = HEPPacket(bytes: [], version: .v3)
        draft.family = sourceIP.family
        draft.ipProtocol = ipProtocol
        draft.sourceIP = sourceIP
        draft.destinationIP = destinationIP
        draft.sourcePort = sourcePort
        draft.destinationPort = destinationPort
        draft.timestampSeconds = timestampSeconds
        draft.timestampMicroseconds = timestampMicroseconds
        draft.protoType = protoType
        draft.captureID = captureID
        draft.payload = payload[...]
        draft.present = present
        for chunk in extraChunks {
            let wrongSize = chunk.vendor == 0 && HEPChunkType.fixedBodySize(chunk.type).map { $0 != chunk.body.count } ?? false
            guard !chunk.isBuiltIn, !wrongSize, chunk.type != 0 || chunk.vendor != 0 else {
                throw .invalidExtraChunk(type: chunk.type)
            }
        }
        self = try draft.reencoded(extras: extraChunks)
    }

    /// Encodes as v3 with `extras` and decodes the result again (edits and builders end here).
    func reencoded(extras: some Sequence<HEPChunk>) throws(HEPEncodeError) -> HEPPacket {
        let wire = try encodeV3(extras: extras)
        do {
            return try HEPPacket.decodeV3(wire, options: options, requirePayload: false)
        } catch {
            // The encoder writes well-formed chunks and a payload that inflated once inflates again.
            throw .undecodable(error)
        }
    }
}
