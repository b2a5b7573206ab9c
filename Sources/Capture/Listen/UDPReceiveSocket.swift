#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP

/// A bound UDP socket set up the way the HEP listener receives: the requested receive buffer, non-blocking (the
/// listener sleeps in `poll` when it is empty). Owns the descriptor (closed on deinit). `HEPUDPListener` receives on one; `capd-bench
/// capture` opens one of its own for its bare recvmmsg baseline on the same socket setup.
public final class UDPReceiveSocket: Sendable {
    public let descriptor: Int32
    public let localEndpoint: SocketEndpoint
    /// The receive buffer size the kernel granted (bytes, as getsockopt reports it).
    public let receiveBufferBytes: Int

    /// Binds the socket (port 0 picks a free port; see `localEndpoint`).
    public init(endpoint: SocketEndpoint, receiveBufferBytes requested: Int) throws(CaptureError) {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_DGRAM.rawValue))
        try Socket.bind(descriptor, to: endpoint)   // closes the descriptor when it throws
        receiveBufferBytes = Socket.setReceiveBuffer(descriptor, bytes: requested)
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        self.descriptor = descriptor
        localEndpoint = SocketEndpoint.local(of: descriptor) ?? endpoint
    }

    deinit { close(descriptor) }
}
