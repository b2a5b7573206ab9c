/// The outcome of a configuration reload.
enum ReloadResult: Equatable, Sendable {
    /// The new configuration is live, except the keys listed as needing a restart.
    case applied(ConfigDiff)
    /// The old configuration stays live; the message says why (e.g. `FILE:LINE:COL: error: ...` lines).
    case failed(String)

    /// A reload that changed nothing.
    static var ok: ReloadResult { .applied(ConfigDiff()) }

    var succeeded: Bool {
        if case .applied = self { return true }
        return false
    }
}
