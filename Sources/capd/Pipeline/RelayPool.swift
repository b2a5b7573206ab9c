import Capture
import Synchronization

/// HEP relay senders by target URL, kept across reloads so a reload neither drops queued packets nor
/// reconnects targets that did not change. Each target's counters feed `capd_relay_*_total`.
final class RelayPool: Sendable {
    private let relays = Mutex<[String: HEPRelay]>([:])

    /// The sender for `url`, created (and its thread started) on first use.
    func relay(for url: String) throws(CaptureError) -> HEPRelay {
        if let existing = relays.withLock({ $0[url] }) { return existing }
        let created = try HEPRelay(target: try Capture.RelayTarget(url: url))
        return relays.withLock { all in
            if let raced = all[url] {
                created.close(drainTimeout: 0)
                return raced
            }
            all[url] = created
            return created
        }
    }

    var all: [(url: String, relay: HEPRelay)] {
        relays.withLock { $0.map { (url: $0.key, relay: $0.value) }.sorted { $0.url < $1.url } }
    }

    /// Sends what is queued (bounded by `drainTimeout` seconds per target) and stops every sender.
    func close(drainTimeout: Double) {
        for (_, relay) in all { relay.close(drainTimeout: drainTimeout) }
    }
}
