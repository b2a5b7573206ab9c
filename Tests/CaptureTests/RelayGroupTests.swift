#if canImport(Glibc)
import Glibc
#endif
import Affinity
@testable import Capture
import HEP
import Testing

/// Relay groups (issue 13): the health probe against real loopback sockets, and the member choice following it.
@Suite(.serialized) struct RelayGroupTests {
    /// A TCP socket listening on 127.0.0.1:`port` (0: any), standing in for a capture node's HEP/TCP listener.
    static func listenTCP(port: UInt16) throws -> (descriptor: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0, "bind: errno \(errno)")
        try #require(listen(fd, 16) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    static func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Double? {
        let start = Clock.monotonicSeconds()
        while Clock.monotonicSeconds() - start < seconds {
            if condition() { return Clock.monotonicSeconds() - start }
            usleep(10_000)
        }
        return condition() ? Clock.monotonicSeconds() - start : nil
    }

    @Test("a member found down counts what was routed to it in the last second, and while down, not before")
    func deadMemberCountsItsUnconfirmedPackets() throws {
        let socket = try Self.listenTCP(port: 0)
        var open = true
        defer { if open { close(socket.descriptor) } }
        let monitor = RelayHealthMonitor()
        defer { monitor.stop() }
        let health = try monitor.health(of: try #require(SocketEndpoint("127.0.0.1:\(socket.port)")))
        for _ in 0..<100 { health.noteRouted() }   // long before it dies: confirmed by the probes since
        usleep(1_600_000)
        for _ in 0..<20 { health.noteRouted() }    // in its last second
        #expect(health.unconfirmed.load(ordering: .relaxed) == 0)
        close(socket.descriptor)
        open = false
        #expect(Self.waitUntil(3) { !health.isUp } != nil)
        #expect(Self.waitUntil(1) { health.unconfirmed.load(ordering: .relaxed) == 20 } != nil,
                "unconfirmed \(health.unconfirmed.load(ordering: .relaxed))")
        for _ in 0..<7 { health.noteRouted() }     // every member down: still sent to it
        #expect(Self.waitUntil(2) { health.unconfirmed.load(ordering: .relaxed) == 27 } != nil,
                "unconfirmed \(health.unconfirmed.load(ordering: .relaxed))")
    }

    @Test func deadMemberLosesOnlyItsCallsWithinASecondAndGetsThemBack() throws {
        var sockets = try (0..<3).map { _ in try Self.listenTCP(port: 0) }
        defer { for s in sockets { close(s.descriptor) } }
        let monitor = RelayHealthMonitor()
        defer { monitor.stop() }
        var members: [HEPRelayGroup.Member] = []
        var relays: [HEPRelay] = []
        for s in sockets {
            let endpoint = try #require(SocketEndpoint("127.0.0.1:\(s.port)"))
            let relay = try HEPRelay(target: RelayDestination(transport: .udp, endpoint: endpoint))
            relays.append(relay)
            members.append(HEPRelayGroup.Member(relay: relay, health: try monitor.health(of: endpoint), name: "udp://\(endpoint)"))
        }
        defer { for relay in relays { relay.close(drainTimeout: 0) } }
        let group = HEPRelayGroup(name: "tier", members: members)
        let keys = (0..<3_000).map { RendezvousHash.keyHash("call-\($0)@example.com".utf8) }
        let before = keys.map(group.owner(of:))
        #expect(Set(before) == [0, 1, 2])

        close(sockets[1].descriptor)
        let down = Self.waitUntil(3) { !members[1].isUp }
        #expect(down != nil && down! < 1.0, "member noticed down after \(down.map { "\($0) s" } ?? "never")")
        let during = keys.map(group.owner(of:))
        for (old, new) in zip(before, during) {
            if old == 1 { #expect(new != 1) } else { #expect(new == old, "a call of a live member moved") }
        }
        #expect(members[0].isUp && members[2].isUp)

        sockets[1] = try Self.listenTCP(port: sockets[1].port)
        let up = Self.waitUntil(3) { members[1].isUp }
        #expect(up != nil && up! < 1.0, "member noticed up after \(up.map { "\($0) s" } ?? "never")")
        #expect(keys.map(group.owner(of:)) == before)
        #expect(members[1].health?.transitions.load(ordering: .relaxed) == 2)
    }

    @Test func probeTellsOpenFromClosedPorts() throws {
        let open = try Self.listenTCP(port: 0)
        let closed = try Self.listenTCP(port: 0)
        close(closed.descriptor)
        defer { close(open.descriptor) }
        let endpoints = try [open.port, closed.port].map { try #require(SocketEndpoint("127.0.0.1:\($0)")) }
        #expect(RelayHealthMonitor.probe(endpoints, timeoutMilliseconds: 300) == [true, false])
    }
}
