#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HEP

/// Why an address like `127.0.0.1:9096` or `[::1]:9096` could not be parsed.
enum SocketAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPort(String)
    case badPort(String)
    case badHost(String)

    var description: String {
        switch self {
        case .missingPort(let text): return "'\(text)' has no port (expected HOST:PORT or [IPV6]:PORT)"
        case .badPort(let text): return "'\(text)' has an invalid port (expected 0-65535)"
        case .badHost(let text): return "'\(text)' is not an IPv4 or IPv6 address (or localhost)"
        }
    }
}

/// A numeric TCP endpoint: an IPv4 or IPv6 literal and a port. No name resolution except `localhost`.
struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    enum Host: Hashable, Sendable {
        case v4([UInt8])    // 4 bytes, network order
        case v6([UInt8])    // 16 bytes
    }

    var host: Host
    var port: UInt16

    init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`, `[IPV6]:PORT` or `localhost:PORT`, optionally behind `http://` or `tcp://`.
    init(parsing text: String) throws(SocketAddressError) {
        var rest = Substring(text)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        let parsed: HostPort
        do {
            parsed = try HostPort(parsing: rest)
        } catch {
            switch error {
            case .missingPort: throw .missingPort(text)
            case .badPort: throw .badPort(text)
            case .unclosedBracket, .unbracketedIPv6: throw .badHost(text)
            }
        }
        guard parsed.scheme == nil || parsed.scheme == "http" || parsed.scheme == "tcp",
              let host = Self.parseHost(parsed.host) else { throw .badHost(text) }
        self.init(host: host, port: parsed.port)
    }

    private static func parseHost(_ text: String) -> Host? {
        if text == "localhost" { return .v4([127, 0, 0, 1]) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return .v4(withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return .v6(withUnsafeBytes(of: &v6) { Array($0) })
        }
        return nil
    }

    var family: Int32 {
        switch host {
        case .v4: return AF_INET
        case .v6: return AF_INET6
        }
    }

    var hostText: String {
        switch host {
        case .v4(let bytes), .v6(let bytes):
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            var raw = bytes
            let ok = raw.withUnsafeMutableBytes { pointer in
                inet_ntop(family, pointer.baseAddress, &buffer, socklen_t(buffer.count)) != nil
            }
            guard ok else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    var description: String {
        switch host {
        case .v4: return "\(hostText):\(port)"
        case .v6: return "[\(hostText)]:\(port)"
        }
    }

    /// Calls `body` with this address as a `sockaddr` of the right family and length.
    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        switch host {
        case .v4(let bytes):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { target in
                for (i, byte) in bytes.prefix(target.count).enumerated() { target[i] = byte }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let bytes):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { target in
                for (i, byte) in bytes.prefix(target.count).enumerated() { target[i] = byte }
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    /// The address a socket is bound to (`getsockname`).
    static func local(of fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var addr = pointer.pointee.sin_addr
                    let bytes = withUnsafeBytes(of: &addr) { Array($0) }
                    return SocketAddress(host: .v4(bytes), port: UInt16(bigEndian: pointer.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var addr = pointer.pointee.sin6_addr
                    let bytes = withUnsafeBytes(of: &addr) { Array($0) }
                    return SocketAddress(host: .v6(bytes), port: UInt16(bigEndian: pointer.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}
