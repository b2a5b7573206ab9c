import Testing
import HEP

/// Random truncations, bit flips, byte insertions and line-break edits of valid messages never crash the
/// parser or any accessor. Seeded, so a failure reproduces.
@Suite struct SIPMutationTests {
    /// SplitMix64: small, seedable, good enough for mutation choices.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for file in try SIPTestData.allTortureFiles() { seeds.append(try SIPTestData.torture(file)) }
        seeds.append(Array(try SIPTestData.examplePayload("hep3_sip_invite_ipv4_udp.bin", offset: 99)))
        seeds.append(Array(try SIPTestData.examplePayload("hep2_sip_200ok_ipv4_udp.bin", offset: 28)))
        return seeds
    }

    @Test func twentyThousandMutationsNeverCrash() throws {
        let seeds = try Self.seeds()
        #expect(seeds.count == 76)
        var rng = SplitMix(state: 0x5EED_C0DE)
        let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x3B, 0x2C, 0x22, 0x3C, 0x3E, 0x40, 0x5B, 0x5D, 0x3D, 0x00, 0xFF]
        var parsed = 0
        var rejected = 0
        var checksum = 0
        for _ in 0..<20_000 {
            var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: bytes.removeSubrange(at...)                                         // truncate
                case 1: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)        // bit flip
                case 2: bytes[at] = interesting.randomElement(using: &rng) ?? 0              // syntax byte
                case 3: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: at)    // insertion
                default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
                }
            }
            // Parse at an offset too, so absolute and relative indices differ.
            let padded = [0x41, 0x42] + bytes
            for payload in [bytes[...], padded[2...]] {
                do {
                    let m = try SIPMessage(parsing: payload)
                    checksum &+= touchEverything(m)
                    // The fast From/To user path agrees with the full name-addr + URI views.
                    #expect(m.fromUser?.indices == m.from?.uri.user?.indices)
                    #expect(m.toUser?.indices == m.to?.uri.user?.indices)
                    #expect(m.body.endIndex <= payload.endIndex && m.body.startIndex >= payload.startIndex)
                    parsed += 1
                } catch {
                    #expect(!error.reason.isEmpty)
                    rejected += 1
                }
            }
        }
        #expect(parsed + rejected == 40_000)
        #expect(parsed > 8_000, "mutations should mostly still parse: \(parsed) parsed, \(rejected) rejected")
        #expect(checksum != 0)
    }
}
