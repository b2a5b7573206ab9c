/// The outcome of a configuration reload.
enum ReloadResult: Equatable, Sendable {
    /// The new configuration is live.
    case ok
    /// The old configuration stays live; the message says why (e.g. `FILE:LINE:COL: error: ...` lines).
    case failed(String)
}
