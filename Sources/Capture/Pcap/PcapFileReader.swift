import CLibPcap

/// One frame as libpcap delivers it. `bytes` is only valid inside the closure it was given to.
public struct PcapFrame {
    public var timestamp: CaptureTimestamp
    public var linkType: LinkType
    /// Bytes present in the capture (≤ `originalLength` when the snap length cut the frame).
    public var bytes: UnsafeRawBufferPointer
    public var originalLength: Int
    /// 1-based position in the file / capture.
    public var number: Int
}

/// Reads pcap and pcapng files through libpcap (`pcap_open_offline`).
public final class PcapFileReader {
    public let path: String
    public let linkType: LinkType
    private let handle: OpaquePointer
    public private(set) var framesRead = 0

    public init(path: String) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_open_offline(path, &errorBuffer) else {
            throw .openFailed(path: path, message: pcapErrorText(errorBuffer))
        }
        self.path = path
        self.handle = handle
        linkType = LinkType(rawValue: pcap_datalink(handle))
    }

    deinit { pcap_close(handle) }

    /// Calls `body` with the next frame; returns nil at the end of the file.
    public func next<Result>(_ body: (PcapFrame) -> Result) throws(CaptureError) -> Result? {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        switch status {
        case 1:
            guard let header, let data else { return nil }
            framesRead += 1
            let frame = PcapFrame(
                timestamp: CaptureTimestamp(seconds: Int(header.pointee.ts.tv_sec), microseconds: Int(header.pointee.ts.tv_usec)),
                linkType: linkType,
                bytes: UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen)),
                originalLength: Int(header.pointee.len), number: framesRead)
            return body(frame)
        case PCAP_ERROR_BREAK:   // -2: end of file
            return nil
        default:
            throw .readFailed(path: path, message: String(cString: pcap_geterr(handle)))
        }
    }

    /// Calls `body` for every remaining frame.
    public func forEach(_ body: (PcapFrame) -> Void) throws(CaptureError) {
        while try next(body) != nil {}
    }
}

/// Text of a libpcap error buffer (NUL-terminated).
func pcapErrorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
