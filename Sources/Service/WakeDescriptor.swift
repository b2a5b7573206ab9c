#if canImport(Glibc)
import Glibc
#endif

/// A wake-up for loops that sleep in `poll` on sockets: a non-blocking pipe. The loop polls `readEnd` with
/// its sockets; `notify` makes it readable; the loop calls `drain` once woken. Owns both ends.
public final class WakeDescriptor: Sendable {
    /// Poll this for POLLIN.
    public let readEnd: Int32
    private let writeEnd: Int32

    public init() throws(ServiceThreadError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw .wakeDescriptor(errno: errno) }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Makes `readEnd` readable (a full pipe is readable already: EAGAIN is fine).
    public func notify() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe, so that the next poll sleeps again.
    public func drain() {
        var sink = [UInt8](repeating: 0, count: 64)
        while sink.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
