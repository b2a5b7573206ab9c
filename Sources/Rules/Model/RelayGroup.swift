import Affinity

/// A named set of relay targets that share traffic by call (`relay: { NAME: { to: [URL, ...], hash: call_id } }`):
/// each packet goes to the one live member that owns its affinity key (rendezvous hash, `Affinity`).
public struct RelayGroup: Sendable, Hashable {
    public var name: String
    /// In the order written; ownership does not depend on it.
    public var members: [RelayTarget]
    public var hash: AffinityKey
    public var check: RelayHealthCheck

    public init(name: String, members: [RelayTarget], hash: AffinityKey, check: RelayHealthCheck = .tcpConnect(port: nil)) {
        self.name = name
        self.members = members
        self.hash = hash
        self.check = check
    }
}

/// How a relay group decides that a member is alive (`check:` / `check_port:`).
public enum RelayHealthCheck: Sendable, Hashable {
    /// A TCP connection to the member's address opens (`port` nil: the member's own port, i.e. the capture
    /// node's HEP-over-TCP listener next to its UDP one). TCP members are also down while their relay
    /// connection is.
    case tcpConnect(port: UInt16?)
    /// Every member is always eligible (`check: off`).
    case off
}
