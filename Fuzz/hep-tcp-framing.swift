// libFuzzer target: the HEPv3 TCP/TLS stream framer (HEPFrameSplitter, used by the HEP TCP listener). The input
// is cut into reads at fuzzer-chosen points (first byte = cut seed); whatever the cuts, the frames returned must be
// the same, must concatenate to a prefix of the stream, and each must start with "HEP3" and carry its own length.
// Built by scripts/fuzz.sh against the instrumented HEP library.

import HEP

@_cdecl("LLVMFuzzerTestOneInput")
public func hepTCPFramingFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let seed = Int(data[0])
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    // Small limits too, so frameTooLarge and bufferFull are reached by short inputs.
    let maxFrame = seed & 1 == 0 ? 65_535 : 6 + (seed >> 1) * 7
    let whole = frames(of: stream, reads: [stream.count], maxFrame: maxFrame)
    var cuts: [Int] = []
    var rest = stream.count
    var step = seed % 13 + 1
    while rest > 0 {
        let n = min(rest, step)
        cuts.append(n)
        rest -= n
        step = (step * 7 + 3) % 29 + 1
    }
    let pieces = frames(of: stream, reads: cuts, maxFrame: maxFrame)
    // Reads differ only in when bytes arrive: without an error the frames are the same; with one (the buffer
    // limit can be hit by one big read and not by small ones) the frames returned so far agree.
    let common = min(whole.frames.count, pieces.frames.count)
    if whole.frames.prefix(common) != pieces.frames.prefix(common)
        || (whole.error == nil && pieces.error == nil && whole.frames.count != pieces.frames.count) {
        fatalError("frames depend on how the stream was cut")
    }
    for result in [whole, pieces] {
        var offset = 0
        for frame in result.frames {
            guard frame.count >= 6, frame.count <= maxFrame, Array(frame.prefix(4)) == [0x48, 0x45, 0x50, 0x33],
                  Int(frame[4]) << 8 | Int(frame[5]) == frame.count,
                  offset + frame.count <= stream.count, stream[offset..<(offset + frame.count)].elementsEqual(frame)
            else { fatalError("a frame is not a well-formed slice of the stream") }
            offset += frame.count
        }
        if result.error == nil && result.leftover != stream.count - offset {
            fatalError("buffered bytes do not account for the rest of the stream")
        }
        // Every frame must go through the decoder without trapping.
        for frame in result.frames { _ = try? HEPPacket.decode(frame) }
    }
    return 0
}

private struct Framed {
    var frames: [[UInt8]] = []
    var error: HEPFramingError?
    var leftover = 0
}

private func frames(of stream: [UInt8], reads: [Int], maxFrame: Int) -> Framed {
    var splitter = HEPFrameSplitter(maxFrameSize: maxFrame, maxBufferedBytes: 2 * maxFrame)
    var result = Framed()
    var start = 0
    do {
        for n in reads {
            try splitter.append(stream[start..<(start + n)])
            start += n
            while let frame = try splitter.nextFrame() { result.frames.append(frame) }
        }
        // Once failed, the splitter keeps failing.
    } catch {
        result.error = error
        do {
            _ = try splitter.nextFrame()
            fatalError("a failed splitter returned a frame")
        } catch let again {
            if again != error { fatalError("a failed splitter changed its error") }
        }
    }
    result.leftover = splitter.bufferedByteCount
    return result
}
