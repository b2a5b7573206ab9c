#if canImport(Glibc)
import Glibc
#endif

/// The `sockaddr` side of an endpoint: what sockets take (Capture's listeners and relays, `capd ctl`) and what
/// the system gives back (received datagrams, accepted peers, getaddrinfo, getifaddrs).
extension SocketEndpoint {
    /// Linux AF_INET / AF_INET6 for socket(2).
    public var socketFamily: Int32 { address.isIPv6 ? AF_INET6 : AF_INET }

    /// Calls `body` with this endpoint as a sockaddr of the right family and length.
    public func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        var storage = sockaddr_storage()
        let length = fill(&storage)
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    private func fill(_ storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) { pointer in
            if let value = address.ipv4Value {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { socketAddress in
                    socketAddress.pointee = sockaddr_in()
                    socketAddress.pointee.sin_family = sa_family_t(AF_INET)
                    socketAddress.pointee.sin_port = port.bigEndian
                    socketAddress.pointee.sin_addr.s_addr = value.bigEndian
                    return socklen_t(MemoryLayout<sockaddr_in>.size)
                }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { socketAddress in
                socketAddress.pointee = sockaddr_in6()
                socketAddress.pointee.sin6_family = sa_family_t(AF_INET6)
                socketAddress.pointee.sin6_port = port.bigEndian
                withUnsafeMutableBytes(of: &socketAddress.pointee.sin6_addr) { raw in
                    for (index, byte) in address.bytes.enumerated() where index < raw.count { raw[index] = byte }
                }
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            }
        }
    }

    /// Reads an AF_INET / AF_INET6 socket address (a received datagram's source, an accepted peer); nil for
    /// other families. Allocation-free: the receive path calls it per datagram.
    public init?(_ storage: UnsafePointer<sockaddr_storage>) {
        let read = storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketEndpoint(socketAddress: $0) }
        guard let read else { return nil }
        self = read
    }

    /// Reads an AF_INET / AF_INET6 `sockaddr` (getaddrinfo's and getifaddrs' entries); nil for other families.
    public init?(socketAddress: UnsafePointer<sockaddr>) {
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            let value = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            self.init(address: IPAddress(ipv4: UInt32(bigEndian: value.sin_addr.s_addr)), port: UInt16(bigEndian: value.sin_port))
        case AF_INET6:
            let value = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            let address = withUnsafeBytes(of: value.sin6_addr) { raw in
                IPAddress(ipv6High: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                          low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
            self.init(address: address, port: UInt16(bigEndian: value.sin6_port))
        default:
            return nil
        }
    }

    /// The local address of a bound socket (`getsockname`).
    public static func local(of descriptor: Int32) -> SocketEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        return SocketEndpoint(&storage)
    }
}
