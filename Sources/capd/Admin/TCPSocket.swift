#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin blocking TCP helpers over POSIX sockets, with deadlines enforced through `poll`.
enum TCPSocket {
    #if canImport(Glibc)
    static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
    static let streamType = SOCK_STREAM
    #endif

    /// A listening socket bound to `address` (port 0 picks a free port); returns the descriptor and the
    /// address actually bound.
    static func listen(on address: SocketAddress, backlog: Int32 = 64) throws(SocketError) -> (Int32, SocketAddress) {
        let fd = socket(address.family, streamType, 0)
        guard fd >= 0 else { throw .create(errno: errno) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == AF_INET6 {
            _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        if bound != 0 {
            let code = errno
            close(fd)
            throw .bind(address, errno: code)
        }
        if Glibc.listen(fd, backlog) != 0 {
            let code = errno
            close(fd)
            throw .listen(address, errno: code)
        }
        return (fd, SocketAddress.local(of: fd) ?? address)
    }

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

    /// Closes after telling the peer we are done and discarding what it still sends (bounded in bytes and
    /// time), so an unread request body does not turn into a reset that destroys our response.
    static func lingeringClose(_ fd: Int32, maxBytes: Int = 1 << 20, maxTime: Duration = .milliseconds(500)) {
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + maxTime
        var sink = [UInt8](repeating: 0, count: 16_384)
        var discarded = 0
        while discarded < maxBytes {
            guard let n = try? read(fd, into: &sink, at: 0, until: deadline), n > 0 else { break }
            discarded += n
        }
        close(fd)
    }
}
