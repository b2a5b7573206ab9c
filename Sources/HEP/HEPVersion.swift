public enum HEPVersion: UInt8, Sendable, Hashable, CaseIterable {
    case v1 = 1, v2 = 2, v3 = 3
}

public struct HEPDecodeOptions: Sendable, Hashable {
    /// Accept HEPv3 datagrams longer than their total-length field (the extra bytes are ignored), as OpenSIPS does.
    public var lenient = false
    /// Upper bound for an inflated 0x0010 payload; a larger result is rejected (`inflatedTooLarge`).
    public var maxInflatedSize = 65_536 * 4
    /// Inflate chunk 0x0010 (gzip, zlib or raw deflate, detected from the first bytes). When false the
    /// compressed bytes are the payload, as OpenSIPS does without `compressed_payload=1`.
    public var inflateCompressedPayload = true
    /// Accept the alternative HEPv3 magic "EEP3" (no reviewed receiver does).
    public var acceptEEP3 = false

    public init(lenient: Bool = false, maxInflatedSize: Int = 65_536 * 4,
                inflateCompressedPayload: Bool = true, acceptEEP3: Bool = false) {
        self.lenient = lenient
        self.maxInflatedSize = maxInflatedSize
        self.inflateCompressedPayload = inflateCompressedPayload
        self.acceptEEP3 = acceptEEP3
    }
}
