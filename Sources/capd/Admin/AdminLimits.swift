/// Bounds on what one admin client may cost the daemon.
struct AdminLimits: Sendable {
    /// Request line plus headers.
    var maxHeadBytes = 16 * 1024
    var maxBodyBytes = 1024 * 1024
    /// Time allowed to receive a whole request (and to send the response).
    var readTimeout: Duration = .seconds(5)
    /// Connections handled at once; more are answered 503 straight away.
    var maxConnections = 16

    init() {}
}
