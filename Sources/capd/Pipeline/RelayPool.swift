import Capture
import Rules
import Synchronization
import TLS

/// HEP relay senders by destination (transport, resolved address, port), kept across reloads so a reload
/// neither drops queued packets nor reconnects targets that did not change. Each target's counters feed
/// `capd_relay_*_total`.
final class RelayPool: Sendable {
    private let relays = Mutex<[RelayDestination: HEPRelay]>([:])
    /// Probes the members of relay groups (RelayPool+Groups.swift).
    let health = RelayHealthMonitor(onChange: RelayPool.logMemberChange)

    /// The sender for a configured target, created (and its thread started) on first use. The target carries
    /// the address the configuration loader resolved and loop-checked; nothing is parsed again here.
    func relay(for target: RelayTarget) throws(CaptureError) -> HEPRelay {
        try relay(for: Self.destination(of: target))
    }

    static func destination(of target: RelayTarget) -> RelayDestination {
        RelayDestination(target.endpoint, address: target.address, tls: target.tls)
    }

    func relay(for destination: RelayDestination) throws(CaptureError) -> HEPRelay {
        if let existing = relays.withLock({ $0[destination] }) { return existing }
        let created = try HEPRelay(target: destination)
        return relays.withLock { all in
            if let raced = all[destination] {
                created.close(drainTimeout: 0)
                return raced
            }
            all[destination] = created
            return created
        }
    }

    var all: [(destination: RelayDestination, relay: HEPRelay)] {
        relays.withLock { $0.map { (destination: $0.key, relay: $0.value) } }
            .sorted { $0.destination.description < $1.destination.description }
    }

    /// Sends what is queued (bounded by `drainTimeout` seconds per target) and stops every sender.
    func close(drainTimeout: Double) {
        health.stop()
        for (_, relay) in all { relay.close(drainTimeout: drainTimeout) }
    }
}
