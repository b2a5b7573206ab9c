#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP

/// Small helpers over socket system calls, throwing `CaptureError.socket`.
enum Socket {
    static func make(family: Int32, type: Int32, protocol: Int32 = 0) throws(CaptureError) -> Int32 {
        let descriptor = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), `protocol`)
        guard descriptor >= 0 else { throw .socket(operation: "socket", errno: errno) }
        return descriptor
    }

    static func setOption(_ descriptor: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        _ = setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Receive timeout of a blocking socket (the TLS relay's handshake).
    static func setReceiveTimeout(_ descriptor: Int32, milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    static func setSendTimeout(_ descriptor: Int32, milliseconds: Int) {
        var timeout = timeval(tv_sec: milliseconds / 1_000, tv_usec: (milliseconds % 1_000) * 1_000)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Binds, or closes `descriptor` and throws (callers must not close it again: by then the number may be
    /// another thread's new descriptor).
    static func bind(_ descriptor: Int32, to endpoint: SocketEndpoint) throws(CaptureError) {
        if endpoint.address.isIPv6 { setOption(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1) }
        setOption(descriptor, SOL_SOCKET, SO_REUSEADDR, 1)
        let status = endpoint.withSocketAddress { Glibc.bind(descriptor, $0, $1) }
        guard status == 0 else {
            let code = errno
            close(descriptor)
            throw .socket(operation: "bind \(endpoint)", errno: code)
        }
    }

    static func setReceiveBuffer(_ descriptor: Int32, bytes: Int) -> Int {
        Int(capd_set_receive_buffer(descriptor, Int32(clamping: bytes)))
    }
}
