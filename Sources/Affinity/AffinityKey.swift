/// What a relay group or the sharded store hashes to keep related messages together (`hash:` / `shard_by:`).
public enum AffinityKey: String, Sendable, CaseIterable, Equatable {
    /// The SIP Call-ID; packets without one (RTCP, logs) use their HEP correlation id, which their agents set
    /// to the Call-ID of the call they belong to, so reports follow their call.
    case callID = "call_id"
    /// The HEP correlation id (chunk 0x0011); packets without one use the Call-ID.
    case correlationID = "correlation_id"
    /// The packet's source IP: every message of one agent or one peer to the same member.
    case sourceIP = "src_ip"
}
