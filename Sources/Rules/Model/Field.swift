import HEP

/// Every value a rule can read. Names are resolved at load time only; evaluation switches on this enum.
public enum Field: Hashable, Sendable {
    // packet (for HEP: the encapsulated addresses)
    case srcIP, dstIP, srcPort, dstPort, transport, family, time
    // hep.*
    case hepVersion, hepProtoType, hepCaptureID, hepAuthKey, hepCorrelationID, hepNodeName, hepPayload
    /// `hep.chunk.0x0011` (vendor nil: any vendor) or `hep.chunk.0x0021@3`.
    case hepChunk(type: UInt16, vendor: UInt16?)
    // net.* ($hep_net): the socket the packet arrived on
    case netSrcIP, netDstIP, netSrcPort, netDstPort, netProtoFamily, netProtoID
    // sip.*
    case sipMethod, sipStatus, sipReason, sipIsRequest, sipRURI, sipRURIUser, sipRURIDomain
    case sipFromUser, sipFromDomain, sipFromTag, sipToUser, sipToDomain, sipToTag
    case sipCallID, sipCSeq, sipCSeqMethod, sipUserAgent, sipContactUser, sipPIDUser, sipViaBranch
    case sipContentType, sipBody
    /// `sip.header.<Name>`: first header of that name (case-insensitive, compact forms are the subject's job).
    case sipHeader(HeaderName)

    public enum Kind: Sendable, Equatable {
        /// Byte strings: `RuleSubject.bytes(_:)`.
        case text
        /// Integers: `RuleSubject.integer(_:)`. Booleans are 0/1.
        case integer
        /// Addresses: `RuleSubject.ip(_:)`.
        case ip
    }

    public var kind: Kind {
        switch self {
        case .srcIP, .dstIP, .netSrcIP, .netDstIP: return .ip
        case .srcPort, .dstPort, .family, .time, .hepVersion, .hepProtoType, .hepCaptureID,
             .netSrcPort, .netDstPort, .netProtoFamily, .sipStatus, .sipIsRequest:
            return .integer
        default: return .text
        }
    }

    /// Fields that need the SIP message parsed (not available in a HEP route before `resume_sip`).
    public var needsSIP: Bool {
        switch self {
        case .sipMethod, .sipStatus, .sipReason, .sipIsRequest, .sipRURI, .sipRURIUser, .sipRURIDomain,
             .sipFromUser, .sipFromDomain, .sipFromTag, .sipToUser, .sipToDomain, .sipToTag, .sipCallID,
             .sipCSeq, .sipCSeqMethod, .sipUserAgent, .sipContactUser, .sipPIDUser, .sipViaBranch,
             .sipContentType, .sipBody, .sipHeader:
            return true
        default: return false
        }
    }
}

/// A SIP header name as written in the rule, plus its lower-cased bytes for case-insensitive lookup and
/// the SIP view's prepared name (compact forms included), so a lookup allocates nothing. A class, so that
/// copying a `Field` costs one reference count rather than one per array inside.
public final class HeaderName: Hashable, Sendable {
    public let name: String
    public let lowercased: [UInt8]
    public let sipName: SIPHeaderName
    public init(_ name: String) {
        self.name = name
        self.lowercased = Array(name.lowercased().utf8)
        self.sipName = SIPHeaderName(name)
    }
    public static func == (a: HeaderName, b: HeaderName) -> Bool { a === b || a.lowercased == b.lowercased }
    public func hash(into hasher: inout Hasher) { hasher.combine(lowercased) }
}
