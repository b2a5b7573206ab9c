import Synchronization
@testable import capd

/// An `AdminControl` whose answers the test sets, recording what it was asked.
final class RecordingControl: AdminControl {
    let captureSwitch = CaptureSwitch(enabled: true)
    let nextReload = Mutex<ReloadResult>(.ok)
    let reloadCount = CallCount()
    let statValues = Mutex<[(name: String, value: Double)]>([])
    let healthStatus = Mutex<HealthStatus>(.ok)

    var captureEnabled: Bool { captureSwitch.isOn }
    func setCaptureEnabled(_ enabled: Bool) { captureSwitch.set(enabled) }
    func reload() -> ReloadResult {
        reloadCount.increment()
        return nextReload.withLock { $0 }
    }
    func stats() -> [(name: String, value: Double)] { statValues.withLock { $0 } }
    func health() -> HealthStatus { healthStatus.withLock { $0 } }
}
