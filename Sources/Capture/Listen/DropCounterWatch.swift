/// Watches a cumulative drop counter from the thread that causes it to grow (a receive loop) and reports
/// growth as log lines: the counter is read at most once per `checkInterval`, a line is written at most once
/// per `logInterval` and carries the drops since the previous line. The metric itself is read at scrape
/// time; this only makes sure a capture that falls behind also says so in the log.
struct DropCounterWatch {
    var checkInterval = 1.0
    var logInterval = 10.0
    private var lastCheck = -Double.infinity
    private var lastLog = -Double.infinity
    private var reported = 0

    init() {}

    mutating func observe(now: Double, read: () -> Int, report: (_ new: Int, _ total: Int) -> Void) {
        guard now - lastCheck >= checkInterval else { return }
        lastCheck = now
        let total = read()
        guard total > reported, now - lastLog >= logInterval else { return }
        report(total - reported, total)
        reported = total
        lastLog = now
    }
}
