/// Entry point: configuration file → validated `Config` (with compiled rules), or every diagnostic.
public enum ConfigLoader {
    public struct Result: Sendable {
        /// nil when there is at least one error.
        public var config: Config?
        public var diagnostics: [Diagnostic]
        public var sources: SourceFiles
        public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
        public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }
        /// Every diagnostic as `FILE:LINE:COL: error: message`, source line and caret.
        public var rendered: String { sources.render(diagnostics) }
    }

    /// Reads `path` (and its includes) from disk. `resolver` resolves relay and listener hosts (the relay loop
    /// check and the relay's address); `.numericOnly` keeps a load off the network.
    public static func load(path: String, resolver: HostResolver = .system) -> Result {
        var parser = ConfigParser()
        parser.resolver = resolver
        let config = parser.load(path: path, text: nil)
        return Result(config: config, diagnostics: sorted(parser.diagnostics), sources: parser.files)
    }

    /// Parses `text` as if it were the file `path` (includes are still read relative to `path`).
    public static func load(text: String, path: String = "<config>", resolver: HostResolver = .system) -> Result {
        var parser = ConfigParser()
        parser.resolver = resolver
        let config = parser.load(path: path, text: text)
        return Result(config: config, diagnostics: sorted(parser.diagnostics), sources: parser.files)
    }

    /// For the daemon: the config, or a `ConfigError` carrying the rendered diagnostics.
    public static func loadOrThrow(path: String) throws(ConfigError) -> Config {
        let result = load(path: path)
        guard let config = result.config else { throw ConfigError(diagnostics: result.errors, rendered: result.sources.render(result.errors)) }
        return config
    }

    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted {
            let a = $0.element.mark, b = $1.element.mark
            if a.file != b.file { return a.file < b.file }
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return $0.offset < $1.offset
        }.map(\.element)
    }
}

public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    /// `FILE:LINE:COL: error: ...` lines with source and caret.
    public var rendered: String

    public init(diagnostics: [Diagnostic], rendered: String) {
        self.diagnostics = diagnostics
        self.rendered = rendered
    }
    public var description: String { rendered }
}
