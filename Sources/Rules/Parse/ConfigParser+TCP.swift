extension ConfigParser {
    /// `tcp: { max_connections, frame_timeout_s, idle_timeout_s }`.
    mutating func parseTCP(_ node: YAMLNode, into settings: inout TCPSettings) {
        guard let f = fields(node, allowed: ["max_connections", "frame_timeout_s", "idle_timeout_s"], context: "tcp")
        else { return }
        if let p = f["max_connections"], let v = integer(p.value, "tcp.max_connections", in: 1...100_000) {
            settings.maxConnections = v
        }
        if let p = f["frame_timeout_s"], let v = integer(p.value, "tcp.frame_timeout_s", in: 0...86_400) {
            settings.frameTimeoutSeconds = v
        }
        if let p = f["idle_timeout_s"], let v = integer(p.value, "tcp.idle_timeout_s", in: 0...86_400) {
            settings.idleTimeoutSeconds = v
        }
    }
}
