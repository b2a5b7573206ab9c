import Foundation
import Testing
import TestSupport
@testable import capd

/// Signals are process-wide: every test that sends one lives in this serialized suite, and installs its
/// handler before sending. Signals go to the process (`kill(getpid(), ...)`, as an operator's would):
/// a thread-directed `raise` from a test thread stays pending, because the dispatch threads Swift Testing
/// runs tests on block signals.
@Suite("Signals and daemon lifecycle", .serialized)
struct SignalTests {
    /// Polls `condition` until it holds or `timeout` passes.
    private func eventually(_ timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return condition()
    }

    @Test("SIGHUP sent to this process runs the reload callback and is counted")
    func sighupReloads() throws {
        let metrics = CapdMetrics()
        let calls = CallCount()
        let reloader = ReloadCoordinator(metrics: metrics) {
            calls.increment()
            return .ok
        }
        try SignalWatcher.shared.install(SIGHUP) { _ in reloader.reload(trigger: "sighup") }
        defer { SignalWatcher.shared.remove(SIGHUP) }
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(eventually { calls.value == 1 })
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(eventually { calls.value == 2 })
        #expect(metrics.value("capd_reloads_total{result=\"ok\"}") == 2)
        #expect(metrics.value("capd_reloads_total{result=\"error\"}") == 0)
    }

    @Test("remove restores the disposition the signal had before")
    func removeRestores() throws {
        var before = sigaction()
        _ = sigaction(SIGUSR2, nil, &before)
        let seen = CallCount()
        try SignalWatcher.shared.install(SIGUSR2) { _ in seen.increment() }
        var during = sigaction()
        _ = sigaction(SIGUSR2, nil, &during)
        #expect(unsafeBitCast(during.__sigaction_handler.sa_handler, to: Int.self)
                != unsafeBitCast(before.__sigaction_handler.sa_handler, to: Int.self))
        #expect(kill(getpid(), SIGUSR2) == 0)
        #expect(eventually { seen.value == 1 })
        SignalWatcher.shared.remove(SIGUSR2)
        var after = sigaction()
        _ = sigaction(SIGUSR2, nil, &after)
        #expect(unsafeBitCast(after.__sigaction_handler.sa_handler, to: Int.self)
                == unsafeBitCast(before.__sigaction_handler.sa_handler, to: Int.self))
    }

    @Test("run: SIGHUP reloads, SIGTERM drains and returns 0, a second SIGTERM forces the exit")
    func lifecycleRun() throws {
        let metrics = CapdMetrics()
        let reloader = ReloadCoordinator(metrics: metrics) { .failed("x.yaml:1:1: error: broken") }
        let forced = Locked<Int32?>(nil)
        let lifecycle = DaemonLifecycle(forceExit: { code in forced.withLock { $0 = code } })
        let ready = DispatchSemaphore(value: 0)
        let drainStarted = DispatchSemaphore(value: 0)
        let finishDrain = DispatchSemaphore(value: 0)
        let exitCode = Locked<Int32?>(nil)
        let drained = CallCount()
        let thread = Thread {
            let code = try? lifecycle.run(reload: reloader, ready: { ready.signal() }) {
                drainStarted.signal()
                finishDrain.wait()
                drained.increment()
            }
            exitCode.withLock { $0 = code }
        }
        thread.start()
        #expect(ready.wait(timeout: .now() + 5) == .success)
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(eventually { metrics.value("capd_reloads_total{result=\"error\"}") == 1 })
        #expect(lifecycle.isShutdownRequested == false)
        #expect(kill(getpid(), SIGTERM) == 0)
        #expect(drainStarted.wait(timeout: .now() + 5) == .success)
        #expect(lifecycle.isShutdownRequested)
        #expect(kill(getpid(), SIGTERM) == 0)       // impatient operator
        #expect(eventually { forced.withLock { $0 } == 1 })
        finishDrain.signal()
        #expect(eventually { exitCode.withLock { $0 } == 0 })
        #expect(drained.value == 1)
    }

    @Test("a shutdown requested by a call drains too; a failing drain gives exit status 1")
    func requestedShutdown() throws {
        let lifecycle = DaemonLifecycle()
        let exitCode = Locked<Int32?>(nil)
        let ready = DispatchSemaphore(value: 0)
        struct DrainFailed: Error {}
        let thread = Thread {
            let code = try? lifecycle.run(reload: nil, ready: { ready.signal() }) { throw DrainFailed() }
            exitCode.withLock { $0 = code }
        }
        thread.start()
        #expect(ready.wait(timeout: .now() + 5) == .success)
        #expect(lifecycle.requestShutdown(reason: "test"))
        #expect(lifecycle.requestShutdown(reason: "again") == false)
        #expect(eventually { exitCode.withLock { $0 } == 1 })
        #expect(lifecycle.waitForShutdown(timeout: .milliseconds(10)) == "test")
    }

    @Test("waitForShutdown times out while nobody asks")
    func waitTimesOut() {
        let lifecycle = DaemonLifecycle()
        let start = ContinuousClock.now
        #expect(lifecycle.waitForShutdown(timeout: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(90))
    }

    @Test("end to end, wired as the daemon wires it: admin, ctl, SIGHUP, SIGTERM drain, admin closed")
    func endToEnd() throws {
        let metrics = CapdMetrics()
        let captureSwitch = CaptureSwitch(enabled: true)
        captureSwitch.bind(to: metrics.captureEnabled)
        let reloads = CallCount()
        let reloader = ReloadCoordinator(metrics: metrics) {
            reloads.increment()
            return reloads.value == 1 ? .ok : .failed("c.yaml:2:3: error: nope")
        }
        let control = DaemonAdminControl(captureSwitch: captureSwitch, reloader: reloader, exporter: metrics.exporter)
        let server = AdminServer(address: try SocketAddress(parsing: "127.0.0.1:0"),
                                 service: AdminService(exporter: metrics.exporter, control: control))
        let address = try server.start()
        let admin = address.description
        let listening = listeningSocketInodes(port: address.port)
        #expect(!listening.isEmpty)
        #expect(try CtlCommand.parse(["--admin", admin, "sip_capture", "off"]).perform().output == "off\n")
        #expect(captureSwitch.isOn == false)

        let lifecycle = DaemonLifecycle()
        let ready = DispatchSemaphore(value: 0)
        let exitCode = Locked<Int32?>(nil)
        let drained = CallCount()
        let thread = Thread {
            let code = try? lifecycle.run(reload: reloader, ready: { ready.signal() }) {
                server.stop()
                drained.increment()
            }
            exitCode.withLock { $0 = code }
        }
        thread.start()
        #expect(ready.wait(timeout: .now() + 5) == .success)
        #expect(kill(getpid(), SIGHUP) == 0)
        #expect(eventually { metrics.value("capd_reloads_total{result=\"ok\"}") == 1 })
        let failed = try CtlCommand.parse(["--admin", admin, "reload"]).perform()
        #expect(failed == .init(errorOutput: "c.yaml:2:3: error: nope\n", exitCode: 1))
        #expect(metrics.value("capd_reloads_total{result=\"error\"}") == 1)
        #expect(kill(getpid(), SIGTERM) == 0)
        #expect(eventually { exitCode.withLock { $0 } == 0 })
        #expect(drained.value == 1)
        // The admin socket is closed (another test may have bound the freed port since: not a failure). Under a
        // full test run the close can land a moment after stop() returns.
        #expect(eventually(.seconds(5)) { listeningSocketInodes(port: address.port).isDisjoint(with: listening) })
    }
}
