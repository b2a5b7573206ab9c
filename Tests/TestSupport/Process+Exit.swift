import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Foundation's `Process` on Linux sometimes misses a child's exit inside the test runner: `waitUntilExit`
/// then blocks forever and `isRunning` stays true while the child is a zombie (seen in a full run: a
/// `capd check` that had exited kept the suite waiting). These look at the child itself (`/proc/PID/stat`)
/// and reap it when Foundation has not.
extension Process {
    /// True once the child has exited: Foundation says so, or it is a zombie nobody has reaped yet, or it is gone
    /// altogether — Foundation reaped it but, in a busy full run, had not yet said so 20 s later (a capd that
    /// logged `event=stopped` a second after SIGTERM was reported as "did not stop").
    public var hasExited: Bool {
        let pid = processIdentifier
        return !isRunning || Self.isZombie(pid) || (kill(pid, 0) != 0 && errno == ESRCH)
    }

    /// Waits for the child to exit (SIGKILL after `timeout` seconds) and returns what `terminationStatus`
    /// would: the exit code, or the signal number for a child a signal ended.
    @discardableResult
    public func waitUntilExitReliably(timeout: Double = 600) -> Int32 {
        let pid = processIdentifier
        let deadline = Date().addingTimeInterval(timeout)
        var zombieSince: Date?
        var killed = false
        while true {
            if !isRunning { return terminationStatus }
            if Self.isZombie(pid) {
                let since = zombieSince ?? Date()
                zombieSince = since
                // Give Foundation's own reaper a moment; then reap the child here.
                if Date().timeIntervalSince(since) > 0.2 {
                    var status: Int32 = 0
                    if waitpid(pid, &status, WNOHANG) == pid {
                        return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
                    }
                }
            } else {
                zombieSince = nil
            }
            if !killed, Date() > deadline {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(2_000)
        }
    }

    public static func isZombie(_ pid: Int32) -> Bool {
        pid > 0 && state(statFile: "/proc/\(pid)/stat") == "Z"
    }

    /// The state letter (`R`, `S`, `D`, `Z`, ...) of a `/proc/PID/stat` or `/proc/PID/task/TID/stat` file:
    /// the first field after the parenthesised name, which may itself hold spaces and parentheses.
    public static func state(statFile: String) -> Character? {
        guard let stat = try? String(contentsOfFile: statFile, encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).first
    }
}
