/// Bounds for SIP-over-TCP reassembly.
public struct StreamLimits: Sendable {
    /// Largest SIP message (headers + body) or HEP frame or WebSocket message taken from a stream; larger
    /// ones are skipped and counted.
    public var maxMessageSize = 256 * 1_024
    /// Longest first line / header block searched before the bytes are declared junk.
    public var maxHeaderSize = 16 * 1_024
    /// Out-of-order segments held per direction before the hole is given up.
    public var maxPendingSegments = 64
    /// Bytes held across all flows (stream buffers + out-of-order segments).
    public var maxTotalBytes = 64 * 1_024 * 1_024
    /// Directions tracked at once; a new flow beyond this evicts nothing and is not reassembled.
    public var maxFlows = 65_536
    /// A direction idle (capture time) for longer than this is forgotten.
    public var idleTimeoutSeconds = 120

    public init() {}
}

/// One message taken out of a stream.
struct StreamMessage {
    var kind: CapturedPayloadKind
    var transport: CaptureTransport
    var payload: [UInt8]
}
