#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

import Capture
import HEP

/// Thin blocking TCP client helpers over POSIX sockets (for `capd ctl`), with deadlines enforced through `poll`.
/// The connect itself is Capture's `StreamConnect` (the relay health probe's).
enum TCPSocket {
    /// A connected socket, or the reason the connection failed within `timeout`.
    static func connect(to address: SocketEndpoint, timeout: Duration) throws(SocketError) -> Int32 {
        let fd: Int32
        let start: StreamConnect.Start
        do {
            (fd, start) = try StreamConnect.start(to: address)
        } catch {
            guard case .socket(_, let code) = error else { throw .create(errno: EINVAL) }
            throw .create(errno: code)
        }
        switch start {
        case .connected: break
        case .failed(let code): throw .connect(address, errno: code)
        case .inProgress:
            do throws(SocketError) {
                try wait(fd, events: Int16(POLLOUT), until: ContinuousClock.now + timeout)
            } catch {
                close(fd)
                switch error {
                case .timeout: throw .connectTimeout(address)
                case .io(let code): throw .connect(address, errno: code)
                default: throw error
                }
            }
            let pending = StreamConnect.pendingError(fd)
            if pending != 0 {
                close(fd)
                throw .connect(address, errno: pending)
            }
        }
        StreamConnect.setBlocking(fd)
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

    /// `waitFor` that throws `.timeout` or `.io` unless `fd` became ready.
    static func wait(_ fd: Int32, events: Int16, until deadline: ContinuousClock.Instant) throws(SocketError) {
        switch waitFor(fd, events: events, until: deadline) {
        case .ready: return
        case .timedOut: throw .timeout
        case .failed(let code): throw .io(errno: code)
        }
    }

    /// Reads what is available (at most `buffer.count - used` bytes) into `buffer` after `used`; returns the
    /// number of bytes read, 0 at end of stream.
    static func read(
        _ fd: Int32, into buffer: inout [UInt8], at used: Int, until deadline: ContinuousClock.Instant
    ) throws(SocketError) -> Int {
        guard used < buffer.count else { return 0 }
        while true {
            try wait(fd, events: Int16(POLLIN), until: deadline)
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
            try wait(fd, events: Int16(POLLOUT), until: deadline)
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
