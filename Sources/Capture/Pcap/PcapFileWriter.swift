#if canImport(Glibc)
import Glibc
#endif

/// Writes classic little-endian pcap files (microsecond timestamps): synthetic captures for tests and
/// benchmarks.
public final class PcapFileWriter {
    public let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var closed = false

    public init(path: String, linkType: LinkType, snapLength: UInt32 = 262_144) throws(CaptureError) {
        guard let file = fopen(path, "wb") else { throw .openFailed(path: path, message: "fopen: errno \(errno)") }
        self.path = path
        self.file = file
        var header: [UInt8] = []
        Self.append(UInt32(0xA1B2_C3D4), to: &header)
        Self.append(UInt16(2), to: &header)
        Self.append(UInt16(4), to: &header)
        Self.append(UInt32(0), to: &header)   // thiszone
        Self.append(UInt32(0), to: &header)   // sigfigs
        Self.append(snapLength, to: &header)
        Self.append(UInt32(bitPattern: linkType.rawValue), to: &header)
        try write(header)
    }

    deinit { if !closed { fclose(file) } }

    public func write(frame: some Collection<UInt8>, timestamp: CaptureTimestamp, originalLength: Int? = nil) throws(CaptureError) {
        var record: [UInt8] = []
        record.reserveCapacity(16 + frame.count)
        Self.append(UInt32(truncatingIfNeeded: timestamp.seconds), to: &record)
        Self.append(UInt32(truncatingIfNeeded: timestamp.microseconds), to: &record)
        Self.append(UInt32(frame.count), to: &record)
        Self.append(UInt32(originalLength ?? frame.count), to: &record)
        record.append(contentsOf: frame)
        try write(record)
    }

    public func close() {
        guard !closed else { return }
        closed = true
        fclose(file)
    }

    private func write(_ bytes: [UInt8]) throws(CaptureError) {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count else { throw .readFailed(path: path, message: "short write") }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
