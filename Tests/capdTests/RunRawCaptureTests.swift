import Foundation
import Testing

/// `capd run` with `raw:` capturing on `lo` through libpcap. Needs root or CAP_NET_RAW (CI runs as root);
/// without it the daemon cannot open the interface and the test fails with that message.
@Suite(.serialized) struct RunRawCaptureTests {
    static func sip(callID: String) -> [UInt8] {
        Array("""
            OPTIONS sip:probe@127.0.0.1 SIP/2.0\r
            Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-\(callID)\r
            From: <sip:monitor@127.0.0.1>;tag=\(callID)\r
            To: <sip:probe@127.0.0.1>\r
            Call-ID: \(callID)\r
            CSeq: 1 OPTIONS\r
            Content-Length: 0\r
            \r

            """.utf8)
    }

    @Test func mirrorModeStoresSIPOnCapturedPortsOnly() throws {
        #expect(geteuid() == 0, "live capture on lo needs root (CI runs as root)")
        let inside = try freePort()
        var outside = try freePort()
        while outside == inside { outside = try freePort() }
        let daemon = try DaemonProcess(rules: """
            raw:
              mode: mirror
              interface: lo
              ports: \(inside)
            store:
              url: sqlite://capd.db
              flush_ms: 20
            routes:
              main:
                - name: all
                  do: [capture]
            """)
        // Give the capture a moment to attach its filter.
        #expect(daemon.waitFor(5) { daemon.log.contains("event=raw_capture") })
        usleep(300_000)
        try udpSend((0..<5).map { Self.sip(callID: "raw-in-\($0)") }, port: inside)
        try udpSend((0..<5).map { Self.sip(callID: "raw-out-\($0)") }, port: outside)
        #expect(try daemon.waitFor { SQLiteReader.count(daemon.databasePath, table: "sip_capture") >= 5 })
        usleep(300_000)
        #expect(daemon.terminate() == 0)
        let rows = try SQLiteReader.rows(daemon.databasePath, "SELECT callid, destination_port, node FROM sip_capture ORDER BY callid")
        #expect(rows.map { $0[0] ?? "" } == (0..<5).map { "raw-in-\($0)" }, "\(daemon.log)")
        #expect(rows.allSatisfy { $0[1] == String(inside) && $0[2] == "homer01" })
        // The kernel filter itself is narrowed to raw.ports.
        #expect(daemon.log.contains("and port \(inside))"), "\(daemon.log)")
    }
}
