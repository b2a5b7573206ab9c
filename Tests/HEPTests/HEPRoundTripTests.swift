import Testing
@testable import HEP

/// The observable content of a packet, for identity checks.
struct HEPFields: Equatable, CustomStringConvertible {
    var version: HEPVersion
    var family: UInt8
    var ipProtocol: UInt8
    var sourceIP: IPAddress
    var destinationIP: IPAddress
    var sourcePort: UInt16
    var destinationPort: UInt16
    var timestampSeconds: UInt32
    var timestampMicroseconds: UInt32
    var protoType: UInt8
    var captureID: UInt32
    var payload: [UInt8]
    var present: HEPFieldPresence
    var extras: [HEPChunk]

    init(_ packet: HEPPacket) {
        version = packet.version
        family = packet.family
        ipProtocol = packet.ipProtocol
        sourceIP = packet.sourceIP
        destinationIP = packet.destinationIP
        sourcePort = packet.sourcePort
        destinationPort = packet.destinationPort
        timestampSeconds = packet.timestampSeconds
        timestampMicroseconds = packet.timestampMicroseconds
        protoType = packet.protoType
        captureID = packet.captureID
        payload = Array(packet.payload)
        present = packet.present
        // Compare bodies by content, not by their index in different buffers.
        extras = packet.extraChunks.map { HEPChunk(vendor: $0.vendor, type: $0.type, body: Array($0.body)) }
    }

    var description: String {
        "v\(version.rawValue) fam \(family) proto \(ipProtocol) \(sourceIP):\(sourcePort) -> \(destinationIP):\(destinationPort) "
            + "ts \(timestampSeconds).\(timestampMicroseconds) type \(protoType) id \(captureID) payload \(payload.count) "
            + "present \(present.rawValue) extras \(extras.count)"
    }
}

@Suite struct HEPRoundTripTests {
    static func randomAddress(ipv6: Bool, using rng: inout SeededGenerator) -> IPAddress {
        ipv6 ? IPAddress(ipv6High: rng.next(), low: Bool.random(using: &rng) ? rng.next() : 1)
            : IPAddress(ipv4: UInt32.random(in: 0...UInt32.max, using: &rng))
    }

    static func randomBytes(_ count: Int, using rng: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func randomExtras(using rng: inout SeededGenerator) -> [HEPChunk] {
        let genericTypes: [UInt16] = [0x000D, 0x000E, 0x0011, 0x0012, 0x0013, 0x0014, 0x0020, 0x0024, 0x0028, 0x0065, 0x0100]
        return (0..<Int.random(in: 0...5, using: &rng)).map { _ in
            let vendor = Bool.random(using: &rng) ? UInt16(0) : UInt16.random(in: 1...8, using: &rng)
            // Vendor chunks may use any type id, even those of built-in generic chunks.
            let type = vendor == 0 ? genericTypes.randomElement(using: &rng) ?? 0x11
                : UInt16.random(in: 0...0x30, using: &rng)
            let size = vendor == 0 ? HEPChunkType.fixedBodySize(type) ?? Int.random(in: 0...40, using: &rng)
                : Int.random(in: 0...40, using: &rng)
            return HEPChunk(vendor: vendor, type: type, body: randomBytes(size, using: &rng))
        }
    }

    @Test func randomPacketsRoundTrip() throws {
        var rng = SeededGenerator(seed: 0x00C0_FFEE)
        let cases = 3000
        var perVersion: [HEPVersion: Int] = [:]
        for index in 0..<cases {
            let version = HEPVersion.allCases[index % 3]
            let ipv6 = Bool.random(using: &rng)
            var payload = Self.randomBytes(Int.random(in: 0...600, using: &rng), using: &rng)
            if version != .v3 { while payload.last == 0 { payload.removeLast() } }
            var present: HEPFieldPresence = [.payload]
            if version == .v3 {
                for bit in 0..<10 where Bool.random(using: &rng) { present.insert(HEPFieldPresence(rawValue: 1 << bit)) }
            } else {
                present = HEPFieldPresence(rawValue: 0x7FF)
            }
            let extras = version == .v3 ? Self.randomExtras(using: &rng) : []
            let built = try HEPPacket(
                ipProtocol: [6, 17, 22, 50, 132].randomElement(using: &rng) ?? 17,
                sourceIP: Self.randomAddress(ipv6: ipv6, using: &rng),
                destinationIP: Self.randomAddress(ipv6: ipv6, using: &rng),
                sourcePort: UInt16.random(in: 0...UInt16.max, using: &rng),
                destinationPort: UInt16.random(in: 0...UInt16.max, using: &rng),
                timestampSeconds: UInt32.random(in: 0...UInt32.max, using: &rng),
                timestampMicroseconds: UInt32.random(in: 0...999_999, using: &rng),
                protoType: UInt8.random(in: 0...255, using: &rng),
                captureID: version == .v2 ? UInt32.random(in: 0...65_535, using: &rng) : UInt32.random(in: 0...UInt32.max, using: &rng),
                payload: payload, extraChunks: extras, present: present)

            let wire = try built.encoded(as: version)
            let first = try HEPPacket.decode(wire)
            let second = try HEPPacket.decode(try first.encoded())
            #expect(HEPFields(first) == HEPFields(second), "case \(index)")
            #expect(try first.encoded() == second.encoded(), "case \(index)")

            var expected = HEPFields(built)
            expected.version = version
            switch version {
            case .v3:
                #expect(wire == built.bytes, "case \(index): encoding is canonical")
                #expect(expected.extras == extras.map { HEPChunk(vendor: $0.vendor, type: $0.type, body: Array($0.body)) })
            case .v1, .v2:
                expected.present = version == .v1 ? HEPFieldPresence.v1 : HEPFieldPresence.v2
                expected.protoType = 1
                expected.extras = []
                if version == .v1 {
                    expected.timestampSeconds = 0
                    expected.timestampMicroseconds = 0
                    expected.captureID = 0
                }
            }
            #expect(HEPFields(first) == expected, "case \(index)")
            #expect(first.payload.elementsEqual(payload))
            perVersion[version, default: 0] += 1
        }
        #expect(perVersion.values.reduce(0, +) == cases)
    }

    @Test func examplesReencodeToThemselves() throws {
        // The examples are already in canonical (hep_relay) order except for the address chunks' position.
        for name in [SharedData.invite, SharedData.rtcp, SharedData.hep2] {
            let bytes = try SharedData.example(name)
            let packet = try HEPPacket.decode(bytes)
            let again = try HEPPacket.decode(try packet.encoded())
            #expect(HEPFields(again) == HEPFields(packet))
            if packet.version == .v2 { #expect(try packet.encoded() == bytes) }
        }
        // v3 -> v2 -> v3 keeps every v2-expressible field.
        let invite = try HEPPacket.decode(try SharedData.example(SharedData.invite))
        let viaV2 = try HEPPacket.decode(try HEPPacket.decode(try invite.encoded(as: .v2)).encoded(as: .v3))
        #expect(viaV2.sourceIP == invite.sourceIP && viaV2.destinationIP == invite.destinationIP)
        #expect(viaV2.timestampSeconds == invite.timestampSeconds && viaV2.captureID == invite.captureID)
        #expect(viaV2.payload.elementsEqual(invite.payload))
    }

    @Test func mixedFamilyV1UsesIPv4MappedAddresses() throws {
        let packet = try HEPPacket(sourceIP: IPAddress("2001:db8::1")!, destinationIP: IPAddress("192.0.2.1")!,
                                   sourcePort: 1, destinationPort: 2, payload: Array("x".utf8))
        #expect(packet.addressFamilyMismatch)
        let v1 = try HEPPacket.decode(try packet.encoded(as: .v1))
        #expect(v1.family == 10)
        #expect(v1.destinationIP.description == "::ffff:192.0.2.1")
        #expect(!v1.addressFamilyMismatch)
    }

    @Test func familyMismatchIsFlaggedNotFatal() throws {
        // Family chunk says IPv6, addresses are IPv4 chunks: decode, flag, and keep the mismatch on re-encode.
        var bytes = try SharedData.example(SharedData.invite)
        bytes[12] = 10
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.family == 10)
        #expect(packet.sourceIP.description == "192.0.2.10")
        #expect(packet.addressFamilyMismatch)
        #expect(try HEPPacket.decode(try packet.encoded()).addressFamilyMismatch)
    }

    @Test func repeatedChunks() throws {
        // Generic: last wins. Extra: all kept, lookups find the first.
        let base = try HEPPacket(sourceIP: IPAddress(ipv4: 1), destinationIP: IPAddress(ipv4: 2), sourcePort: 1,
                                 destinationPort: 2, captureID: 7, payload: Array("p".utf8),
                                 extraChunks: [HEPChunk(type: 0x11, body: Array("first".utf8)),
                                               HEPChunk(type: 0x11, body: Array("second".utf8))])
        var bytes = base.bytes
        bytes += [0, 0, 0, 12, 0, 10, 0, 0, 0, 9]   // second capture id chunk: 9
        setUInt16(&bytes, at: 4, UInt16(bytes.count))
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.captureID == 9)
        #expect(packet.chunk(type: 0x0C).map(Array.init) == [0, 0, 0, 9])
        #expect(packet.correlationID?.text == "first")
        #expect(packet.extraChunks.map { $0.body.text } == ["first", "second"])
        let again = try HEPPacket.decode(try packet.encoded())
        #expect(again.captureID == 9)
        #expect(again.chunks.filter { $0.type == 0x0C }.count == 1)
    }

    @Test func builderRejectsBuiltInAndMisSizedExtras() {
        #expect(throws: HEPEncodeError.invalidExtraChunk(type: 1)) {
            try HEPPacket(sourceIP: .unspecifiedIPv4, destinationIP: .unspecifiedIPv4, sourcePort: 0,
                          destinationPort: 0, payload: [], extraChunks: [HEPChunk(type: 1, body: [2])])
        }
        #expect(throws: HEPEncodeError.invalidExtraChunk(type: 0x12)) {
            try HEPPacket(sourceIP: .unspecifiedIPv4, destinationIP: .unspecifiedIPv4, sourcePort: 0,
                          destinationPort: 0, payload: [], extraChunks: [HEPChunk(type: 0x12, body: [1, 2, 3])])
        }
        #expect(throws: HEPEncodeError.chunkTooLarge(type: 0x0F, size: 70_000)) {
            try HEPPacket(sourceIP: .unspecifiedIPv4, destinationIP: .unspecifiedIPv4, sourcePort: 0,
                          destinationPort: 0, payload: [UInt8](repeating: 65, count: 70_000))
        }
        #expect(throws: HEPEncodeError.packetTooLarge(6 + 10 + 8 + 65_535)) {
            try HEPPacket(sourceIP: .unspecifiedIPv4, destinationIP: .unspecifiedIPv4, sourcePort: 0,
                          destinationPort: 0, payload: [UInt8](repeating: 65, count: 65_529), present: [.payload, .captureID, .sourcePort])
        }
    }
}
