import Capture
import Rules
import Synchronization
import TLS

/// HEP relay senders by destination (transport, resolved address, port), kept across reloads so a reload
/// neither drops queued packets nor reconnects targets that did not change. Each target's counters feed
/// `capd_relay_*_total`.
final class RelayPool: Sendable {
    private let relays = Mutex<[Capture.RelayTarget: HEPRelay]>([:])
    /// Probes the members of relay groups (RelayPool+Groups.swift).
    let health = RelayHealthMonitor(onChange: RelayPool.logMemberChange)

    /// The sender for a configured target, created (and its thread started) on first use. The target carries
    /// the address the configuration loader resolved and loop-checked; nothing is parsed again here.
    func relay(for target: Rules.RelayTarget) throws(CaptureError) -> HEPRelay {
        try relay(for: Self.destination(of: target))
    }

    static func destination(of target: Rules.RelayTarget) -> Capture.RelayTarget {
        var destination = Capture.RelayTarget(transport: target.transport == .udp ? .udp : .tcp,
                                              endpoint: SocketEndpoint(address: target.address, port: target.port))
        if target.transport == .tls {
            destination.tls = target.tls ?? TLSClientFiles()
            destination.serverName = target.host
        }
        return destination
    }

    func relay(for destination: Capture.RelayTarget) throws(CaptureError) -> HEPRelay {
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

    var all: [(destination: Capture.RelayTarget, relay: HEPRelay)] {
        relays.withLock { $0.map { (destination: $0.key, relay: $0.value) } }
            .sorted { $0.destination.description < $1.destination.description }
    }

    /// Sends what is queued (bounded by `drainTimeout` seconds per target) and stops every sender.
    func close(drainTimeout: Double) {
        health.stop()
        for (_, relay) in all { relay.close(drainTimeout: drainTimeout) }
    }
}
