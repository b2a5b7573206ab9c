import Foundation
import HEP
import Testing

/// `capd run` against hostile TCP peers and packet bursts on `lo`: every packet a real agent or the wire
/// delivers is stored, and what capd could not take is counted. The raw tests need root (CI runs as root).
@Suite(.serialized) struct RunCaptureLossTests {
    static let captureAll = RunDaemonTests.captureAll

    /// Keeps one core busy (a spinning thread, bounded by `seconds`) while a test runs; stops on deinit.
    /// A thread rather than `yes` in a child: children of the test process inherit its blocked signals,
    /// so `timeout` could not end them.
    final class CPULoad: @unchecked Sendable {
        private let stop = NSLock()
        private var stopped = false
        private let done = DispatchSemaphore(value: 0)

        init(seconds: Double) {
            let deadline = Date().addingTimeInterval(seconds)
            Thread.detachNewThread { [self] in
                var spin: UInt64 = 0
                while Date() < deadline {
                    for _ in 0..<100_000 { spin &+= 1 }
                    stop.lock()
                    let end = stopped
                    stop.unlock()
                    if end { break }
                }
                done.signal()
            }
        }

        deinit {
            stop.lock()
            stopped = true
            stop.unlock()
            done.wait()
        }
    }

    @Test func tcpAgentIsStoredWhile500HostileConnectionsHoldTheListener() throws {
        let daemon = try DaemonProcess(rules: """
            tcp:
              max_connections: 64
              frame_timeout_s: 2
            \(Self.captureAll)
            """)
        var silent: [TCPClient] = []
        var tricklers: [TCPClient] = []
        for index in 0..<500 {
            let client = try TCPClient(port: daemon.hepPort)
            if index % 2 == 0 { silent.append(client) } else { tricklers.append(client) }
        }
        let header = Array("HEP3".utf8)
        for second in 0..<3 {
            for client in tricklers { try? client.write([header[second]]) }
            sleep(1)
        }
        let agent = try TCPClient(port: daemon.hepPort)
        let frames = 200
        for index in 0..<frames {
            try agent.write(try RunDaemonTests.packet(callID: "agent-\(index)").bytes)
        }
        let listener = "tcp://127.0.0.1:\(daemon.hepPort)"
        #expect(try daemon.waitFor(15) {
            try daemon.metrics()["capd_rows_stored_total{table=\"sip_capture\"}"] == Double(frames)
        }, "\(daemon.log.suffix(2_000))")
        let metrics = try daemon.metrics()
        let closed = { (reason: String) in
            metrics["capd_tcp_connections_closed_total{listener=\"\(listener)\",reason=\"\(reason)\"}"] ?? -1
        }
        let open = metrics["capd_tcp_connections_open{listener=\"\(listener)\"}"] ?? -1
        #expect(closed("evicted") > 0 && closed("frame_timeout") > 0)
        // 500 hostile connections and the agent: each one is open, evicted or timed out.
        #expect(closed("evicted") + closed("frame_timeout") + open == 501)
        #expect(open >= 1 && open <= 64)
        #expect(metrics["capd_tcp_connections_refused_total{listener=\"\(listener)\"}"] == 0)
        #expect(metrics["capd_kernel_drops_total{listener=\"udp://127.0.0.1:\(daemon.hepPort)\"}"] == 0)
        #expect(daemon.log.contains("event=tcp_connection_evicted listener=\(listener)"))
        #expect(daemon.terminate() == 0)
        let stored = try RunDaemonTests.callIDs(daemon)
        #expect(Set(stored) == Set((0..<frames).map { "agent-\($0)" }))
        #expect(stored.count == frames)
        _ = (silent, tricklers, agent)
    }

    /// With the default limits (what an operator gets without a `tcp:` section). On the fixed 256 slots of
    /// earlier versions the agent was closed at once and none of its rows stored.
    @Test func tcpAgentGetsInPast500HostileConnectionsWithDefaultLimits() throws {
        let daemon = try DaemonProcess(rules: Self.captureAll)
        var hostile: [TCPClient] = []
        for index in 0..<500 {
            let client = try TCPClient(port: daemon.hepPort)
            if index % 2 == 1 { try client.write(Array("HE".utf8)) }
            hostile.append(client)
        }
        let agent = try TCPClient(port: daemon.hepPort)
        for index in 0..<100 {
            try agent.write(try RunDaemonTests.packet(callID: "default-\(index)").bytes)
        }
        #expect(try daemon.waitFor(15) {
            try daemon.metrics()["capd_rows_stored_total{table=\"sip_capture\"}"] == 100
        }, "\(daemon.log.suffix(2_000))")
        let listener = "tcp://127.0.0.1:\(daemon.hepPort)"
        let metrics = try daemon.metrics()
        #expect(metrics["capd_tcp_connections_open{listener=\"\(listener)\"}"] == 501)
        #expect(metrics["capd_tcp_connections_refused_total{listener=\"\(listener)\"}"] == 0)
        #expect(daemon.terminate() == 0)
        #expect(Set(try RunDaemonTests.callIDs(daemon)) == Set((0..<100).map { "default-\($0)" }))
        _ = (hostile, agent)
    }

    func rawDaemon(mode: String, port: UInt16) throws -> DaemonProcess {
        #expect(geteuid() == 0, "live capture on lo needs root (CI runs as root)")
        let daemon = try DaemonProcess(rules: """
            raw:
              mode: \(mode)
              interface: lo
              ports: \(port)
            \(Self.captureAll)
            """)
        #expect(daemon.waitFor(5) { daemon.log.contains("event=raw_capture") })
        usleep(300_000)
        return daemon
    }

    func storedCallIDs(_ daemon: DaemonProcess, expecting count: Int) throws -> [String] {
        _ = daemon.waitFor(15) { SQLiteReader.count(daemon.databasePath, table: "sip_capture") >= count }
        usleep(300_000)
        let drops = try daemon.metrics()["capd_raw_kernel_drops_total{interface=\"lo\",reader=\"0\"}"]
        #expect(drops == 0, "the ring overflowed: \(drops.map { "\($0)" } ?? "no metric")")
        #expect(daemon.terminate() == 0)
        return try RunDaemonTests.callIDs(daemon)
    }

    @Test func mirrorBurstOf200OnLoIsStoredWholeWhileACoreIsBusy() throws {
        let port = try freePort()
        let daemon = try rawDaemon(mode: "mirror", port: port)
        let load = CPULoad(seconds: 20)
        try udpSend((0..<200).map { RunRawCaptureTests.sip(callID: "mirror-\($0)") }, port: port)
        let stored = try storedCallIDs(daemon, expecting: 200)
        #expect(Set(stored) == Set((0..<200).map { "mirror-\($0)" }), "\(stored.count) of 200 stored")
        _ = load
    }

    @Test func ipipBurstOf200OnLoIsStoredWholeWhileACoreIsBusy() throws {
        let daemon = try rawDaemon(mode: "ipip", port: 5090)
        let load = CPULoad(seconds: 20)
        let raw = socket(AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        #expect(raw >= 0, "a raw socket needs root")
        defer { close(raw) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for index in 0..<200 {
            let sip = RunRawCaptureTests.sip(callID: "ipip-\(index)")
            let udp = IPv4Packet.be16(5062) + IPv4Packet.be16(5090) + IPv4Packet.be16(8 + sip.count) + [0, 0] + sip
            let inner = IPv4Packet.build(source: [10, 1, 2, 3], destination: [10, 4, 5, 6], protocol: 17, payload: udp)
            let outer = IPv4Packet.build(source: [127, 0, 0, 1], destination: [127, 0, 0, 1], protocol: 4,
                                         payload: inner, identification: index + 1)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    outer.withUnsafeBytes { sendto(raw, $0.baseAddress, $0.count, 0, sa, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            #expect(sent == outer.count)
        }
        let stored = try storedCallIDs(daemon, expecting: 200)
        #expect(Set(stored) == Set((0..<200).map { "ipip-\($0)" }), "\(stored.count) of 200 stored")
        _ = load
    }
}

/// A minimal IPv4 header builder (with checksum) for IP-in-IP packets sent through a raw socket.
enum IPv4Packet {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }

    static func build(source: [UInt8], destination: [UInt8], protocol ipProtocol: UInt8, payload: [UInt8],
                      identification: Int = 1) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + be16(20 + payload.count) + be16(identification) + [0, 0, 64, ipProtocol, 0, 0]
        header += source + destination
        var sum = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += Int(header[index]) << 8 | Int(header[index + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        header[10] = UInt8(~sum >> 8 & 0xff)
        header[11] = UInt8(~sum & 0xff)
        return header + payload
    }
}
