/// `tcp:` — how the HEP-over-TCP listeners hold connections (docs/operations.md, "TCP listeners").
public struct TCPSettings: Sendable, Equatable {
    /// Open connections per TCP listener; when all are taken a new one evicts the connection longest
    /// without a complete frame, and is refused only when every open one delivered a frame recently.
    public var maxConnections = 1_024
    /// Seconds a started HEP frame may take to complete (0: no limit).
    public var frameTimeoutSeconds = 10
    /// Seconds without any complete frame before a connection is closed (0: never).
    public var idleTimeoutSeconds = 300

    public init() {}
}
