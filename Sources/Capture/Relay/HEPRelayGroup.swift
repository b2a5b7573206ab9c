import Affinity

/// The senders of a relay group and the rule that picks one per packet: the rendezvous owner of the packet's
/// affinity key among the members that are up (among all members when none is: their sends then fail and are
/// counted). A member going down moves only the calls it owned; they come back when it is up again.
public final class HEPRelayGroup: Sendable {
    public struct Member: Sendable {
        public let relay: HEPRelay
        /// nil with `check: off`.
        public let health: RelayMemberHealth?
        public let seed: UInt64
        /// The member as written (`udp://127.0.0.1:9161`): its metrics label and its rendezvous name.
        public let name: String

        public init(relay: HEPRelay, health: RelayMemberHealth?, name: String) {
            self.relay = relay
            self.health = health
            self.name = name
            seed = RendezvousHash.memberSeed(name)
        }

        /// Probe says up and, on TCP, the relay's own connection is open (or has not been tried yet).
        public var isUp: Bool {
            (health?.isUp ?? true) && (relay.target.transport == .udp || relay.isConnectedOrStarting)
        }
    }

    public let name: String
    public let members: [Member]
    private let seeds: [UInt64]

    public init(name: String, members: [Member]) {
        self.name = name
        self.members = members
        seeds = members.map(\.seed)
    }

    /// Index of the member owning `key`.
    public func owner(of key: UInt64) -> Int {
        let members = self.members
        if let live = RendezvousHash.owner(key: key, seeds: seeds, eligible: { members[$0].isUp }) { return live }
        return RendezvousHash.owner(key: key, seeds: seeds) ?? 0
    }
}
