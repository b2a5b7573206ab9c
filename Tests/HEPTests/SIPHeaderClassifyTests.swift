import Testing
import HEP

/// The parse classifies well-known header names a machine word at a time; `headers(_:)` compares names byte by
/// byte over the raw lines. These tests hold the two to the same answer for every well-known name in mixed
/// case and for every one-byte near miss of those names.
@Suite struct SIPHeaderClassifyTests {
    static let wellKnown = [
        "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Type", "Content-Length", "User-Agent",
        "P-Asserted-Identity", "P-Preferred-Identity", "Authorization", "Proxy-Authorization", "Reason",
        "X-CID", "X-OIP", "X-RTP-Stat", "P-RTP-Stat", "Diversion",
        "v", "f", "t", "i", "m", "c", "l",
    ]

    /// A deterministic generator, so a failure names a reproducible case.
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

    static func message(headerName: [UInt8]) throws -> SIPMessage {
        var bytes = Array("OPTIONS sip:bob@example.com SIP/2.0\r\nMax-Forwards: 70\r\n".utf8)
        bytes += headerName + Array(": the-value\r\n\r\n".utf8)
        return try SIPMessage(parsing: bytes)
    }

    @Test func mixedCaseNamesAreFoundThroughTheParse() throws {
        var random = SplitMix(state: 2)
        var found = 0
        for name in Self.wellKnown {
            for _ in 0..<16 {
                let written = name.utf8.map { byte -> UInt8 in
                    guard (byte | 0x20) >= 0x61, (byte | 0x20) <= 0x7A else { return byte }
                    return Bool.random(using: &random) ? byte | 0x20 : byte & ~0x20
                }
                let message = try Self.message(headerName: written)
                let reference = message.headers(SIPHeaderName(name)).first
                #expect(reference.map(Array.init) == Array("the-value".utf8))
                // Queried in lower, upper and canonical case: each query is classified on its own, so a name
                // the parse failed to record shows up as nil for at least one of them.
                for query in [name.lowercased(), name.uppercased(), name] {
                    let fast = message.header(SIPHeaderName(query))
                    #expect(fast == reference, "\(String(decoding: written, as: UTF8.self)) queried as \(query)")
                    if fast != nil { found += 1 }
                }
            }
        }
        #expect(found == Self.wellKnown.count * 16 * 3)
    }

    @Test func oneByteNearMissesAreNotTakenForWellKnownNames() throws {
        // Replacements that differ from the original byte in other ways than ASCII case: neighbours, the
        // bit-5 flip of non-letters (what a case-folding mask on the wrong byte would accept), separators.
        var checked = 0
        for name in Self.wellKnown {
            let original = Array(name.utf8)
            for position in original.indices {
                let byte = original[position]
                let isLetter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
                var replacements: [UInt8] = [byte &+ 1, byte &- 1, 0x5F, 0x2E, 0x21]
                if !isLetter { replacements.append(byte ^ 0x20) }
                for replacement in replacements where replacement != byte && replacement != (isLetter ? byte ^ 0x20 : byte) {
                    // `-` ^ 0x20 is CR: a bare CR inside a line is an ordinary byte of the name.
                    guard replacement > 0x20 || replacement == 0x0D, replacement < 0x7F, replacement != 0x3A else {
                        continue
                    }
                    var written = original
                    written[position] = replacement
                    let message = try Self.message(headerName: written)
                    #expect(message.header(SIPHeaderName(name)) == nil,
                            "\(String(decoding: written, as: UTF8.self)) taken for \(name)")
                    let writtenName = String(decoding: written, as: UTF8.self)
                    #expect(message.header(writtenName) == message.headers(SIPHeaderName(writtenName)).first,
                            "\(writtenName)")
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
    }
}
