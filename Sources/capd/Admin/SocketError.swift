#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HEP

/// A failed socket operation, with the system's reason.
enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    case create(errno: Int32)
    case bind(SocketEndpoint, errno: Int32)
    case listen(SocketEndpoint, errno: Int32)
    case connect(SocketEndpoint, errno: Int32)
    case connectTimeout(SocketEndpoint)
    case io(errno: Int32)
    case timeout
    case closed

    var description: String {
        switch self {
        case .create(let code): return "cannot create a socket: \(Self.reason(code))"
        case .bind(let address, let code): return "cannot bind \(address): \(Self.reason(code))"
        case .listen(let address, let code): return "cannot listen on \(address): \(Self.reason(code))"
        case .connect(let address, let code): return "cannot connect to \(address): \(Self.reason(code))"
        case .connectTimeout(let address): return "cannot connect to \(address): timed out"
        case .io(let code): return "socket error: \(Self.reason(code))"
        case .timeout: return "timed out"
        case .closed: return "connection closed by peer"
        }
    }

    /// `strerror` text with a lower-case first letter ("connection refused").
    static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        guard let first = text.first else { return "error \(code)" }
        return first.lowercased() + text.dropFirst()
    }
}
