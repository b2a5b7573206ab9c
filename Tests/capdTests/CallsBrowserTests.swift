import Foundation
import HEP
import Synchronization
import Testing
import TestSupport
@testable import capd

/// The calls web view in a real browser: `capd run` serves it on the admin address over a store filled by
/// `capd replay`; scripts/browser/calls_view.py drives headless Chromium through Selenium (search by Call-ID,
/// open the call, one SVG arrow per message with the right labels, click an arrow and read the message) and
/// saves screenshots under .build/test-output/calls-browser/.
@Suite(.serialized) struct CallsBrowserTests {
    static let callID = "85216695-42dcdb1d@192.168.1.2"
    static let labels = ["INVITE", "INVITE", "INVITE", "407 authentication required", "ACK", "INVITE",
                         "403 Wrong password or domain", "ACK"]

    static var outputDirectory: String {
        TestEnvironment.packageRoot.appendingPathComponent(".build/test-output/calls-browser").path
    }

    static func runBrowser(base: String, token: String? = nil, shots: String = outputDirectory) throws -> (status: Int32, output: String) {
        let labels = String(decoding: try JSONSerialization.data(withJSONObject: Self.labels), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestEnvironment.packageRoot.appendingPathComponent("scripts/browser/calls_view.py").path,
                             base, callID, labels, shots] + (token.map { [$0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        return (exitStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func searchOpenClickInChromium() throws {
        let store = try CallsStore(.sqlite, .homer5)
        defer { store.cleanUp() }
        try store.replay(["pcap/sngrep_aaa.pcap"])
        let rules = try String(contentsOfFile: store.configPath, encoding: .utf8)
        let daemon = try DaemonProcess(rules: rules, extraArguments: ["--store", store.url])
        defer { daemon.terminate() }
        // Traffic for the live panel while the browser works: the worked INVITE every 50 ms for at most 20 s.
        let invite = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestEnvironment.shared("spec/examples/hep3_sip_invite_ipv4_udp.bin"))))
        let sending = Mutex(true)
        let sender = Thread {
            let deadline = Date().addingTimeInterval(20)
            while sending.withLock({ $0 }) && Date() < deadline {
                try? daemon.sendUDP([invite])
                usleep(50_000)
            }
        }
        sender.start()
        let (status, output) = try Self.runBrowser(base: "http://127.0.0.1:\(daemon.adminPort)")
        sending.withLock { $0 = false }
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"failures\": []"), "\(output)")
        #expect(output.contains("\"live_packets\""), "\(output)")
        #expect(FileManager.default.fileExists(atPath: Self.outputDirectory + "/calls-ladder.png"))
    }

    /// With `admin.token` the view answers 401 without it (and serves nothing), and a browser that opens
    /// `/?token=...` once gets a cookie that carries it through the search, the call and the pcap link.
    @Test func tokenGuardsTheView() throws {
        let store = try CallsStore(.sqlite, .homer5)
        defer { store.cleanUp() }
        try store.replay(["pcap/sngrep_aaa.pcap"])
        let rules = try String(contentsOfFile: store.configPath, encoding: .utf8)
        let daemon = try DaemonProcess(rules: rules, extraArguments: ["--store", store.url], adminKeys: ["token: calls-s3cret"])
        defer { daemon.terminate() }
        let address = try SocketEndpoint(adminAddress: "127.0.0.1:\(daemon.adminPort)")
        let id = "85216695-42dcdb1d%40192.168.1.2"
        for path in ["/", "/call?id=\(id)", "/api/calls?call_id=\(id)", "/api/call?id=\(id)", "/api/call.pcap?id=\(id)",
                     "/api/call?id=\(id)&token=wrong"] {
            let refused = try get(address, path)
            #expect(refused.status == 401, "\(path): \(refused.status) \(refused.text)")
            #expect(!refused.text.contains("INVITE") && !refused.text.contains("<html"))
        }
        #expect(try get(address, "/api/calls?call_id=\(id)", headers: "Authorization: Bearer calls-s3cret\r\n").text.contains(Self.callID))
        #expect(try get(address, "/api/call?id=\(id)", headers: "Cookie: capd_token=calls-s3cret\r\n").status == 200)
        let first = try get(address, "/?token=calls-s3cret")
        #expect(first.status == 200 && first.head.contains("Set-Cookie: capd_token=calls-s3cret; Path=/; HttpOnly; SameSite=Strict"), "\(first.head)")
        #expect(try daemon.metrics()["capd_admin_refused_total{reason=\"unauthorized\"}"] == 6)
        let (status, output) = try Self.runBrowser(base: "http://127.0.0.1:\(daemon.adminPort)", token: "calls-s3cret",
                                                   shots: Self.outputDirectory + "/token")
        #expect(status == 0, "\(output)")
    }
}
