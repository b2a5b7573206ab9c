#if canImport(Glibc)
import Glibc
#endif

/// Errors of the Capture module's I/O (files, sockets, libpcap).
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libpcap could not open a capture file (missing, unreadable, not pcap/pcapng).
    case openFailed(path: String, message: String)
    /// Reading a capture file failed part-way (e.g. a truncated last record).
    case readFailed(path: String, message: String)
    /// A live-capture libpcap call failed.
    case pcap(operation: String, message: String)
    /// A socket system call failed.
    case socket(operation: String, errno: Int32)
    case invalidAddress(String)
    case invalidTarget(String)
    /// The listener/relay was already stopped.
    case closed

    public var description: String {
        switch self {
        case .openFailed(let path, let message): "cannot open \(path): \(message)"
        case .readFailed(let path, let message): "error reading \(path): \(message)"
        case .pcap(let operation, let message): "\(operation): \(message)"
        case .socket(let operation, let code): "\(operation): \(String(cString: strerror(code)))"
        case .invalidAddress(let text): "invalid address: \(text)"
        case .invalidTarget(let text): "invalid relay target: \(text)"
        case .closed: "closed"
        }
    }
}
