import Foundation
import Logging
import Synchronization

/// Runs reloads one at a time, whoever asks (SIGHUP or `capd ctl reload`), and counts each result in
/// `capd_reloads_total{result="ok|error"}`. The reload closure parses, validates and compiles off the
/// packet path and swaps atomically; it must leave the old configuration live when it fails.
final class ReloadCoordinator: Sendable {
    private let perform: @Sendable () -> ReloadResult
    private let ok: Counter
    private let error: Counter
    private let logger: Logger
    private let serial = Mutex<Void>(())
    static let maxLoggedDiagnostics = 50

    init(metrics: CapdMetrics, logger: Logger = Logger(label: "capd.reload"),
         reload: @escaping @Sendable () -> ReloadResult) {
        self.perform = reload
        self.ok = metrics.reloadsOK
        self.error = metrics.reloadsError
        self.logger = logger
    }

    /// Reloads now; `trigger` is logged (`sighup`, `mi`, ...).
    @discardableResult
    func reload(trigger: String) -> ReloadResult {
        serial.withLock { _ in
            let result = perform()
            switch result {
            case .ok:
                ok.increment()
                logger.info("event=reload result=ok trigger=\(trigger)")
            case .failed(let message):
                error.increment()
                let lines = message.split(separator: "\n", omittingEmptySubsequences: true)
                logger.error("event=reload result=error trigger=\(trigger) kept=old_rules diagnostics=\(lines.count)")
                // One log line per diagnostic (`FILE:LINE:COL: error: ...`), bounded.
                for line in lines.prefix(Self.maxLoggedDiagnostics) {
                    logger.error("event=reload_diagnostic detail=\"\(Self.quoted(line))\"")
                }
            }
            return result
        }
    }

    private static func quoted(_ text: Substring) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
