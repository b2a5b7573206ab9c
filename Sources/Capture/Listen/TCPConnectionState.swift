import HEP

/// The progress clock of one TCP connection: when it connected, when it last completed a frame and since
/// when an unfinished frame has been waiting. Only complete frames count as progress.
struct TCPConnectionState {
    let connectedAt: Double
    /// Monotonic time of the last complete frame; nil until the first.
    private(set) var lastFrameAt: Double?
    /// Monotonic time the first byte of the unfinished frame arrived; nil while nothing is buffered.
    private(set) var partialSince: Double?

    init(connectedAt: Double) { self.connectedAt = connectedAt }

    /// Time of the last progress: the last frame, or the connection itself.
    var lastProgress: Double { lastFrameAt ?? connectedAt }

    /// Records a read: `frames` complete frames came out of it and `buffered` bytes wait for more.
    mutating func didRead(frames: Int, buffered: Int, now: Double) {
        if frames > 0 { lastFrameAt = now }
        if buffered == 0 {
            partialSince = nil
        } else if partialSince == nil || frames > 0 {
            partialSince = now
        }
    }

    /// The earliest time the connection must be closed and why, or nil when no timeout applies.
    func deadline(_ configuration: TCPListenerConfiguration) -> (time: Double, reason: TCPCloseReason)? {
        var result: (time: Double, reason: TCPCloseReason)?
        if configuration.idleTimeoutSeconds > 0 {
            result = (lastProgress + configuration.idleTimeoutSeconds, .idle)
        }
        if configuration.frameTimeoutSeconds > 0, let partialSince {
            let time = partialSince + configuration.frameTimeoutSeconds
            if time < result?.time ?? .infinity { result = (time, .frameTimeout) }
        }
        return result
    }

    /// Whether a new connection may evict this one: it never delivered a frame, or its last frame is older
    /// than the frame timeout (an agent that is working is never evicted).
    func isEvictable(now: Double, _ configuration: TCPListenerConfiguration) -> Bool {
        guard let lastFrameAt else { return true }
        return now - lastFrameAt > max(configuration.frameTimeoutSeconds, 1)
    }

    /// Eviction order: connections without any frame first, then the longest without one.
    func evictsBefore(_ other: TCPConnectionState) -> Bool {
        switch (lastFrameAt, other.lastFrameAt) {
        case (nil, .some): true
        case (.some, nil): false
        default: lastProgress < other.lastProgress
        }
    }
}
