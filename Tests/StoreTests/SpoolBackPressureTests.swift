import Foundation
import Synchronization
import Testing
@testable import Store

/// A spool thread that falls behind makes the callers of `enqueue(_:)` wait (back-pressure on the listener
/// threads) instead of refusing rows that were already accepted; a spool thread that does not move at all
/// costs one bounded wait, then rows are refused at once and counted as `spool_behind`.
@Suite(.serialized) struct SpoolBackPressureTests {
    @Test func callersWaitForASlowSpoolThreadAndNoRowIsRefused() throws {
        let directory = try TestDirectories.fresh("spool-backpressure") + "/spool"
        // An inbox of one row: every enqueue while the spool thread is writing finds it full.
        let spool = try Spool(directory: directory, maxBytes: 1 << 30, inboxLimit: 1, behindWait: .seconds(5))
        let threads = 4, perThread = 3_000
        let refused = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for i in 0..<perThread where spool.enqueue(SpoolFormatTests.sipRow(thread * perThread + i)) != nil {
                refused.add(1, ordering: .relaxed)
            }
        }
        spool.flush()
        #expect(refused.load(ordering: .relaxed) == 0)
        let read = SpoolFormatTests.readAll(spool)
        #expect(read.count == threads * perThread)
        #expect(Set(read.map(SpoolFormatTests.callID)).count == threads * perThread)
        #expect(spool.health.withLock { $0.dropped.isEmpty })
        #expect(spool.health.withLock { $0.waitedSeconds } > 0, "callers waited for the spool thread")
        spool.shutdown()
    }

    @Test func aStalledSpoolThreadCostsOneBoundedWaitThenRowsAreRefusedAndCounted() throws {
        let directory = try TestDirectories.fresh("spool-stalled") + "/spool"
        let spool = try Spool(directory: directory, maxBytes: 1 << 30, inboxLimit: 1, behindWait: .milliseconds(200))
        let released = Atomic<Bool>(false)
        let holding = DispatchSemaphore(value: 0)
        // The spool thread's writes need the files lock: holding it stalls the spool thread as a hung disk would.
        let holder = Thread {
            spool.files.withLock { _ in
                holding.signal()
                while !released.load(ordering: .acquiring) { usleep(1_000) }
            }
        }
        holder.start()
        holding.wait()
        #expect(spool.enqueue(SpoolFormatTests.sipRow(0)) == nil)   // taken by the spool thread, which then blocks
        #expect(waitUntil { Self.inboxCount(spool) == 0 })
        #expect(spool.enqueue(SpoolFormatTests.sipRow(1)) == nil)   // fills the inbox
        let clock = ContinuousClock()
        var reason: RowDropReason?
        let firstWait = clock.measure { reason = spool.enqueue(SpoolFormatTests.sipRow(2)) }
        #expect(reason == .spoolBehind)
        #expect(firstWait >= .milliseconds(190))
        let secondWait = clock.measure { reason = spool.enqueue(SpoolFormatTests.sipRow(3)) }
        #expect(reason == .spoolBehind)
        #expect(secondWait < .milliseconds(100), "a stalled spool is not waited for again: \(secondWait)")
        #expect(spool.health.withLock { $0.dropped[.spoolBehind] } == 2)

        released.store(true, ordering: .releasing)
        spool.flush()
        // The spool thread moved again: callers wait for it (and are served) again.
        #expect(spool.enqueue(SpoolFormatTests.sipRow(4)) == nil)
        spool.flush()
        #expect(SpoolFormatTests.readAll(spool).map(SpoolFormatTests.callID) == ["call-0", "call-1", "call-4"])
        spool.shutdown()
    }

    private static func inboxCount(_ spool: Spool) -> Int {
        spool.inboxLock.lock()
        defer { spool.inboxLock.unlock() }
        return spool.inbox.rows.count
    }

    private func waitUntil(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(1_000)
        }
        return condition()
    }
}
