import Foundation
import Testing

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

    static func runBrowser(base: String, token: String? = nil) throws -> (status: Int32, output: String) {
        let labels = String(decoding: try JSONSerialization.data(withJSONObject: Self.labels), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestEnvironment.packageRoot.appendingPathComponent("scripts/browser/calls_view.py").path,
                             base, callID, labels, outputDirectory] + (token.map { [$0] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func searchOpenClickInChromium() throws {
        let store = try CallsStore(.sqlite, .homer5)
        defer { store.cleanUp() }
        try store.replay(["pcap/sngrep_aaa.pcap"])
        let rules = try String(contentsOfFile: store.configPath, encoding: .utf8)
        let daemon = try DaemonProcess(rules: rules, extraArguments: ["--store", store.url])
        defer { daemon.terminate() }
        let (status, output) = try Self.runBrowser(base: "http://127.0.0.1:\(daemon.adminPort)")
        #expect(status == 0, "\(output)")
        #expect(output.contains("\"failures\": []"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: Self.outputDirectory + "/calls-ladder.png"))
    }
}
