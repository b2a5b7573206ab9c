import Foundation
import HEP

/// Paths and helpers shared by the SIP suites.
enum SIPTestData {
    /// `../shared` beside the repository (override with CAPD_SHARED).
    static let shared: URL = {
        if let override = ProcessInfo.processInfo.environment["CAPD_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func torture(_ relative: String) throws -> [UInt8] {
        try bytes(shared.appendingPathComponent("corpus/sip-torture").appendingPathComponent(relative))
    }

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// The SIP payload of a spec example (`.bin`), starting at `offset`.
    static func examplePayload(_ name: String, offset: Int) throws -> ArraySlice<UInt8> {
        let data = try bytes(shared.appendingPathComponent("spec/examples").appendingPathComponent(name))
        return data[offset...]
    }

    /// Every `.sip` file of the torture corpus, as paths relative to it.
    static func allTortureFiles() throws -> [String] {
        let root = shared.appendingPathComponent("corpus/sip-torture")
        var found: [String] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() {
            let dir = root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".sip") {
                found.append(folder + "/" + file)
            }
        }
        return found
    }
}

func text(_ bytes: ArraySlice<UInt8>?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

func message(_ text: String) throws -> SIPMessage { try SIPMessage(parsing: Array(text.utf8)) }

/// Reads every accessor of a message (what the fuzzer does), returning a count so nothing is optimised away.
@discardableResult
func touchEverything(_ m: SIPMessage) -> Int {
    var total = 0
    func add(_ s: ArraySlice<UInt8>?) { total &+= s?.count ?? 0 }
    for name in SIPField.names { if let field = SIPField(name: name) { add(field.value(in: m)) } }
    add(SIPField(name: "header.X-Unknown")?.value(in: m))
    add(m.header("Subject")); add(m.header("i")); add(m.header("Via"))
    total &+= m.headers("Via").count + m.headerValues("Contact").count + m.headerFields.count
    for via in m.vias { add(via.host); add(via.branch); total &+= via.port ?? 0; add(via.param("received")) }
    for contact in m.contacts { add(contact.uri.user); add(contact.displayName); add(contact.param("expires")) }
    if let uri = m.requestURI {
        add(uri.scheme); add(uri.user); add(uri.password); add(uri.host); total &+= uri.port ?? 0
        add(uri.parameters); add(uri.headers); add(uri.param("transport")); add(uri.opaque)
    }
    add(m.authorizationUsername); total &+= Int(m.cseqNumber ?? 0)
    total &+= m.declaredContentLength ?? 0
    total &+= m.contentLengthMismatch ? 1 : 0
    return total
}
