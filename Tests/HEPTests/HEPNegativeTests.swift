import Testing
@testable import HEP

/// hep-wire-format.md §8.4 and the §5 / §3.4 rejection rules.
@Suite struct HEPNegativeTests {
    let invite: [UInt8]
    let hep2: [UInt8]

    init() throws {
        invite = try SharedData.example(SharedData.invite)
        hep2 = try SharedData.example(SharedData.hep2)
    }

    @Test func totalLengthBeyondDatagram() {
        var bytes = invite
        setUInt16(&bytes, at: 4, 551)
        #expect(decodeError(bytes) == .lengthMismatch(declared: 551, actual: 550))
        #expect(decodeError(bytes)?.reason == "length_mismatch")
    }

    @Test func trailingBytesStrictAndLenient() throws {
        let bytes = invite + [0, 0]
        #expect(decodeError(bytes) == .lengthMismatch(declared: 550, actual: 552))
        let packet = try HEPPacket.decode(bytes, options: .init(lenient: true))
        #expect(packet.payload.count == 451)
        #expect(packet.captureID == 2001)
    }

    @Test func chunkLengthFive() {
        var bytes = invite
        setUInt16(&bytes, at: 10, 5)
        #expect(decodeError(bytes) == .chunkTooShort(offset: 6))
        #expect(decodeError(bytes)?.reason == "chunk_too_short")
    }

    @Test func familyChunkLengthEight() {
        var bytes = invite
        setUInt16(&bytes, at: 10, 8)
        #expect(decodeError(bytes) == .wrongChunkSize(type: 1, size: 2))
        #expect(decodeError(bytes)?.reason == "wrong_chunk_size")
    }

    @Test func cutInsideChunkHeader() {
        var bytes = Array(invite[0..<16])
        setUInt16(&bytes, at: 4, 16)
        #expect(decodeError(bytes) == .truncatedChunkHeader(offset: 13))
    }

    @Test func chunkRunsPastTotal() {
        var bytes = invite
        setUInt16(&bytes, at: 93 + 4, 500)
        #expect(decodeError(bytes) == .chunkOverrun(offset: 93))
    }

    @Test func noPayloadChunk() {
        let bytes: [UInt8] = [0x48, 0x45, 0x50, 0x33, 0, 20, 0, 0, 0, 1, 0, 7, 2, 0, 0, 0, 2, 0, 7, 17]
        #expect(decodeError(bytes) == .noPayload)
    }

    @Test func totalLengthBelowSix() {
        var bytes = invite
        setUInt16(&bytes, at: 4, 5)
        #expect(decodeError(bytes) == .badTotalLength(5))
    }

    @Test func v2HeaderLength20() {
        var bytes = hep2
        bytes[1] = 20
        #expect(decodeError(bytes) == .badHeaderLength(20))
    }

    @Test func v2Family7() {
        var bytes = hep2
        bytes[2] = 7
        #expect(decodeError(bytes) == .badFamily(7))
    }

    @Test func v2TruncatedTimeBlock() {
        #expect(decodeError(Array(hep2[0..<20])) == .truncated)
        #expect(decodeError(Array(hep2[0..<7])) == .truncated)
    }

    @Test func notHEPAndVersions() {
        #expect(decodeError([]) == .truncated)
        #expect(decodeError(Array("INVITE sip:x SIP/2.0\r\n".utf8)) == .notHEP)
        #expect(decodeError([0x48, 0x45, 0x50, 0x32, 0, 6]) == .badVersion(0x32))
        var eep = invite
        eep[0] = UInt8(ascii: "E")
        #expect(decodeError(eep) == .badVersion(0x33))
        #expect((try? HEPPacket.decode(eep, options: .init(acceptEEP3: true)))?.captureID == 2001)
        #expect(decodeError(Array(invite[0..<5])) == .truncated)
    }

    @Test func vendorChunkWithGenericTypeIsOpaque() throws {
        // A vendor-3 chunk of type 0x0001 with a 2-byte body: not a family chunk, so no size error.
        var bytes = invite
        bytes[6 + 1] = 3
        setUInt16(&bytes, at: 10, 7)
        let packet = try HEPPacket.decode(bytes)
        #expect(packet.family == 0)
        #expect(!packet.present.contains(.family))
        #expect(packet.chunk(type: 1, vendor: 3).map(Array.init) == [2])
    }

    @Test func everyReasonIsDistinct() {
        let errors: [HEPDecodeError] = [
            .truncated, .notHEP, .badVersion(0), .badHeaderLength(0), .badFamily(0), .badTotalLength(0),
            .lengthMismatch(declared: 0, actual: 0), .truncatedChunkHeader(offset: 0), .chunkTooShort(offset: 0),
            .chunkOverrun(offset: 0), .wrongChunkSize(type: 0, size: 0), .noPayload, .inflateFailed,
            .inflatedTooLarge,
        ]
        #expect(errors.map(\.reason) == HEPDecodeError.allReasons)
        #expect(Set(errors.map(\.reason)).count == errors.count)
    }
}
