import Synchronization

/// The runtime capture switch (OpenSIPS `capture_on`): shared by the packet path, which reads it for
/// every packet, and the admin endpoint, which flips it. While off, `capture` stores nothing; the rest of
/// the pipeline (report, relay, edits) keeps working.
final class CaptureSwitch: Sendable {
    private let state: Atomic<Bool>

    init(enabled: Bool = true) {
        state = Atomic(enabled)
    }

    @inline(__always)
    var isOn: Bool { state.load(ordering: .relaxed) }

    func set(_ enabled: Bool) {
        state.store(enabled, ordering: .relaxed)
    }

    /// Makes `gauge` report 1 while on and 0 while off.
    func bind(to gauge: GaugeFamily) {
        gauge.bind { [self] in isOn ? 1 : 0 }
    }
}
