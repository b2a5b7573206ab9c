/// A suite's `--name value` options, checked against the names it takes.
struct BenchOptions {
    private var values: [String: String] = [:]

    /// Throws for an unknown name or a name without a value, with `usage` in the message.
    init(_ arguments: [String], allowed: Set<String>, usage: String) throws(BenchError) {
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard allowed.contains(flag) else { throw .usage("unknown option \(flag); \(usage)") }
            guard let value = rest.popFirst() else { throw .usage("\(flag) needs a value; \(usage)") }
            values[flag] = value
        }
    }

    subscript(_ name: String) -> String? { values[name] }
}

/// Why a suite stopped: a wrong command line, or a run that cannot be measured.
enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    case failed(String)

    var description: String {
        switch self {
        case .usage(let text): "usage: \(text)"
        case .failed(let text): "capd-bench: \(text)"
        }
    }
}
