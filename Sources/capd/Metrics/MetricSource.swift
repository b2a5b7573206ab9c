/// Read-at-scrape callbacks, each kept in a non-generic struct.
///
/// Why a struct and not a bare closure in the `Mutex`: `Mutex<Value>.withLock` is generic, so a closure
/// stored as `Value` is passed to it `inout` at the most general abstraction. Reading it out with
/// `withLock { $0 }` makes the compiler convert the closure to the caller's concrete form and back on
/// write-back, and each conversion wraps it in one more reabstraction thunk. Every scrape then added two
/// frames to every bound source (issue 15 row 1: memory and scrape time grew with each scrape, and the
/// call chain would eventually overflow the stack). A struct's field keeps one fixed layout in generic
/// and concrete code alike, so the closure inside is never converted.

/// The callback of a bound counter or gauge.
struct ScalarSource: Sendable {
    let read: @Sendable () -> Double
}

/// The callback of a bound histogram.
struct HistogramSource: Sendable {
    let read: @Sendable () -> HistogramSnapshot
}

/// The scrape-time series of a family collector.
struct SampleCollector: Sendable {
    let collect: @Sendable () -> [(labels: [String], value: Double)]
}
