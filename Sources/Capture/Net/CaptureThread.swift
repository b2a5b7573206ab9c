#if canImport(Glibc)
import Glibc
#endif

/// A joinable POSIX thread running one closure (receive loops, relay senders, capture readers).
final class CaptureThread: @unchecked Sendable {
    // Written once in `start`, read in `join`, both by the owning thread.
    private var thread: pthread_t?
    private let body: @Sendable () -> Void

    init(body: @escaping @Sendable () -> Void) { self.body = body }

    /// Starts the thread; throws when the system refuses another thread.
    static func start(_ body: @escaping @Sendable () -> Void) throws(CaptureError) -> CaptureThread {
        let thread = CaptureThread(body: body)
        let context = Unmanaged.passRetained(thread).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { context in
            guard let context else { return nil }
            let thread = Unmanaged<CaptureThread>.fromOpaque(context).takeRetainedValue()
            thread.body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<CaptureThread>.fromOpaque(context).release()
            throw .socket(operation: "pthread_create", errno: status)
        }
        thread.thread = handle
        return thread
    }

    /// Waits for the thread to end (once).
    func join() {
        guard let handle = thread else { return }
        thread = nil
        pthread_join(handle, nil)
    }
}
