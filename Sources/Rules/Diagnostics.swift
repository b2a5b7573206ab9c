/// A position in a configuration file (1-based line and column, as compilers print them).
public struct SourceMark: Hashable, Sendable {
    /// Index into `SourceFiles.files`.
    public var file: Int
    public var line: Int
    public var column: Int
    // Made by the loader only: the memberwise initializer is internal.
}

public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var mark: SourceMark
    public var message: String
    public init(_ severity: Severity, _ mark: SourceMark, _ message: String) {
        self.severity = severity
        self.mark = mark
        self.message = message
    }
    public var description: String { "\(mark.line):\(mark.column): \(severity.rawValue): \(message)" }
}

/// The text of every file that took part in a load, for rendering diagnostics with their source line.
public struct SourceFiles: Sendable {
    public struct File: Sendable {
        public var path: String
        public var lines: [Substring]
    }
    public private(set) var files: [File] = []
    public init() {}

    mutating func add(path: String, text: String) -> Int {
        files.append(File(path: path, lines: text.split(separator: "\n", omittingEmptySubsequences: false)))
        return files.count - 1
    }

    public func path(_ mark: SourceMark) -> String {
        files.indices.contains(mark.file) ? files[mark.file].path : "<unknown>"
    }

    /// `FILE:LINE:COL: error: message`, then the offending line and a caret under the column.
    public func render(_ diagnostic: Diagnostic) -> String {
        let mark = diagnostic.mark
        var out = "\(path(mark)):\(mark.line):\(mark.column): \(diagnostic.severity.rawValue): \(diagnostic.message)"
        if files.indices.contains(mark.file) {
            let lines = files[mark.file].lines
            if mark.line >= 1 && mark.line <= lines.count {
                var text = String(lines[mark.line - 1])
                if text.hasSuffix("\r") { text.removeLast() }
                out += "\n" + text + "\n"
                let pad = text.prefix(max(0, mark.column - 1)).map { $0 == "\t" ? "\t" : " " as Character }
                out += String(pad) + "^"
            }
        }
        return out
    }

    public func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(render).joined(separator: "\n")
    }
}
