import Testing
@testable import HEP

/// Random truncations and bit flips of valid packets: always a packet or a typed error, and every packet
/// that decodes re-encodes to a packet with the same content.
@Suite struct HEPMutationTests {
    @Test func truncationsAndBitFlips() throws {
        let seeds = try [SharedData.invite, SharedData.rtcp, SharedData.hep2].map(SharedData.example)
            + ["heplify-server_hepv3_sip_200ok.bin", "heplify-server_hepv1_sip_200ok.bin", "sip3_hepv2_sip_stub.bin",
               "sip3_hepv3_rtcp_json.bin"].map(SharedData.rawCorpus)
        var rng = SeededGenerator(seed: 20_261_128)
        var decoded = 0
        var reasons: [String: Int] = [:]
        let cases = 24_000
        for index in 0..<cases {
            guard var bytes = seeds.randomElement(using: &rng) else { continue }
            switch index % 3 {
            case 0:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    // Favour the header and chunk headers, where flips change the structure.
                    let limit = Bool.random(using: &rng) ? min(bytes.count, 120) : bytes.count
                    let position = Int.random(in: 0..<limit, using: &rng)
                    bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                }
            default:
                let position = Int.random(in: 0..<min(bytes.count, 110), using: &rng)
                bytes[position] = UInt8.random(in: 0...255, using: &rng)
                if Bool.random(using: &rng) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng)) }
            }
            do {
                let packet = try HEPPacket.decode(bytes, options: .init(lenient: index % 2 == 0))
                decoded += 1
                _ = packet.chunks
                _ = packet.correlationID
                let again = try HEPPacket.decode(try packet.encoded())
                #expect(HEPFields(again) == HEPFields(packet), "case \(index)")
            } catch let error as HEPDecodeError {
                reasons[error.reason, default: 0] += 1
            } catch {
                Issue.record("case \(index): untyped or encode error \(error)")
            }
        }
        #expect(decoded > 1000)
        #expect(reasons.values.reduce(0, +) + decoded == cases)
        for reason in ["truncated", "length_mismatch", "chunk_too_short", "chunk_overrun", "wrong_chunk_size", "not_hep"] {
            #expect(reasons[reason, default: 0] > 0, "no mutation produced \(reason): \(reasons)")
        }
    }
}
