import Foundation
import Testing

/// `capd calls` on rows that `capd run` stored from live HEP: the worked INVITE/200 example and the RTCP report
/// that carries the call's Call-ID as correlation id, on both stores and both schemas.
@Suite(.serialized) struct CallsLiveTests {
    static let callID = "a84b4c76e66710@192.0.2.10"

    static func example(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/" + name))))
    }

    @Test(arguments: CallsStore.all)
    func liveHEPCallWithItsReport(_ engine: CallsStore.Engine, _ layout: CallsStore.Layout) throws {
        let store = try CallsStore(engine, layout)
        defer { store.cleanUp() }
        let rules = try String(contentsOfFile: store.configPath, encoding: .utf8)
        let daemon = try DaemonProcess(rules: rules, extraArguments: ["--store", store.url])
        try daemon.sendUDP([try Self.example("hep3_sip_invite_ipv4_udp.bin"), try Self.example("hep2_sip_200ok_ipv4_udp.bin"),
                            try Self.example("hep3_rtcp_report_corr.bin")])
        #expect(try daemon.waitFor(15) {
            (try? store.calls(["show", Self.callID]))?.stdout.contains("RTCP") == true
        }, "\(daemon.log)")
        #expect(daemon.terminate() == 0)

        // The example's capture time (2023-11-14) is more than 10 minutes from the receive time, so daily tables are
        // named by the day capd received it: a windowed search over 2023-11-14 finds it only in one-table layouts;
        // a Call-ID search reads every table.
        let windowed = try store.listed(["--from", "2023-11-14", "--to", "2023-11-15"])
        #expect(windowed.map(\.callID) == (layout == .homer5Daily ? [] : [Self.callID]), "\(store)")
        let listed = try store.listed(["--call-id", Self.callID])
        #expect(listed.map(\.callID) == [Self.callID], "\(store)")
        #expect(listed.first?.messages == 2 && listed.first?.method == "INVITE" && listed.first?.status == "200")
        let show = try store.calls(["show", Self.callID])
        let lines = show.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("|------INVITE------>|") || ($0.contains("INVITE") && $0.contains("->|")) }, "\(show.stdout)")
        #expect(lines.contains { $0.contains("200 OK") && $0.contains("|<-") }, "\(show.stdout)")
        #expect(lines.contains("Reports and logs (correlation id \(Self.callID)): 1"), "\(show.stdout)")
        #expect(lines.contains { $0.contains("RTCP") && $0.contains("\"packets_lost\":2") }, "\(show.stdout)")
    }
}
