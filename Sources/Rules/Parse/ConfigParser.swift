import HEP
import CLibYAML
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loader state: every diagnostic is collected (nothing stops at the first error).
struct ConfigParser {
    var files = SourceFiles()
    var diagnostics: [Diagnostic] = []

    struct ListDef {
        var node: YAMLNode
        var mark: SourceMark
        var used = false
    }
    struct RouteDef {
        var name: String
        var node: YAMLNode
        var mark: SourceMark
    }
    var lists: [String: ListDef] = [:]
    var routeDefs: [RouteDef] = []
    var relayTargets: [String: RelayTarget] = [:]
    /// Directory of the main configuration file: relative TLS file paths are resolved against it.
    var configDirectory = "."
    var relayGroups: [String: RelayGroup] = [:]
    /// Resolves relay and listener hosts (getaddrinfo for the daemon and `capd check`).
    var resolver: HostResolver = .system
    var resolvedHosts: [String: [IPAddress]] = [:]
    /// Set once `listen` is parsed; every relay target parsed after is checked against the listeners.
    var relayLoopCheck: RelayLoopCheck?
    /// Canonical paths of the files being included (cycle detection).
    var includeStack: [String] = []
    /// Route calls: (caller route, callee route, mark of the `route:` action).
    var calls: [(from: Int, to: Int, mark: SourceMark)] = []
    var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    mutating func error(_ mark: SourceMark, _ message: String) {
        diagnostics.append(Diagnostic(.error, mark, message))
    }
    mutating func warning(_ mark: SourceMark, _ message: String) {
        diagnostics.append(Diagnostic(.warning, mark, message))
    }

    // MARK: files

    static func readFile(_ path: String) -> String? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
            if bytes.count > 16 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Reads and parses a file; registers its text for diagnostics. nil on failure (diagnosed).
    mutating func parseFile(path: String, text: String?, includedFrom: SourceMark?) -> YAMLNode? {
        guard let text else {
            let file = files.add(path: path, text: "")
            error(includedFrom ?? SourceMark(file: file, line: 1, column: 1), "cannot read file '\(path)'")
            return nil
        }
        let file = files.add(path: path, text: text)
        do {
            return try YAMLReader.read(text, file: file) ?? YAMLNode(kind: .mapping([]), mark: SourceMark(file: file, line: 1, column: 1))
        } catch {
            self.error(error.mark, error.message)
            return nil
        }
    }

    // MARK: small typed readers

    func key(_ pair: YAMLPair) -> String? { pair.key.scalar }

    /// Checks keys against `allowed` (unknown → error with a suggestion, duplicate → error) and returns the
    /// pairs by key.
    mutating func fields(_ node: YAMLNode, allowed: [String], context: String) -> [String: YAMLPair]? {
        guard case .mapping(let pairs) = node.kind else {
            if node.isNull { return [:] }
            error(node.mark, "expected a mapping for \(context), found \(node.kindName)")
            return nil
        }
        var result: [String: YAMLPair] = [:]
        for pair in pairs {
            guard let name = pair.key.scalar else {
                error(pair.key.mark, "keys must be plain names")
                continue
            }
            guard allowed.contains(name) else {
                error(pair.key.mark, "unknown key '\(name)' in \(context)" + Suggest.didYouMean(name, allowed))
                continue
            }
            if result[name] != nil {
                error(pair.key.mark, "duplicate key '\(name)' in \(context)")
                continue
            }
            result[name] = pair
        }
        return result
    }

    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = node.scalar, !node.isNull else {
            error(node.mark, "expected a string for \(what), found \(node.kindName)")
            return nil
        }
        return text
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        if case .scalar(let text, _) = node.kind {
            switch text.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        error(node.mark, "expected true or false for \(what), found \(node.scalar.map { "'\($0)'" } ?? node.kindName)")
        return nil
    }

    mutating func integer(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = node.scalar, let value = Int(text) else {
            error(node.mark, "expected an integer for \(what), found \(node.scalar.map { "'\($0)'" } ?? node.kindName)")
            return nil
        }
        return checked(value, in: range, node, what)
    }

    /// `value` when `range` holds it; otherwise an error that names the range (in `unit`, e.g. " bytes").
    mutating func checked(_ value: Int, in range: ClosedRange<Int>, _ node: YAMLNode, _ what: String, unit: String = "") -> Int? {
        guard range.contains(value) else {
            error(node.mark, "\(what) must be in \(range.lowerBound)...\(range.upperBound)\(unit), found \(value)")
            return nil
        }
        return value
    }

    /// `5060` or `5060-5090`.
    mutating func portRange(_ node: YAMLNode, _ what: String) -> ClosedRange<UInt16>? {
        guard let text = node.scalar, !node.isNull else {
            error(node.mark, "expected a port or port range for \(what), found \(node.kindName)")
            return nil
        }
        if let range = PortText.range(text) { return range }
        error(node.mark, (text.contains("-") ? "invalid port range" : "invalid port") + " '\(text)' for \(what) (ports are 0...65535, ranges LOW-HIGH)")
        return nil
    }

    /// A scalar or a list of scalars.
    func items(_ node: YAMLNode) -> [YAMLNode] {
        if case .sequence(let items) = node.kind { return items }
        return [node]
    }
}

enum PortText {
    static func range(_ text: String) -> ClosedRange<UInt16>? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = Endpoint.port(parts[0].trimmingSpaces) else { return nil }
        if parts.count == 1 { return low...low }
        guard let high = Endpoint.port(parts[1].trimmingSpaces), low <= high else { return nil }
        return low...high
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}

enum Suggest {
    /// ` (did you mean 'x'?)` when a candidate is within a small edit distance.
    static func didYouMean(_ word: String, _ candidates: [String]) -> String {
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(word.lowercased(), candidate.lowercased())
            if d <= limit && (best == nil || d < best!.1) { best = (candidate, d) }
        }
        return best.map { " (did you mean '\($0.0)'?)" } ?? ""
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8.prefix(64)), y = Array(b.utf8.prefix(64))
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = previous
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }
}
