import Testing
@testable import HEP

@Suite struct HEPFrameSplitterTests {
    @Test func specStreamCase() throws {
        let invite = try SharedData.example(SharedData.invite)
        let rtcp = try SharedData.example(SharedData.rtcp)
        var splitter = HEPFrameSplitter()
        try splitter.append(invite + rtcp + invite[0..<10])
        #expect(try splitter.nextFrame() == invite)
        #expect(try splitter.nextFrame() == rtcp)
        #expect(try splitter.nextFrame() == nil)
        #expect(splitter.bufferedByteCount == 10)
        try splitter.append(invite[10...])
        #expect(try splitter.nextFrame() == invite)
        #expect(try splitter.nextFrame() == nil)
        #expect(splitter.bufferedByteCount == 0)
    }

    @Test func byteByByte() throws {
        let invite = try SharedData.example(SharedData.invite)
        let rtcp = try SharedData.example(SharedData.rtcp)
        let stream = invite + rtcp + invite
        var splitter = HEPFrameSplitter()
        var frames: [[UInt8]] = []
        for byte in stream {
            try splitter.append([byte])
            while let frame = try splitter.nextFrame() { frames.append(frame) }
        }
        #expect(frames == [invite, rtcp, invite])
        #expect(try frames.map { try HEPPacket.decode($0).captureID } == [2001, 2001, 2001])
    }

    @Test func randomReadBoundaries() throws {
        let examples = try [SharedData.invite, SharedData.rtcp].map(SharedData.example)
            + [try SharedData.rawCorpus("sip3_hepv3_rtcp_json.bin")]
        var rng = SeededGenerator(seed: 6)
        for _ in 0..<50 {
            let frames = (0..<Int.random(in: 1...40, using: &rng)).map { _ in examples.randomElement(using: &rng) ?? [] }
            let stream = frames.flatMap { $0 }
            var splitter = HEPFrameSplitter()
            var received: [[UInt8]] = []
            var position = 0
            while position < stream.count {
                let read = min(stream.count - position, Int.random(in: 1...3000, using: &rng))
                try splitter.append(stream[position..<(position + read)])
                position += read
                while let frame = try splitter.nextFrame() { received.append(frame) }
            }
            #expect(received == frames)
            #expect(splitter.bufferedByteCount == 0)
        }
    }

    @Test func badMagicClosesEvenBeforeSixBytes() throws {
        var splitter = HEPFrameSplitter()
        try splitter.append(Array("HEX".utf8))
        #expect(throws: HEPFramingError.badMagic) { try splitter.nextFrame() }
        #expect(throws: HEPFramingError.badMagic) { try splitter.nextFrame() }
        #expect(throws: HEPFramingError.badMagic) { try splitter.append([1]) }
    }

    @Test func lengthBelowSix() throws {
        var splitter = HEPFrameSplitter()
        try splitter.append([0x48, 0x45, 0x50, 0x33, 0, 5])
        #expect(throws: HEPFramingError.badLength(5)) { try splitter.nextFrame() }
    }

    @Test func frameTooLarge() throws {
        var splitter = HEPFrameSplitter(maxFrameSize: 500)
        try splitter.append(try SharedData.example(SharedData.invite))
        #expect(throws: HEPFramingError.frameTooLarge(550)) { try splitter.nextFrame() }
    }

    @Test func bufferIsBounded() throws {
        var splitter = HEPFrameSplitter(maxFrameSize: 1000, maxBufferedBytes: 1000)
        try splitter.append([UInt8](repeating: 0x48, count: 1))
        #expect(throws: HEPFramingError.bufferFull) { try splitter.append([UInt8](repeating: 0, count: 1000)) }
    }
}
