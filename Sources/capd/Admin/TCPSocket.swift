#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin blocking TCP client helpers over POSIX sockets (for `capd ctl`), with deadlines enforced through `poll`.
enum TCPSocket {
    #if canImport(Glibc)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    /// A connected socket, or the reason the connection failed within `timeout`.
    static func connect(to address: SocketAddress, timeout: Duration) throws(SocketError) -> Int32 {
        let fd = socket(address.family, streamType, 0)
        guard fd >= 0 else { throw .create(errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let result = address.withSockAddr { Glibc.connect(fd, $0, $1) }
        if result != 0 {
            let code = errno
            guard code == EINPROGRESS else {
                close(fd)
                throw .connect(address, errno: code)
            }
            let deadline = ContinuousClock.now + timeout
            switch waitFor(fd, events: Int16(POLLOUT), until: deadline) {
            case .ready:
                var pending: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length)
                if pending != 0 {
                    close(fd)
                    throw .connect(address, errno: pending)
                }
            case .timedOut:
                close(fd)
                throw .connectTimeout(address)
            case .failed(let code):
                close(fd)
                throw .connect(address, errno: code)
            }
        }
        _ = fcntl(fd, F_SETFL, flags)
        return fd
    }

    enum WaitResult { case ready, timedOut, failed(Int32) }

    /// Waits until `fd` is ready for `events` or `deadline` passes.
    static func waitFor(_ fd: Int32, events: Int16, until deadline: ContinuousClock.Instant) -> WaitResult {
        while true {
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return .timedOut }
            let (seconds, attoseconds) = remaining.components
            let millis = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&entry, 1, millis)
            if n > 0 { return .ready }
            if n == 0 { continue }
            if errno == EINTR { continue }
            return .failed(errno)
        }
    }

    /// Reads what is available (at most `buffer.count - used` bytes) into `buffer` after `used`; returns the
    /// number of bytes read, 0 at end of stream.
    static func read(
        _ fd: Int32, into buffer: inout [UInt8], at used: Int, until deadline: ContinuousClock.Instant
    ) throws(SocketError) -> Int {
        guard used < buffer.count else { return 0 }
        while true {
            switch waitFor(fd, events: Int16(POLLIN), until: deadline) {
            case .timedOut: throw .timeout
            case .failed(let code): throw .io(errno: code)
            case .ready: break
            }
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return recv(fd, base + used, raw.count - used, 0)
            }
            if n >= 0 { return n }
            if errno == EINTR || errno == EAGAIN { continue }
            throw .io(errno: errno)
        }
    }

    /// Writes all of `bytes` before `deadline`.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], until deadline: ContinuousClock.Instant) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            switch waitFor(fd, events: Int16(POLLOUT), until: deadline) {
            case .timedOut: throw .timeout
            case .failed(let code): throw .io(errno: code)
            case .ready: break
            }
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                throw n == 0 ? .closed : .io(errno: errno)
            }
        }
    }
}
