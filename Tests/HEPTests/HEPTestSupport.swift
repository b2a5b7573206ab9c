import Foundation
import Testing
@testable import HEP

/// Locates the read-only reference data (`../shared` next to the repository, or `$CAPD_SHARED`).
enum SharedData {
    static let root: URL = {
        if let override = ProcessInfo.processInfo.environment["CAPD_SHARED"] {
            return URL(fileURLWithPath: override)
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    static func example(_ name: String) throws -> [UInt8] { try bytes("spec/examples/" + name) }

    static let invite = "hep3_sip_invite_ipv4_udp.bin"
    static let rtcp = "hep3_rtcp_report_corr.bin"
    static let hep2 = "hep2_sip_200ok_ipv4_udp.bin"

    static func rawCorpus(_ name: String) throws -> [UInt8] { try bytes("corpus/hep/raw/" + name) }
}

/// Small deterministic generator (SplitMix64) so property tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension ArraySlice where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}

func decodeError(_ bytes: [UInt8], options: HEPDecodeOptions = .init()) -> HEPDecodeError? {
    do {
        _ = try HEPPacket.decode(bytes, options: options)
        return nil
    } catch {
        return error
    }
}

func setUInt16(_ bytes: inout [UInt8], at offset: Int, _ value: UInt16) {
    bytes[offset] = UInt8(value >> 8)
    bytes[offset + 1] = UInt8(value & 0xFF)
}
