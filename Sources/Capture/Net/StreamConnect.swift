#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP

/// A TCP connect that does not block the caller: the relay health probe starts many and polls them together,
/// `capd ctl`'s admin client waits for one with a deadline.
public enum StreamConnect {
    public enum Start: Equatable, Sendable {
        /// Connected at once (loopback often is).
        case connected
        /// Wait for the socket to become writable, then read the outcome with `pendingError`.
        case inProgress
        /// The connect failed at once with this errno; the socket is closed.
        case failed(errno: Int32)
    }

    /// A new close-on-exec, non-blocking stream socket with a connect to `endpoint` started. On `.failed` the
    /// socket is already closed (the returned descriptor is -1).
    public static func start(to endpoint: SocketEndpoint) throws(CaptureError) -> (descriptor: Int32, start: Start) {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_STREAM.rawValue))
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        if endpoint.withSocketAddress({ connect(descriptor, $0, $1) }) == 0 { return (descriptor, .connected) }
        let code = errno
        if code == EINPROGRESS { return (descriptor, .inProgress) }
        Glibc.close(descriptor)
        return (-1, .failed(errno: code))
    }

    /// The outcome of a connect that was in progress, once its socket polled writable: 0 or an errno (SO_ERROR).
    public static func pendingError(_ descriptor: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
        return error
    }

    /// Makes a socket blocking again (after its connect completed).
    public static func setBlocking(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }
}
