/// A typed chunk value for `setChunk` (the `data_type`s of OpenSIPS `hep_set`).
public enum HEPChunkValue: Sendable, Hashable {
    case uint8(UInt8)
    case uint16(UInt16)
    case uint32(UInt32)
    case inet4(IPAddress)
    case inet6(IPAddress)
    case utf8(String)
    case octets([UInt8])

    /// The body bytes (integers big-endian, addresses most significant byte first).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        switch self {
        case .uint8(let value): out.append(value)
        case .uint16(let value): out.appendUInt16(value)
        case .uint32(let value): out.appendUInt32(value)
        case .inet4(let address): (address.ipv4Value.map(IPAddress.init(ipv4:)) ?? address).appendBytes(to: &out)
        case .inet6(let address): address.asIPv6.appendBytes(to: &out)
        case .utf8(let text): out.append(contentsOf: text.utf8)
        case .octets(let raw): out = raw
        }
        return out
    }

    /// Parses configuration text as `dataType` (`uint8`, `uint16`, `uint32`: decimal; addresses: textual).
    public init(parsing text: String, as dataType: HEPChunkDataType) throws(HEPEditError) {
        switch dataType {
        case .uint8:
            guard let value = UInt8(text) else { throw .invalidValue("\"\(text)\" is not a uint8") }
            self = .uint8(value)
        case .uint16:
            guard let value = UInt16(text) else { throw .invalidValue("\"\(text)\" is not a uint16") }
            self = .uint16(value)
        case .uint32:
            guard let value = UInt32(text) else { throw .invalidValue("\"\(text)\" is not a uint32") }
            self = .uint32(value)
        case .inet4:
            guard let address = IPAddress(text), !address.isIPv6 else {
                throw .invalidValue("\"\(text)\" is not an IPv4 address")
            }
            self = .inet4(address)
        case .inet6:
            guard let address = IPAddress(text), address.isIPv6 else {
                throw .invalidValue("\"\(text)\" is not an IPv6 address")
            }
            self = .inet6(address)
        case .utf8: self = .utf8(text)
        case .octets: self = .octets(Array(text.utf8))
        }
    }

    /// Integer content, from an integer case or decimal text.
    var integer: UInt64? {
        switch self {
        case .uint8(let value): UInt64(value)
        case .uint16(let value): UInt64(value)
        case .uint32(let value): UInt64(value)
        case .utf8(let text): UInt64(text)
        default: nil
        }
    }

    var address: IPAddress? {
        switch self {
        case .inet4(let address), .inet6(let address): address
        case .utf8(let text): IPAddress(text)
        default: nil
        }
    }

    var text: String? {
        if case .utf8(let text) = self { return text }
        return nil
    }
}

public enum HEPChunkDataType: String, Sendable, CaseIterable {
    case uint8, uint16, uint32
    case inet4 = "inet4-addr"
    case inet6 = "inet6-addr"
    case utf8 = "utf8-string"
    case octets = "octet-string"
}

/// Why a chunk edit was refused.
public enum HEPEditError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Edits exist for HEPv3 only (as in OpenSIPS).
    case notV3(HEPVersion)
    /// Family (0x0001) and timestamps (0x0009 / 0x000A) are read-only.
    case readOnlyChunk(UInt16)
    /// Type id 0 is not a chunk.
    case invalidChunkType
    case unknownChunkName(String)
    /// The value does not fit the chunk (e.g. text for a port, IPv6 for `inet4-addr`).
    case invalidValue(String)
    case encoding(HEPEncodeError)

    public var description: String {
        switch self {
        case .notV3(let version): "chunk edits need HEPv3, packet is v\(version.rawValue)"
        case .readOnlyChunk(let type): "chunk \(type) is read-only"
        case .invalidChunkType: "chunk type 0 is invalid"
        case .unknownChunkName(let name): "unknown chunk name \"\(name)\""
        case .invalidValue(let reason): "invalid chunk value: \(reason)"
        case .encoding(let error): error.description
        }
    }
}

extension HEPPacket {
    /// `hep_set`: sets a chunk. Built-in generic chunks (vendor 0, 0x0002–0x000C, 0x000F/0x0010) update the
    /// typed field (IP protocol also from a transport name, proto type also from a name, addresses also from
    /// text; setting an address sets the family to the address's family, as OpenSIPS does). Every other chunk
    /// replaces the body of the first chunk with this type and vendor, or is appended. The packet is re-encoded,
    /// so `bytes`, fields and lookups agree and `encoded()` carries the edit.
    public mutating func setChunk(type: UInt16, vendor: UInt16 = 0, value: HEPChunkValue) throws(HEPEditError) {
        guard version == .v3 else { throw .notV3(version) }
        guard type != 0 else { throw .invalidChunkType }
        var draft = self
        if vendor == 0 && HEPChunkType.isBuiltIn(type) {
            try draft.assignBuiltIn(type: type, value: value)
            try commit(draft, extras: extraChunks)
            return
        }
        let body = value.bytes
        if vendor == 0, let size = HEPChunkType.fixedBodySize(type), size != body.count {
            throw .invalidValue("chunk \(type) needs a \(size)-byte value")
        }
        var extras = Array(extraChunks)
        if let index = extras.firstIndex(where: { $0.type == type && $0.vendor == vendor }) {
            extras[index].body = body[...]
        } else {
            extras.append(HEPChunk(vendor: vendor, type: type, body: body))
        }
        try commit(draft, extras: extras)
    }

    /// `hep_set` by chunk name (`HEPChunkType.names`) or number text.
    public mutating func setChunk(named name: String, vendor: UInt16 = 0, value: HEPChunkValue) throws(HEPEditError) {
        guard let type = HEPChunkType.type(named: name) else { throw .unknownChunkName(name) }
        try setChunk(type: type, vendor: vendor, value: value)
    }

    /// `hep_del`: removes a built-in generic chunk (its field returns to 0 / empty and it is no longer written)
    /// or the first extra chunk with this type and vendor. Returns false when there was nothing to delete.
    @discardableResult
    public mutating func deleteChunk(type: UInt16, vendor: UInt16 = 0) throws(HEPEditError) -> Bool {
        guard version == .v3 else { throw .notV3(version) }
        guard type != 0 else { throw .invalidChunkType }
        if vendor == 0 && HEPChunkType.isBuiltIn(type) {
            guard !HEPChunkType.isReadOnly(type) else { throw .readOnlyChunk(type) }
            guard let bit = HEPFieldPresence.forChunkType(type), present.contains(bit) else { return false }
            var draft = self
            draft.present.remove(bit)
            if bit == .payload {
                draft.payload = []
                draft.compressedPayload = nil
            }
            try commit(draft, extras: extraChunks)
            return true
        }
        var extras = Array(extraChunks)
        guard let index = extras.firstIndex(where: { $0.type == type && $0.vendor == vendor }) else { return false }
        extras.remove(at: index)
        let draft = self
        try commit(draft, extras: extras)
        return true
    }

    /// `hep_del` by chunk name or number text.
    @discardableResult
    public mutating func deleteChunk(named name: String, vendor: UInt16 = 0) throws(HEPEditError) -> Bool {
        guard let type = HEPChunkType.type(named: name) else { throw .unknownChunkName(name) }
        return try deleteChunk(type: type, vendor: vendor)
    }

    private mutating func commit(_ draft: HEPPacket, extras: some Sequence<HEPChunk>) throws(HEPEditError) {
        do {
            self = try draft.reencoded(extras: extras)
        } catch {
            throw .encoding(error)
        }
    }

    private mutating func assignBuiltIn(type: UInt16, value: HEPChunkValue) throws(HEPEditError) {
        func integer(max: UInt64) throws(HEPEditError) -> UInt64 {
            guard let number = value.integer, number <= max else {
                throw .invalidValue("chunk \(type) needs an integer up to \(max)")
            }
            return number
        }
        switch type {
        case HEPChunkType.ipFamily, HEPChunkType.timestampSeconds, HEPChunkType.timestampMicroseconds:
            throw .readOnlyChunk(type)
        case HEPChunkType.ipProtocol:
            if let name = value.text, let number = HEPTransport.ipProtocol(named: name) {
                ipProtocol = number
            } else {
                ipProtocol = UInt8(try integer(max: 255))
            }
        case HEPChunkType.ipv4Source, HEPChunkType.ipv6Source, HEPChunkType.ipv4Destination,
             HEPChunkType.ipv6Destination:
            guard let address = value.address else { throw .invalidValue("chunk \(type) needs an IP address") }
            if type == HEPChunkType.ipv4Source || type == HEPChunkType.ipv6Source {
                sourceIP = address
                present.insert(.sourceAddress)
            } else {
                destinationIP = address
                present.insert(.destinationAddress)
            }
            family = address.family
            present.insert(.family)
        case HEPChunkType.sourcePort: sourcePort = UInt16(try integer(max: 65_535))
        case HEPChunkType.destinationPort: destinationPort = UInt16(try integer(max: 65_535))
        case HEPChunkType.protoType:
            if let name = value.text, let number = HEPProtoType.value(named: name) {
                protoType = number
            } else {
                protoType = UInt8(try integer(max: 255))
            }
        case HEPChunkType.captureID: captureID = UInt32(try integer(max: UInt64(UInt32.max)))
        default: // payload, 0x000F / 0x0010: written uncompressed as 0x000F
            switch value {
            case .utf8(let text): payload = Array(text.utf8)[...]
            case .octets(let raw): payload = raw[...]
            default: throw .invalidValue("the payload needs text or octets")
            }
            compressedPayload = nil
        }
        if let bit = HEPFieldPresence.forChunkType(type) { present.insert(bit) }
    }
}
