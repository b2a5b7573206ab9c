/// Turns a stream of events of a few kinds into log lines: the first event of a kind is reported at once,
/// later ones at most once per interval with the number that happened since the last line. Owned by one
/// thread (a listener's), so it needs no lock; the report closure is called on that thread.
struct RateLimitedEvents {
    private let interval: Double
    private let report: @Sendable (_ kind: String, _ count: Int, _ detail: String) -> Void
    private var pending: [String: (count: Int, lastReport: Double)] = [:]

    init(interval: Double, report: @escaping @Sendable (_ kind: String, _ count: Int, _ detail: String) -> Void) {
        self.interval = interval
        self.report = report
    }

    mutating func record(_ kind: String, now: Double, detail: @autoclosure () -> String) {
        var entry = pending[kind] ?? (count: 0, lastReport: -Double.infinity)
        entry.count += 1
        if now - entry.lastReport >= interval {
            report(kind, entry.count, detail())
            entry = (count: 0, lastReport: now)
        }
        pending[kind] = entry
    }
}
