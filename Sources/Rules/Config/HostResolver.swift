#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HEP

/// How the configuration loader turns relay and listener hosts into addresses, and which addresses are this
/// machine's. `system` asks getaddrinfo(3) and getifaddrs(3); `numericOnly` resolves IP literals only and
/// knows no interface (for fuzzing and for tests that must not touch the network).
public struct HostResolver: Sendable {
    /// The addresses of `host` (IPv4-mapped IPv6 returned as IPv4); empty when it does not resolve.
    public var resolve: @Sendable (_ host: String) -> [IPAddress]
    /// The addresses of this machine's interfaces (IPv4-mapped IPv6 as IPv4).
    public var localAddresses: @Sendable () -> [IPAddress]

    public init(resolve: @escaping @Sendable (String) -> [IPAddress], localAddresses: @escaping @Sendable () -> [IPAddress]) {
        self.resolve = resolve
        self.localAddresses = localAddresses
    }

    public static let system = HostResolver(resolve: { getaddrinfoAddresses($0) }, localAddresses: { interfaceAddresses() })

    public static let numericOnly = HostResolver(
        resolve: { host in IPAddress(host).map { [$0.unmapped] } ?? [] },
        localAddresses: { [] })

    /// getaddrinfo(3) for `host` (any family, datagram sockets so each address appears once). Accepts what the
    /// C library accepts: names from /etc/hosts or DNS, `127.1`, `::ffff:127.0.0.1`.
    static func getaddrinfoAddresses(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        return addresses(from: first, address: \.ai_addr, next: \.ai_next)
    }

    /// getifaddrs(3): every IPv4 and IPv6 address of every interface, up or not.
    static func interfaceAddresses() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(first) }
        return addresses(from: first, address: \.ifa_addr, next: \.ifa_next)
    }

    /// The distinct addresses (IPv4-mapped IPv6 as IPv4) of a C linked list of entries: getaddrinfo's or getifaddrs'.
    private static func addresses<Entry>(
        from first: UnsafeMutablePointer<Entry>, address: KeyPath<Entry, UnsafeMutablePointer<sockaddr>?>,
        next: KeyPath<Entry, UnsafeMutablePointer<Entry>?>
    ) -> [IPAddress] {
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<Entry>? = first
        while let current = entry {
            if let found = current.pointee[keyPath: address].flatMap(IPAddress.unmapped(socketAddress:)), !addresses.contains(found) {
                addresses.append(found)
            }
            entry = current.pointee[keyPath: next]
        }
        return addresses
    }
}

extension IPAddress {
    /// The address of an AF_INET / AF_INET6 socket address (IPv4-mapped IPv6 returned as IPv4); nil for other
    /// families.
    static func unmapped(socketAddress: UnsafeMutablePointer<sockaddr>) -> IPAddress? {
        SocketEndpoint(socketAddress: socketAddress)?.address.unmapped
    }

    /// `::ffff:a.b.c.d` as the IPv4 address `a.b.c.d`; every other address unchanged.
    var unmapped: IPAddress {
        guard isIPv6, high == 0, low >> 32 == 0xFFFF else { return self }
        return IPAddress(ipv4: UInt32(truncatingIfNeeded: low))
    }

    /// 127.0.0.0/8 or ::1.
    var isLoopback: Bool {
        isIPv6 ? (high == 0 && low == 1) : (low >> 24) == 127
    }

    /// 0.0.0.0 or ::.
    var isUnspecified: Bool { high == 0 && low == 0 }
}
