#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP
import Service

/// The part of a stream listener that is not about its protocol: the non-blocking listening socket and the
/// service thread that runs the poll (`run`, in StreamListenerCore+PollLoop.swift), woken through its wake
/// descriptor.
final class StreamListenerCore: Sendable {
    let localEndpoint: SocketEndpoint
    let descriptor: Int32
    let service: ServiceThread

    init(endpoint: SocketEndpoint) throws(CaptureError) {
        let descriptor = try Socket.make(family: endpoint.socketFamily, type: Int32(SOCK_STREAM.rawValue))
        try Socket.bind(descriptor, to: endpoint)
        guard listen(descriptor, 1_024) == 0 else {
            let code = errno
            close(descriptor)
            throw .socket(operation: "listen \(endpoint)", errno: code)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        let local = SocketEndpoint.local(of: descriptor) ?? endpoint
        do throws(CaptureError) {
            service = try ServiceThread.polling(name: "hep-tcp-\(local.port)")
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        localEndpoint = local
    }

    deinit {
        close(descriptor)
    }

    var isStopping: Bool { service.isStopping }

    /// Polled next to the sockets: readable once `stop` was called.
    var wakeDescriptor: Int32 { service.wakeDescriptor?.readEnd ?? -1 }

    /// Runs `body` (the poll loop) on the service thread.
    func start(_ body: @escaping @Sendable () -> Void) throws(CaptureError) {
        try service.startCapture(body)
    }

    /// Asks the loop to end, wakes its poll, returns when the thread has ended.
    func stop() {
        service.stopAndJoin()
    }
}
