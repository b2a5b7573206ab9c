import Foundation
import HEP

/// Turns one input file into inspect records.
enum InspectSource {
    struct UnreadableFile: Error, CustomStringConvertible {
        var description: String
    }

    static func records(path: String, options: HEPDecodeOptions) throws -> [InspectRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw UnreadableFile(description: "cannot read file")
        }
        let bytes = [UInt8](data)
        if isCapture(bytes) {
            return try captureRecords(path: path, options: options)
        }
        return [datagramRecord(file: path, frame: 1, bytes: bytes, options: options)]
    }

    /// A datagram that should be HEP: its decoded form, or the reason it is not.
    static func datagramRecord(file: String, frame: Int, bytes: [UInt8], options: HEPDecodeOptions) -> InspectRecord {
        do {
            return InspectRecord(file: file, frame: frame, hep: try HEPPacket.decode(bytes, options: options))
        } catch {
            return InspectRecord(file: file, frame: frame, error: "\(error.reason): \(error)")
        }
    }

    /// pcap (either byte order, µs or ns) and pcapng magic numbers.
    static func isCapture(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 4 else { return false }
        let magic = Array(bytes[0..<4])
        return [
            [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0xc3, 0xd4],
            [0x4d, 0x3c, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d],
            [0x0a, 0x0d, 0x0d, 0x0a],
        ].contains(magic)
    }
}
