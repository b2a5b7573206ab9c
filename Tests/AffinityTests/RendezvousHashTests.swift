import Affinity
import Testing

@Suite struct RendezvousHashTests {
    /// Call-IDs shaped like real ones: a counter and a host, so neighbouring keys differ in a few bytes only.
    static let callIDs = (0..<30_000).map { "\($0)-a84b4c76e66710@pc33.example.com" }
    static let members = ["udp://127.0.0.1:9161", "udp://127.0.0.1:9162", "udp://127.0.0.1:9163"]

    static func owners(_ members: [String], eligible: (Int) -> Bool = { _ in true }) -> [String] {
        let seeds = members.map(RendezvousHash.memberSeed)
        return callIDs.map { id in
            members[RendezvousHash.owner(key: RendezvousHash.keyHash(id.utf8), seeds: seeds, eligible: eligible)!]
        }
    }

    @Test func spreadsKeysEvenly() {
        let owners = Self.owners(Self.members)
        let expected = Double(Self.callIDs.count) / 3
        for member in Self.members {
            let share = Double(owners.filter { $0 == member }.count)
            // 30 000 keys over 3 members: a fair split is within a few standard deviations (~82 keys) of 10 000.
            #expect(abs(share - expected) < expected * 0.05, "\(member) owns \(share) keys")
        }
    }

    @Test func memberLeavingMovesOnlyItsOwnKeys() {
        let before = Self.owners(Self.members)
        let after = Self.owners(Self.members, eligible: { $0 != 1 })
        var moved = 0
        for (old, new) in zip(before, after) where old != new {
            #expect(old == Self.members[1], "a key owned by \(old) moved to \(new)")
            moved += 1
        }
        #expect(moved == before.filter { $0 == Self.members[1] }.count)
        #expect(!after.contains(Self.members[1]))
    }

    @Test func memberJoiningTakesAboutItsShareAndNothingElseMoves() {
        let before = Self.owners(Self.members)
        let grown = Self.members + ["udp://127.0.0.1:9164"]
        let after = Self.owners(grown)
        var moved = 0
        for (old, new) in zip(before, after) where old != new {
            #expect(new == grown[3], "a key moved from \(old) to \(new), not to the new member")
            moved += 1
        }
        let share = Double(moved) / Double(Self.callIDs.count)
        #expect(abs(share - 0.25) < 0.02, "the new member took \(share) of the keys")
    }

    @Test func ownerDoesNotDependOnListOrder() {
        #expect(Self.owners(Self.members) == Self.owners(Self.members.reversed()))
    }

    @Test func noEligibleMemberHasNoOwner() {
        let seeds = Self.members.map(RendezvousHash.memberSeed)
        #expect(RendezvousHash.owner(key: 42, seeds: seeds, eligible: { _ in false }) == nil)
        #expect(RendezvousHash.owner(key: 42, seeds: [], eligible: { _ in true }) == nil)
    }

    /// The hash is part of the cluster's contract: two capd versions must agree on who owns a call.
    @Test func keyHashIsStableFNV1a() {
        #expect(RendezvousHash.keyHash("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(RendezvousHash.keyHash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
    }
}
