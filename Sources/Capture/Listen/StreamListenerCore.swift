#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP
import Synchronization

/// The part of a stream listener that is not about its protocol: the non-blocking listening socket, the
/// self-pipe that wakes the poll, and the thread that runs it (`run`, in StreamListenerCore+PollLoop.swift).
final class StreamListenerCore: Sendable {
    let localEndpoint: SocketEndpoint
    let descriptor: Int32
    /// Self-pipe: `stop` writes to [1] to wake the poll.
    let wake: (read: Int32, write: Int32)
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<CaptureThread?>(nil)

    init(endpoint: SocketEndpoint) throws(CaptureError) {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_STREAM.rawValue))
        try Socket.bind(descriptor, to: endpoint)
        guard listen(descriptor, 1_024) == 0 else {
            let code = errno
            close(descriptor)
            throw .socket(operation: "listen \(endpoint)", errno: code)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            let code = errno
            close(descriptor)
            throw .socket(operation: "pipe", errno: code)
        }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        wake = (ends[0], ends[1])
        self.descriptor = descriptor
        localEndpoint = SocketEndpoint.local(of: descriptor) ?? endpoint
    }

    deinit {
        close(descriptor)
        close(wake.read)
        close(wake.write)
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Runs `body` (the poll loop) on a new thread.
    func start(_ body: @escaping @Sendable () -> Void) throws(CaptureError) {
        let started = try CaptureThread.start(body)
        thread.withLock { $0 = started }
    }

    /// Asks the loop to end, wakes its poll, returns when the thread has ended.
    func stop() {
        stopping.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        let running = thread.withLock { current -> CaptureThread? in
            defer { current = nil }
            return current
        }
        running?.join()
    }
}
