import Synchronization

/// Lets a log line through at most once per `interval` per key, and says how many were held back since.
final class RateLimitedLog: Sendable {
    private let interval: Duration
    private let state = Mutex<[String: (last: ContinuousClock.Instant, suppressed: Int)]>([:])

    init(interval: Duration) {
        self.interval = interval
    }

    /// The number of lines suppressed since the last one logged for `key`, or nil: do not log now.
    func shouldLog(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { entries in
            if let entry = entries[key], now - entry.last < interval {
                entries[key] = (entry.last, entry.suppressed + 1)
                return nil
            }
            let suppressed = entries[key]?.suppressed ?? 0
            entries[key] = (now, 0)
            return suppressed
        }
    }
}
