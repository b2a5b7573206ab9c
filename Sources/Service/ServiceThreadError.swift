#if canImport(Glibc)
import Glibc
#endif

/// Why a service thread (or its wake descriptor) could not be set up.
public enum ServiceThreadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `pthread_create` refused the thread (EAGAIN: the process or system thread limit).
    case cannotStart(name: String, errno: Int32)
    /// The wake pipe could not be created (EMFILE/ENFILE: out of descriptors).
    case wakeDescriptor(errno: Int32)

    public var description: String {
        switch self {
        case .cannotStart(let name, let code): "cannot start thread \(name): \(String(cString: strerror(code)))"
        case .wakeDescriptor(let code): "cannot create a wake pipe: \(String(cString: strerror(code)))"
        }
    }
}
