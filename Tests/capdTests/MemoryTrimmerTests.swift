import Foundation
import Synchronization
import Testing
@testable import capd

/// The periodic trim gives freed heap back: rows freed after a burst must not keep resident memory at the peak.
@Suite(.serialized) struct MemoryTrimmerTests {
    @Test("after a burst of small allocations is freed (a few kept, as rows in a queue pin pages), trim gives most back")
    func trimReturnsFreedHeap() throws {
        let released = try Self.burstThenFree()
        let trimmer = MemoryTrimmer()
        let given = trimmer.trim()
        // ~190 MB were freed in the middle of the heap; other tests running beside this one move RSS a little.
        #expect(given > 100 << 20, "trim gave back \(given >> 20) MB of \(released >> 20) MB freed")
        #expect(trimmer.trimmedBytes.load(ordering: .relaxed) == given)
    }

    @Test("the trimmer thread trims on its own every interval and stops when asked")
    func periodicTrim() throws {
        let trimmer = MemoryTrimmer(interval: .milliseconds(200))
        try trimmer.start()
        _ = try Self.burstThenFree()
        let deadline = Date().addingTimeInterval(5)
        while trimmer.trimmedBytes.load(ordering: .relaxed) < 100 << 20, Date() < deadline { usleep(50_000) }
        #expect(trimmer.trimmedBytes.load(ordering: .relaxed) >= 100 << 20)
        let started = Date()
        trimmer.stop()
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test("the daemon exports its resident memory and what the trims gave back")
    func daemonExportsMemory() throws {
        let daemon = try DaemonProcess(rules: "routes:\n  main:\n    - do: [capture]\n")
        let metrics = try daemon.metrics()
        let resident = try #require(metrics["process_resident_memory_bytes"])
        #expect(resident > 1_048_576 && resident < 4_294_967_296, "\(resident)")
        #expect(metrics["capd_memory_trimmed_bytes_total"] != nil)
        #expect(daemon.terminate() == 0)
    }

    @Test func residentBytesMatchesProcStatus() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        let bytes = ProcessMemory.residentBytes()
        #expect(bytes > 0)
        #expect(abs(bytes - kib * 1024) < 64 << 20)
    }

    /// On a thread of its own (its own malloc arena, as a listener's): 100 000 blocks of 2 KB, every 100th kept
    /// so the freed pages sit between live ones. Returns the bytes freed.
    static func burstThenFree() throws -> Int {
        let done = DispatchSemaphore(value: 0)
        let freed = Mutex(0)
        let thread = Thread {
            var blocks: [UnsafeMutableRawPointer] = []
            blocks.reserveCapacity(100_000)
            for _ in 0..<100_000 {
                let block = UnsafeMutableRawPointer.allocate(byteCount: 2_000, alignment: 8)
                block.initializeMemory(as: UInt8.self, repeating: 0xA5, count: 2_000)
                blocks.append(block)
            }
            var total = 0
            for (index, block) in blocks.enumerated() where index % 100 != 0 {
                block.deallocate()
                total += 2_000
            }
            freed.withLock { $0 = total }
            let pinned = stride(from: 0, to: blocks.count, by: 100).map { UInt(bitPattern: blocks[$0]) }
            kept.withLock { $0 += pinned }
            done.signal()
        }
        thread.start()
        guard done.wait(timeout: .now() + 30) == .success else { throw MemoryTestError.timedOut }
        return freed.withLock { $0 }
    }
}

/// Blocks the burst keeps (never freed: a test process).
private let kept = Mutex<[UInt]>([])
private enum MemoryTestError: Error { case timedOut }
