import HEP

/// One IPv4 or IPv6 header, decoded in place.
struct IPPacketInfo {
    var source: IPAddress
    var destination: IPAddress
    /// Upper-layer protocol (after IPv6 extension headers).
    var ipProtocol: UInt8
    var payloadStart: Int
    var payloadEnd: Int
    var fragment: FragmentInfo?
}

struct FragmentInfo {
    var identification: UInt32
    /// Offset of this fragment's data in the original payload, in bytes.
    var offset: Int
    var moreFragments: Bool
}

enum IPDecoder {
    static let maxExtensionHeaders = 8

    static func decode(_ layer: NetworkLayer, _ buffer: UnsafeRawBufferPointer) -> Result<IPPacketInfo, MalformedReason>? {
        switch layer {
        case .ipv4(let offset): return ipv4(buffer, at: offset)
        case .ipv6(let offset): return ipv6(buffer, at: offset)
        case .ipByVersion(let offset):
            guard offset < buffer.count else { return .failure(.truncatedIPHeader) }
            switch buffer.loadUInt8(at: offset) >> 4 {
            case 4: return ipv4(buffer, at: offset)
            case 6: return ipv6(buffer, at: offset)
            default: return .failure(.badIPVersion)
            }
        case .notIP: return nil
        }
    }

    static func ipv4(_ buffer: UnsafeRawBufferPointer, at start: Int) -> Result<IPPacketInfo, MalformedReason> {
        let available = buffer.count - start
        guard available >= 20 else { return .failure(.truncatedIPHeader) }
        let versionAndLength = buffer.loadUInt8(at: start)
        guard versionAndLength >> 4 == 4 else { return .failure(.badIPVersion) }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20, headerLength <= available else { return .failure(.badIPHeaderLength) }
        var totalLength = Int(buffer.loadBigEndian(as: UInt16.self, at: start + 2))
        // TSO/GSO captures on the sending host carry total length 0; take what was captured.
        if totalLength == 0 { totalLength = available }
        guard totalLength >= headerLength else { return .failure(.badIPTotalLength) }
        guard totalLength <= available else { return .failure(.truncatedIPPacket) }
        let flagsAndOffset = buffer.loadBigEndian(as: UInt16.self, at: start + 6)
        let fragmentOffset = Int(flagsAndOffset & 0x1FFF) * 8
        let moreFragments = flagsAndOffset & 0x2000 != 0
        var fragment: FragmentInfo?
        if fragmentOffset != 0 || moreFragments {
            fragment = FragmentInfo(
                identification: UInt32(buffer.loadBigEndian(as: UInt16.self, at: start + 4)), offset: fragmentOffset,
                moreFragments: moreFragments)
        }
        return .success(IPPacketInfo(
            source: IPAddress(ipv4In: buffer, at: start + 12),
            destination: IPAddress(ipv4In: buffer, at: start + 16),
            ipProtocol: buffer.loadUInt8(at: start + 9),
            payloadStart: start + headerLength, payloadEnd: start + totalLength, fragment: fragment))
    }

    static func ipv6(_ buffer: UnsafeRawBufferPointer, at start: Int) -> Result<IPPacketInfo, MalformedReason> {
        let available = buffer.count - start
        guard available >= 40 else { return .failure(.truncatedIPHeader) }
        guard buffer.loadUInt8(at: start) >> 4 == 6 else { return .failure(.badIPVersion) }
        let payloadLength = Int(buffer.loadBigEndian(as: UInt16.self, at: start + 4))
        let end: Int
        if payloadLength == 0 {
            end = buffer.count   // jumbogram or TSO capture: take what was captured
        } else {
            guard payloadLength <= available - 40 else { return .failure(.truncatedIPPacket) }
            end = start + 40 + payloadLength
        }
        var next = buffer.loadUInt8(at: start + 6)
        var offset = start + 40
        var fragment: FragmentInfo?
        for _ in 0...maxExtensionHeaders {
            switch next {
            case 0, 43, 60, 51:   // hop-by-hop, routing, destination options, AH
                guard end - offset >= 8 else { return .failure(.badIPv6ExtensionHeader) }
                let lengthByte = Int(buffer.loadUInt8(at: offset + 1))
                let length = next == 51 ? (lengthByte + 2) * 4 : (lengthByte + 1) * 8
                guard length <= end - offset else { return .failure(.badIPv6ExtensionHeader) }
                next = buffer.loadUInt8(at: offset)
                offset += length
            case 44:   // fragment header
                guard end - offset >= 8 else { return .failure(.badIPv6ExtensionHeader) }
                let offsetAndFlags = buffer.loadBigEndian(as: UInt16.self, at: offset + 2)
                fragment = FragmentInfo(
                    identification: buffer.loadBigEndian(as: UInt32.self, at: offset + 4),
                    offset: Int(offsetAndFlags & 0xFFF8), moreFragments: offsetAndFlags & 0x0001 != 0)
                next = buffer.loadUInt8(at: offset)
                offset += 8
                // A fragment header with offset 0 and no more fragments is an atomic fragment: not fragmented.
                if let info = fragment, info.offset == 0, !info.moreFragments { fragment = nil }
                if fragment != nil {
                    return .success(info(buffer, start, next, offset, end, fragment))
                }
            default:
                return .success(info(buffer, start, next, offset, end, fragment))
            }
        }
        return .failure(.badIPv6ExtensionHeader)
    }

    private static func info(
        _ buffer: UnsafeRawBufferPointer, _ start: Int, _ next: UInt8, _ offset: Int, _ end: Int,
        _ fragment: FragmentInfo?
    ) -> IPPacketInfo {
        IPPacketInfo(
            source: IPAddress(ipv6In: buffer, at: start + 8), destination: IPAddress(ipv6In: buffer, at: start + 24),
            ipProtocol: next, payloadStart: offset, payloadEnd: end, fragment: fragment)
    }
}
