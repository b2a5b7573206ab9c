import HEP

/// Logs an event at most once per peer address per interval, with the number of events since that peer's
/// last line. Owned by one thread (a listener's). Memory is bounded: past `capacity` peers, entries older
/// than the interval are forgotten, and if all are recent, new peers share one aggregate entry.
struct PeerRateLimitedLog {
    private let interval: Double
    private let capacity: Int
    private let report: @Sendable (_ peer: String, _ count: Int, _ detail: String) -> Void
    private var peers: [IPAddress: (count: Int, lastReport: Double)] = [:]
    private var overflow: (count: Int, lastReport: Double) = (0, -Double.infinity)

    init(interval: Double, capacity: Int = 4_096,
         report: @escaping @Sendable (_ peer: String, _ count: Int, _ detail: String) -> Void) {
        self.interval = interval
        self.capacity = capacity
        self.report = report
    }

    mutating func record(_ peer: IPAddress, now: Double, detail: @autoclosure () -> String) {
        if peers[peer] == nil && peers.count >= capacity {
            peers = peers.filter { now - $0.value.lastReport < interval }
            if peers.count >= capacity {
                overflow.count += 1
                if now - overflow.lastReport >= interval {
                    report("other peers", overflow.count, detail())
                    overflow = (0, now)
                }
                return
            }
        }
        var entry = peers[peer] ?? (count: 0, lastReport: -Double.infinity)
        entry.count += 1
        if now - entry.lastReport >= interval {
            report(peer.description, entry.count, detail())
            entry = (count: 0, lastReport: now)
        }
        peers[peer] = entry
    }
}
