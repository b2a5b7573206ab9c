#if canImport(Glibc)
import Glibc
#endif
@testable import Capture
import HEP
import Synchronization

/// Collects what a listener delivers; `wait` polls until a count is reached or the time is up.
final class Collector: Sendable {
    let items = Mutex<[ReceivedDatagram]>([])

    var consumer: @Sendable ([ReceivedDatagram]) -> Void {
        { batch in self.items.withLock { $0.append(contentsOf: batch) } }
    }

    var count: Int { items.withLock { $0.count } }
    var all: [ReceivedDatagram] { items.withLock { $0 } }

    /// Waits (at most `seconds`) until `count >= wanted`; returns the final count.
    @discardableResult
    func wait(for wanted: Int, seconds: Double = 5) -> Int {
        let deadline = Clock.monotonicSeconds() + seconds
        while count < wanted && Clock.monotonicSeconds() < deadline { usleep(5_000) }
        return count
    }
}

/// Plain client sockets for tests.
struct TestClient {
    let descriptor: Int32

    static func udp(to endpoint: SocketEndpoint) throws -> TestClient {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_DGRAM.rawValue))
        let status = endpoint.withSocketAddress { connect(descriptor, $0, $1) }
        guard status == 0 else { throw CaptureError.socket(operation: "connect", errno: errno) }
        return TestClient(descriptor: descriptor)
    }

    static func tcp(to endpoint: SocketEndpoint) throws -> TestClient {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_STREAM.rawValue))
        Socket.setOption(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let status = endpoint.withSocketAddress { connect(descriptor, $0, $1) }
        guard status == 0 else { throw CaptureError.socket(operation: "connect", errno: errno) }
        return TestClient(descriptor: descriptor)
    }

    var localEndpoint: SocketEndpoint? { SocketEndpoint.local(of: descriptor) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// True when the peer has closed the connection (recv returns 0 or an error) within `seconds`.
    func peerClosed(within seconds: Double) -> Bool {
        Socket.setReceiveTimeout(descriptor, milliseconds: 50)
        let deadline = Clock.monotonicSeconds() + seconds
        var byte: UInt8 = 0
        while Clock.monotonicSeconds() < deadline {
            let count = recv(descriptor, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
        }
        return false
    }

    func close() { _ = Glibc.close(descriptor) }
}

/// A HEPv3-framed test frame: "HEP3", total length, then `index` and filler.
func testFrame(index: Int, size: Int = 64) -> [UInt8] {
    var frame = Array("HEP3".utf8) + [UInt8(size >> 8), UInt8(size & 0xff)]
    frame += [UInt8(index >> 24 & 0xff), UInt8(index >> 16 & 0xff), UInt8(index >> 8 & 0xff), UInt8(index & 0xff)]
    frame += [UInt8](repeating: 0x41, count: size - frame.count)
    return frame
}

func frameIndex(_ bytes: [UInt8]) -> Int? {
    guard bytes.count >= 10 else { return nil }
    return Int(bytes[6]) << 24 | Int(bytes[7]) << 16 | Int(bytes[8]) << 8 | Int(bytes[9])
}
