/// Why a datagram is not a usable HEP packet. `reason` is a stable label for metrics and logs.
public enum HEPDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes than the fixed header (v3: 6, v1/v2: 8 plus addresses plus the v2 time block).
    case truncated
    /// Neither "HEP3" nor a version byte 1 / 2.
    case notHEP
    /// "HEP"/"EEP" followed by an unsupported version character, or "EEP3" while it is not accepted.
    case badVersion(UInt8)
    /// v1/v2 header-length byte is not 16 (IPv4) / 40 (IPv6).
    case badHeaderLength(UInt8)
    /// v1/v2 family byte is not 2 or 10.
    case badFamily(UInt8)
    /// HEPv3 total-length field below 6.
    case badTotalLength(Int)
    /// HEPv3 total-length field differs from the datagram size (larger always; smaller unless `lenient`).
    case lengthMismatch(declared: Int, actual: Int)
    /// Fewer than 6 bytes left where a chunk header should start.
    case truncatedChunkHeader(offset: Int)
    /// A chunk length field below 6.
    case chunkTooShort(offset: Int)
    /// A chunk runs past the packet's total length.
    case chunkOverrun(offset: Int)
    /// A fixed-size generic chunk (vendor 0) with a body of the wrong size.
    case wrongChunkSize(type: UInt16, size: Int)
    /// No 0x000F / 0x0010 chunk.
    case noPayload
    /// Chunk 0x0010 is not a valid gzip / zlib / deflate stream.
    case inflateFailed
    /// Chunk 0x0010 inflates to more than `maxInflatedSize` bytes.
    case inflatedTooLarge

    public var reason: String {
        switch self {
        case .truncated: "truncated"
        case .notHEP: "not_hep"
        case .badVersion: "bad_version"
        case .badHeaderLength: "bad_header_length"
        case .badFamily: "bad_family"
        case .badTotalLength: "bad_total_length"
        case .lengthMismatch: "length_mismatch"
        case .truncatedChunkHeader: "truncated_chunk_header"
        case .chunkTooShort: "chunk_too_short"
        case .chunkOverrun: "chunk_overrun"
        case .wrongChunkSize: "wrong_chunk_size"
        case .noPayload: "no_payload"
        case .inflateFailed: "inflate_failed"
        case .inflatedTooLarge: "inflated_too_large"
        }
    }

    /// Every `reason` label, e.g. to pre-register metric series.
    public static let allReasons: [String] = [
        "truncated", "not_hep", "bad_version", "bad_header_length", "bad_family", "bad_total_length",
        "length_mismatch", "truncated_chunk_header", "chunk_too_short", "chunk_overrun", "wrong_chunk_size",
        "no_payload", "inflate_failed", "inflated_too_large",
    ]

    public var description: String {
        switch self {
        case .truncated: "datagram shorter than the HEP header"
        case .notHEP: "not a HEP datagram"
        case .badVersion(let value): "unsupported HEP version byte \(value)"
        case .badHeaderLength(let value): "HEPv1/v2 header length \(value) does not match the family"
        case .badFamily(let value): "unknown IP family \(value)"
        case .badTotalLength(let value): "HEPv3 total length \(value) is below 6"
        case .lengthMismatch(let declared, let actual): "HEPv3 total length \(declared) but datagram has \(actual) bytes"
        case .truncatedChunkHeader(let offset): "chunk header cut short at offset \(offset)"
        case .chunkTooShort(let offset): "chunk at offset \(offset) has a length below 6"
        case .chunkOverrun(let offset): "chunk at offset \(offset) runs past the packet"
        case .wrongChunkSize(let type, let size): "chunk type \(type) has a \(size)-byte body, wrong for its type"
        case .noPayload: "no payload chunk (0x000F / 0x0010)"
        case .inflateFailed: "compressed payload does not inflate"
        case .inflatedTooLarge: "compressed payload inflates beyond the size limit"
        }
    }
}
