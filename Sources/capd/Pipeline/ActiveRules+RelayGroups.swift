import Affinity
import Capture
import HEP
import Prometheus
import Rules

extension ActiveRules {
    /// One `HEPRelayGroup` per configured group, on the pool's senders and health probes. Probes of members no
    /// configuration uses any more stop.
    static func relayGroups(_ groups: [String: Rules.RelayGroup],
                            senders: [String: (sender: HEPRelay, sent: Counter, failed: Counter)],
                            pool: RelayPool) throws(CaptureError) -> [String: HEPRelayGroup] {
        var result: [String: HEPRelayGroup] = [:]
        var probed = Set<SocketEndpoint>()
        for (name, group) in groups {
            var members: [HEPRelayGroup.Member] = []
            for member in group.members {
                guard let sender = senders[member.senderKey]?.sender else { continue }
                var health: RelayMemberHealth?
                if let probe = RelayPool.probeEndpoint(of: member, check: group.check) {
                    health = try pool.health.health(of: probe)
                    probed.insert(probe)
                }
                members.append(HEPRelayGroup.Member(relay: sender, health: health, name: member.url))
            }
            result[name] = HEPRelayGroup(name: name, members: members)
        }
        pool.health.retain(only: probed)
        return result
    }

    /// The member of `group` that owns this packet's call (or source, with `hash: src_ip`).
    func member(of group: Rules.RelayGroup, for subject: PacketSubject) -> Rules.RelayTarget {
        guard let running = groups[group.name], running.members.count == group.members.count else {
            return group.members[0]
        }
        let index = running.owner(of: Self.affinityKey(group.hash, subject))
        running.members[index].health?.noteRouted()
        return group.members[index]
    }

    /// The key a packet is placed by. Call-ID and correlation id fall back on each other (SIP has a Call-ID,
    /// RTCP and log reports carry their call's id as correlation id), then on the source address.
    static func affinityKey(_ kind: AffinityKey, _ subject: PacketSubject) -> UInt64 {
        let primary: ArraySlice<UInt8>?
        let secondary: ArraySlice<UInt8>?
        switch kind {
        case .callID:
            primary = subject.sip?.callID
            secondary = subject.packet.correlationID
        case .correlationID:
            primary = subject.packet.correlationID
            secondary = subject.sip?.callID
        case .sourceIP:
            primary = nil
            secondary = nil
        }
        if let bytes = primary, !bytes.isEmpty { return RendezvousHash.keyHash(bytes) }
        if let bytes = secondary, !bytes.isEmpty { return RendezvousHash.keyHash(bytes) }
        let source = subject.packet.sourceIP
        return RendezvousHash.mix(source.high ^ RendezvousHash.mix(source.low))
    }
}
