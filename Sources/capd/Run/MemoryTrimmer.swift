#if canImport(Glibc)
import Glibc
#endif
import CSocket
import Service
import Synchronization

/// Hands freed heap back to the system every `interval` (glibc's `malloc_trim`).
///
/// A burst — a database pause, a backlog through the queue — allocates tens of MB of rows on the listener
/// threads. Once they are stored and freed, glibc keeps the pages in its arenas (its trim threshold grows with
/// the large buffers it has seen), so resident memory stayed at the burst's peak for good: measured 212 MB a
/// minute after a 70 000 msg/s burst into PostgreSQL had drained, 78 MB right after one `malloc_trim(0)`.
final class MemoryTrimmer: Sendable {
    let interval: Duration
    /// Sleeps `interval` between trims; `stop` wakes it.
    private let service = ServiceThread(name: "capd-memory-trim")
    /// Bytes of resident memory the trims gave back (`capd_memory_trimmed_bytes_total`).
    let trimmedBytes = Atomic<Int>(0)

    init(interval: Duration = .seconds(5)) { self.interval = interval }

    /// Starts the thread (once).
    func start() throws(ServiceThreadError) {
        try service.start { [self] in
            while !service.isStopping {
                if service.waitForWake(timeout: interval) { continue }
                trim()
            }
        }
    }

    /// Stops the thread and waits for it (at most 2 s).
    func stop() {
        service.stopAndJoin(timeout: .seconds(2))
    }

    /// One trim now; returns the resident bytes it gave back.
    @discardableResult
    func trim() -> Int {
        let before = ProcessMemory.residentBytes()
        _ = capd_malloc_trim()
        let released = max(0, before - ProcessMemory.residentBytes())
        trimmedBytes.add(released, ordering: .relaxed)
        return released
    }
}

/// This process's memory as the kernel counts it.
enum ProcessMemory {
    /// Resident set size in bytes (`/proc/self/statm`, second field × page size); 0 when unreadable.
    static func residentBytes() -> Int {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return 0 }
        let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }
}
