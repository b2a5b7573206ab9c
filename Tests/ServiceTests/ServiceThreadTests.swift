#if canImport(Glibc)
import Glibc
#endif
import Service
import Synchronization
import Testing

/// The service-thread shape: stops are prompt (no timer waited out), timers fire, joins are idempotent and
/// bounded, a refused start is a typed error. Bounds are generous (seconds against a 60 s timer): these are not
/// speed tests, they tell "woken" from "waited out its timer".
@Suite struct ServiceThreadTests {
    @Test func stopWakesALoopSleepingOnALongTimer() {
        let service = ServiceThread(name: "test-stop")
        let rounds = Atomic<Int>(0)
        let started = ContinuousClock.now
        #expect(throws: Never.self) {
            try service.start {
                while !service.isStopping {
                    rounds.add(1, ordering: .relaxed)
                    service.waitForWake(timeout: .seconds(60))
                }
            }
        }
        waitUntil { rounds.load(ordering: .relaxed) >= 1 }
        service.stop()
        #expect(service.join() == .ended)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(service.hasEnded)
    }

    @Test func wakeEndsOneSleepAndIsNotLostWhenSentEarly() {
        let service = ServiceThread(name: "test-wake")
        let rounds = Atomic<Int>(0)
        let proceed = WakeSignal()
        #expect(throws: Never.self) {
            try service.start {
                // The wake-up below is sent before this sleep begins: it must still end it.
                proceed.wait()
                while !service.isStopping {
                    if service.waitForWake(timeout: .seconds(60)) { rounds.add(1, ordering: .relaxed) }
                }
            }
        }
        service.wake()
        proceed.signal()
        waitUntil { rounds.load(ordering: .relaxed) >= 1 }
        let woken = rounds.load(ordering: .relaxed)
        #expect(woken >= 1)
        #expect(service.stopAndJoin(timeout: .seconds(30)) == .ended)
    }

    @Test func timerWakesWithoutAWakeUp() {
        let service = ServiceThread(name: "test-timer")
        let timeouts = Atomic<Int>(0)
        #expect(throws: Never.self) {
            try service.start {
                while !service.isStopping {
                    if !service.waitForWake(timeout: .milliseconds(20)) { timeouts.add(1, ordering: .relaxed) }
                }
            }
        }
        waitUntil { timeouts.load(ordering: .relaxed) >= 3 }
        let timedOut = timeouts.load(ordering: .relaxed)
        #expect(timedOut >= 3)
        service.stopAndJoin()
    }

    @Test func deadlineInThePastReturnsAtOnceAsTimedOut() {
        let signal = WakeSignal()
        #expect(signal.wait(until: ContinuousClock.now - .seconds(1)) == false)
        #expect(signal.wait(timeout: .zero) == false)
        signal.signal()
        #expect(signal.wait(timeout: .zero) == true)
        // One pending wake-up: it was taken.
        #expect(signal.wait(timeout: .milliseconds(1)) == false)
        signal.latch()
        #expect(signal.wait() == true)
        #expect(signal.wait() == true)
    }

    @Test func joinIsIdempotentFromSeveralThreads() {
        let service = ServiceThread(name: "test-join")
        #expect(throws: Never.self) {
            try service.start { while !service.isStopping { service.waitForWake() } }
        }
        service.stop()
        let outcomes = Mutex<[ServiceThread.JoinOutcome]>([])
        let joiners = (0..<3).map { index in
            let joiner = ServiceThread(name: "test-joiner-\(index)")
            _ = try? joiner.start { let outcome = service.join(); outcomes.withLock { $0.append(outcome) } }
            return joiner
        }
        for joiner in joiners { #expect(joiner.join() == .ended) }
        #expect(service.join() == .ended)
        #expect(service.join(timeout: .seconds(1)) == .ended)
        #expect(outcomes.withLock { $0 } == [.ended, .ended, .ended])
    }

    @Test func boundedJoinReportsALoopThatDoesNotEnd() {
        let service = ServiceThread(name: "test-bounded")
        let release = WakeSignal()
        #expect(throws: Never.self) {
            // A loop that ignores stop until released (a stuck write, say).
            try service.start { release.wait() }
        }
        service.stop()
        #expect(service.join(timeout: .milliseconds(50)) == .timedOut)
        #expect(!service.hasEnded)
        release.signal()
        #expect(service.join(timeout: .seconds(30)) == .ended)
        #expect(service.join() == .ended)
    }

    @Test func joinWithoutStartAndStartAfterStop() throws {
        let never = ServiceThread(name: "test-never")
        #expect(never.join() == .notStarted)
        never.stop()
        let ran = Atomic<Bool>(false)
        #expect(try never.start { ran.store(true, ordering: .relaxed) } == false)
        #expect(never.join() == .notStarted)
        let didRun = ran.load(ordering: .relaxed)
        #expect(!didRun)

        let once = ServiceThread(name: "test-once")
        let runs = Atomic<Int>(0)
        #expect(try once.start { runs.add(1, ordering: .relaxed) } == true)
        #expect(try once.start { runs.add(1, ordering: .relaxed) } == false)
        #expect(once.join() == .ended)
        let runCount = runs.load(ordering: .relaxed)
        #expect(runCount == 1)
    }

    @Test func refusedStartIsATypedError() {
        // A stack larger than the address space: the system refuses the thread (EAGAIN from pthread_create).
        let service = ServiceThread(name: "test-refused", stackBytes: 1 << 52)
        var refusal: ServiceThreadError?
        do {
            try service.start {}
        } catch {
            refusal = error
        }
        guard case .cannotStart(let name, let code) = refusal else {
            Issue.record("expected cannotStart, got \(String(describing: refusal))")
            return
        }
        #expect(name == "test-refused")
        #expect(code != 0)
        #expect(service.join() == .notStarted)
    }

    @Test func threadCarriesItsName() {
        let service = ServiceThread(name: "test-named-thread-long")
        let seen = Mutex<String>("")
        #expect(throws: Never.self) {
            try service.start {
                let fd = open("/proc/thread-self/comm", O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { return }
                defer { close(fd) }
                var buffer = [UInt8](repeating: 0, count: 32)
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                seen.withLock { $0 = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) }
            }
        }
        service.join()
        // The kernel keeps 15 bytes.
        #expect(seen.withLock { $0 } == "test-named-thre\n")
    }

    @Test func stopMakesTheWakeDescriptorReadable() throws {
        let service = ServiceThread(name: "test-poll", wakeDescriptor: try WakeDescriptor())
        let descriptor = try #require(service.wakeDescriptor).readEnd
        let polls = Atomic<Int>(0)
        try service.start {
            while !service.isStopping {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&entry, 1, 60_000)
                polls.add(1, ordering: .relaxed)
                if entry.revents != 0 { service.clearWake() }
            }
        }
        service.wake()
        waitUntil { polls.load(ordering: .relaxed) >= 1 }
        // Cleared: the loop sleeps again until the stop.
        #expect(service.stopAndJoin(timeout: .seconds(30)) == .ended)
        let pollCount = polls.load(ordering: .relaxed)
        #expect(pollCount >= 2)
    }
}

/// Waits (at most 30 s, in 1 ms steps) until `condition` holds; the caller's #expect says whether it did.
private func waitUntil(_ condition: () -> Bool) {
    let deadline = ContinuousClock.now + .seconds(30)
    while !condition() && ContinuousClock.now < deadline { usleep(1_000) }
}
