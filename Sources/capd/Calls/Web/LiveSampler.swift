import Foundation
import Service
import Synchronization

/// Samples the metric counters every `interval` and keeps the last `capacity` samples, so the web view can
/// draw packets/s, rows/s and drops/s per reason over the last minutes.
final class LiveSampler: Sendable {
    struct Sample: Sendable {
        var time: Int64
        var packets: Double
        var rows: Double
        var drops: [String: Double]
    }

    let interval: Duration
    let capacity: Int
    private let read: @Sendable () -> [(name: String, value: Double)]
    private let samples = Mutex<[Sample]>([])
    /// Takes a sample, sleeps `interval`; `stop` wakes it.
    private let service = ServiceThread(name: "capd-live-sampler")

    init(interval: Duration = .seconds(2), capacity: Int = 150, read: @escaping @Sendable () -> [(name: String, value: Double)]) {
        self.interval = interval
        self.capacity = capacity
        self.read = read
    }

    /// Starts the sampling thread (once).
    func start() throws(ServiceThreadError) {
        try service.start { [self] in
            while !service.isStopping {
                take()
                service.waitForWake(timeout: interval)
            }
        }
    }

    /// Stops sampling and waits for the thread (a sample takes microseconds; bounded at 2 s all the same).
    func stop() { service.stopAndJoin(timeout: .seconds(2)) }

    /// One sample of the counters now.
    func take() {
        var packets = 0.0, rows = 0.0
        var drops: [String: Double] = [:]
        for (name, value) in read() {
            if name.hasPrefix("capd_packets_received_total") { packets += value }
            else if name.hasPrefix("capd_rows_stored_total") { rows += value }
            else if name.hasPrefix("capd_drops_total") { drops[Self.label(name, "reason") ?? "other", default: 0] += value }
        }
        let sample = Sample(time: Int64(Date().timeIntervalSince1970 * 1000), packets: packets, rows: rows, drops: drops)
        samples.withLock { all in
            all.append(sample)
            if all.count > capacity { all.removeFirst(all.count - capacity) }
        }
    }

    /// `value` of `key="value"` in a sample name like `capd_drops_total{reason="x"}`.
    static func label(_ name: String, _ key: String) -> String? {
        guard let start = name.range(of: key + "=\"") else { return nil }
        let rest = name[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// Rates between consecutive samples: `{"interval_ms":..,"points":[{"t":ms,"packets":/s,"rows":/s,"drops":{reason:/s}}]}`.
    func json() -> String {
        let all = samples.withLock { $0 }
        var points: [String] = []
        for (previous, current) in zip(all, all.dropFirst()) {
            let seconds = max(0.001, Double(current.time - previous.time) / 1000)
            var point = JSONText()
            point.field("t", current.time)
            point.field("packets", max(0, current.packets - previous.packets) / seconds)
            point.field("rows", max(0, current.rows - previous.rows) / seconds)
            var drops = JSONText()
            for reason in current.drops.keys.sorted() {
                drops.field(reason, max(0, (current.drops[reason] ?? 0) - (previous.drops[reason] ?? 0)) / seconds)
            }
            point.raw("drops", drops.finish())
            points.append(point.finish())
        }
        var object = JSONText()
        object.field("interval_ms", Int64(interval.components.seconds * 1000))
        object.raw("points", JSONText.array(points))
        return object.finish()
    }
}
