#if canImport(Glibc)
import Glibc
#endif
import HEP

/// An IP address and port of a socket.
public struct SocketEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// "127.0.0.1:9060", "[::1]:9060".
    public init?(_ text: String) {
        guard let parsed = try? HostPort(parsing: text), parsed.scheme == nil,
              let address = IPAddress(parsed.host) else { return nil }
        self.init(address: address, port: parsed.port)
    }

    public var description: String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

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

    func fill(_ storage: inout sockaddr_storage) -> socklen_t {
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

    /// Reads an AF_INET / AF_INET6 socket address; nil for other families.
    init?(_ storage: UnsafePointer<sockaddr_storage>) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let value = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
            self.init(address: IPAddress(ipv4: UInt32(bigEndian: value.sin_addr.s_addr)), port: UInt16(bigEndian: value.sin_port))
        case AF_INET6:
            let value = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            let address = withUnsafeBytes(of: value.sin6_addr) { raw in
                IPAddress(ipv6High: raw.loadBigEndianUInt64(at: 0), low: raw.loadBigEndianUInt64(at: 8))
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

/// `net.*` of a received HEP datagram or frame: the socket it arrived on.
public struct NetInfo: Hashable, Sendable {
    /// The sender (net.src_ip / net.src_port).
    public var source: SocketEndpoint
    /// The listening socket's local address (net.dst_ip / net.dst_port).
    public var destination: SocketEndpoint
    public var transport: NetTransport

    public init(source: SocketEndpoint, destination: SocketEndpoint, transport: NetTransport) {
        self.source = source
        self.destination = destination
        self.transport = transport
    }

    /// 2 or 10 (net.proto_family).
    public var family: UInt8 { destination.address.family }
    /// 17 or 6 (net.proto_id).
    public var ipProtocol: UInt8 { transport.ipProtocol }
}

public enum NetTransport: String, Sendable, Hashable {
    case udp, tcp

    public var ipProtocol: UInt8 { self == .udp ? 17 : 6 }
}

/// One HEP datagram (UDP) or HEPv3 frame (TCP) as received, with the socket's addresses.
public struct ReceivedDatagram: Sendable {
    public var bytes: [UInt8]
    public var net: NetInfo
    /// Wall-clock receive time (per batch).
    public var receivedAt: CaptureTimestamp

    public init(bytes: [UInt8], net: NetInfo, receivedAt: CaptureTimestamp) {
        self.bytes = bytes
        self.net = net
        self.receivedAt = receivedAt
    }
}

enum Clock {
    static func now() -> CaptureTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return CaptureTimestamp(seconds: Int(time.tv_sec), microseconds: Int(time.tv_nsec / 1_000))
    }

    static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
