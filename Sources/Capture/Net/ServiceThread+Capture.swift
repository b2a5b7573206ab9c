import Service

/// Capture's threads are `ServiceThread`s; these say their failures as `CaptureError`, as before.
extension ServiceThread {
    /// A thread whose loop sleeps in `poll` on its sockets and on the wake descriptor.
    static func polling(name: String) throws(CaptureError) -> ServiceThread {
        do throws(ServiceThreadError) {
            return ServiceThread(name: name, wakeDescriptor: try WakeDescriptor())
        } catch {
            throw CaptureError(error)
        }
    }

    /// `start`, throwing `CaptureError`.
    @discardableResult
    func startCapture(_ body: @escaping @Sendable () -> Void) throws(CaptureError) -> Bool {
        do throws(ServiceThreadError) {
            return try start(body)
        } catch {
            throw CaptureError(error)
        }
    }
}

extension CaptureError {
    init(_ error: ServiceThreadError) {
        switch error {
        case .cannotStart(let name, let code): self = .socket(operation: "pthread_create \(name)", errno: code)
        case .wakeDescriptor(let code): self = .socket(operation: "pipe", errno: code)
        }
    }
}
