/// Bounds on what one admin client may cost the daemon.
struct AdminLimits: Sendable {
    /// Request line plus headers (the HTTP decoder refuses larger heads).
    var maxHeadBytes = 16 * 1024
    /// A `POST /mi` body; larger ones are answered 413 without being read whole.
    var maxBodyBytes = 1024 * 1024
    /// A connection that sends no complete request part for this long is closed (silent and trickling
    /// clients hold no slot for ever; partial request heads do not reset it).
    var idleTimeout: Duration = .seconds(10)
    /// Time allowed to receive a whole `/mi` body once its head has arrived; a body that trickles in
    /// (each byte resets the idle timer) is answered 408 when it runs out.
    var bodyTimeout: Duration = .seconds(10)
    /// Connections open at once; beyond it the server stops accepting until one closes. Scrapers are
    /// served concurrently, so this only bounds the descriptors a flood of idle clients can take.
    var maxConnections = 512
    /// Bounded wait for the listener to come up or go down.
    var startTimeout: Duration = .seconds(10)

    init() {}
}
