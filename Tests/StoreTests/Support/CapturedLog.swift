import Logging
import Synchronization

/// A Logger whose lines the test can read (the store logs state changes; tests count them).
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "capd.store.test") { _ in Handler(log: self) }
    }

    var all: [String] { lines.withLock { $0 } }

    func count(_ fragment: String) -> Int { all.filter { $0.contains(fragment) }.count }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            log.append("\(level) \(message)")
        }
    }
}
