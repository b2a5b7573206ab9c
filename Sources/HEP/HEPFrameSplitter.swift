/// Why a HEPv3 TCP/TLS stream cannot be framed; the caller closes the connection.
public enum HEPFramingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes where a frame should start are not "HEP3".
    case badMagic
    /// A frame's total-length field is below 6.
    case badLength(Int)
    /// A frame's total length exceeds the splitter's `maxFrameSize`.
    case frameTooLarge(Int)
    /// More unread bytes were appended than `maxBufferedBytes` allows.
    case bufferFull

    public var reason: String {
        switch self {
        case .badMagic: "bad_magic"
        case .badLength: "bad_length"
        case .frameTooLarge: "frame_too_large"
        case .bufferFull: "buffer_full"
        }
    }

    public var description: String {
        switch self {
        case .badMagic: "stream is not aligned on the HEP3 magic"
        case .badLength(let length): "frame total length \(length) is below 6"
        case .frameTooLarge(let length): "frame of \(length) bytes exceeds the limit"
        case .bufferFull: "too many unread bytes buffered"
        }
    }
}

/// Splits a HEPv3 byte stream (TCP or TLS) into frames: several frames per read, a frame across reads.
/// Once an error has been reported the splitter keeps reporting it.
public struct HEPFrameSplitter: Sendable {
    public let maxFrameSize: Int
    /// Upper bound on unread bytes; call `nextFrame()` until it returns nil after every `append`.
    public let maxBufferedBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: HEPFramingError?
    private static let magic: [UInt8] = [0x48, 0x45, 0x50, 0x33]

    public init(maxFrameSize: Int = 65_535, maxBufferedBytes: Int = 4 * 65_536) {
        self.maxFrameSize = max(6, min(maxFrameSize, 65_535))
        self.maxBufferedBytes = max(maxBufferedBytes, self.maxFrameSize)
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The unread bytes (e.g. the partial frame left when a connection closes).
    public var bufferedBytes: ArraySlice<UInt8> { buffer[readIndex...] }

    public mutating func append(_ bytes: some Collection<UInt8>) throws(HEPFramingError) {
        if let failure { throw failure }
        guard bufferedByteCount + bytes.count <= maxBufferedBytes else {
            failure = .bufferFull
            throw .bufferFull
        }
        if readIndex > 0 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    public mutating func nextFrame() throws(HEPFramingError) -> [UInt8]? {
        if let failure { throw failure }
        let available = buffer.count - readIndex
        for offset in 0..<min(4, available) where buffer[readIndex + offset] != HEPFrameSplitter.magic[offset] {
            failure = .badMagic
            throw .badMagic
        }
        guard available >= 6 else { return nil }
        let total = Int(buffer.readUInt16(at: readIndex + 4))
        guard total >= 6 else {
            failure = .badLength(total)
            throw .badLength(total)
        }
        guard total <= maxFrameSize else {
            failure = .frameTooLarge(total)
            throw .frameTooLarge(total)
        }
        guard available >= total else { return nil }
        let frame = Array(buffer[readIndex..<(readIndex + total)])
        readIndex += total
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return frame
    }
}
