import Foundation
import Logging
import Prometheus
import Synchronization

/// Runs reloads one at a time, whoever asks (SIGHUP or `capd ctl reload`), counts each result in
/// `capd_reloads_total{result="ok|error"}` and keeps `capd_config_last_reload_successful` and
/// `capd_config_last_reload_success_timestamp_seconds` (the configuration the process started with counts as
/// the first successful load). The reload closure parses, validates and compiles off the packet path and
/// swaps atomically; it must leave the old configuration live when it fails.
final class ReloadCoordinator: Sendable {
    private let perform: @Sendable () -> ReloadResult
    private let ok: Counter
    private let error: Counter
    private let lastSuccessful: Gauge
    private let lastSuccessTimestamp: Gauge
    private let logger: Logger
    private let serial = Mutex<Void>(())
    static let maxLoggedDiagnostics = 50

    init(metrics: CapdMetrics, logger: Logger = Logger(label: "capd.reload"),
         reload: @escaping @Sendable () -> ReloadResult) {
        self.perform = reload
        self.ok = metrics.reloadsOK
        self.error = metrics.reloadsError
        self.lastSuccessful = metrics.configLastReloadSuccessful
        self.lastSuccessTimestamp = metrics.configLastReloadSuccessTimestamp
        self.logger = logger
        markSuccess()
    }

    /// Reloads now; `trigger` is logged (`sighup`, `mi`, ...). One log line says what was applied and which
    /// changed keys wait for a restart.
    @discardableResult
    func reload(trigger: String) -> ReloadResult {
        serial.withLock { _ in
            let result = perform()
            switch result {
            case .applied(let diff):
                ok.increment()
                markSuccess()
                let applied = diff.applied.isEmpty ? "none" : diff.applied.joined(separator: ",")
                if diff.restartRequired.isEmpty {
                    logger.info("event=reload result=ok trigger=\(trigger) applied=\(applied) restart_required=none")
                } else {
                    let pending = diff.restartRequired.joined(separator: ",")
                    logger.warning("event=reload result=ok trigger=\(trigger) applied=\(applied) restart_required=\(pending) detail=\"these keys keep their running value until capd restarts\"")
                }
            case .failed(let message):
                error.increment()
                lastSuccessful.set(to: 0)
                let lines = message.split(separator: "\n", omittingEmptySubsequences: true)
                logger.error("event=reload result=error trigger=\(trigger) kept=old_config diagnostics=\(lines.count)")
                // One log line per diagnostic (`FILE:LINE:COL: error: ...`), bounded.
                for line in lines.prefix(Self.maxLoggedDiagnostics) {
                    logger.error("event=reload_diagnostic detail=\"\(Self.quoted(line))\"")
                }
            }
            return result
        }
    }

    private func markSuccess() {
        lastSuccessful.set(to: 1)
        lastSuccessTimestamp.set(to: Date().timeIntervalSince1970.rounded(.down))
    }

    private static func quoted(_ text: Substring) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
