/// The `sip.*` fields of the rules language, resolved once at compile time so evaluation is a switch, not a
/// string lookup. Names are those of DESIGN §4, with or without the `sip.` prefix.
public enum SIPField: Hashable, Sendable {
    case method, status, reason, isRequest, ruri, ruriUser, ruriDomain
    case fromUser, fromDomain, fromTag, toUser, toDomain, toTag
    case callID, cseq, cseqMethod, userAgent, contactUser, pidUser, viaBranch, contentType
    case header(SIPHeaderName)
    case body

    /// Every fixed field name (without `sip.`); `header.<Name>` comes in addition.
    public static let names: [String] = [
        "method", "status", "reason", "is_request", "ruri", "ruri_user", "ruri_domain",
        "from_user", "from_domain", "from_tag", "to_user", "to_domain", "to_tag",
        "call_id", "cseq", "cseq_method", "user_agent", "contact_user", "pid_user", "via_branch",
        "content_type", "body",
    ]

    /// `method`, `sip.method`, `header.P-Asserted-Identity`, `sip.header.X-CID`, ...; nil for unknown names.
    public init?(name: String) {
        var key = Substring(name)
        if key.hasPrefix("sip.") { key = key.dropFirst(4) }
        if key.hasPrefix("header.") {
            let header = key.dropFirst(7)
            guard !header.isEmpty, header.utf8.allSatisfy(SIPByte.isToken) else { return nil }
            self = .header(SIPHeaderName(header))
            return
        }
        switch key {
        case "method": self = .method
        case "status": self = .status
        case "reason": self = .reason
        case "is_request": self = .isRequest
        case "ruri": self = .ruri
        case "ruri_user": self = .ruriUser
        case "ruri_domain": self = .ruriDomain
        case "from_user": self = .fromUser
        case "from_domain": self = .fromDomain
        case "from_tag": self = .fromTag
        case "to_user": self = .toUser
        case "to_domain": self = .toDomain
        case "to_tag": self = .toTag
        case "call_id": self = .callID
        case "cseq": self = .cseq
        case "cseq_method": self = .cseqMethod
        case "user_agent": self = .userAgent
        case "contact_user": self = .contactUser
        case "pid_user": self = .pidUser
        case "via_branch": self = .viaBranch
        case "content_type": self = .contentType
        case "body": self = .body
        default: return nil
        }
    }

    /// The field name without `sip.`.
    public var name: String {
        switch self {
        case .method: "method"
        case .status: "status"
        case .reason: "reason"
        case .isRequest: "is_request"
        case .ruri: "ruri"
        case .ruriUser: "ruri_user"
        case .ruriDomain: "ruri_domain"
        case .fromUser: "from_user"
        case .fromDomain: "from_domain"
        case .fromTag: "from_tag"
        case .toUser: "to_user"
        case .toDomain: "to_domain"
        case .toTag: "to_tag"
        case .callID: "call_id"
        case .cseq: "cseq"
        case .cseqMethod: "cseq_method"
        case .userAgent: "user_agent"
        case .contactUser: "contact_user"
        case .pidUser: "pid_user"
        case .viaBranch: "via_branch"
        case .contentType: "content_type"
        case .header(let header): "header." + header.name
        case .body: "body"
        }
    }

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)

    /// The field's bytes in `message`; nil when the message does not have it. `status` is the three digits
    /// (nil for requests), `is_request` is `true`/`false`, `reason` the reason phrase (nil for requests).
    public func value(in message: SIPMessage) -> ArraySlice<UInt8>? {
        switch self {
        case .method: message.method
        case .status: message.statusCodeBytes
        case .reason: message.reasonPhrase
        case .isRequest: message.isRequest ? Self.trueBytes[...] : Self.falseBytes[...]
        case .ruri: message.requestURIBytes
        case .ruriUser: message.requestURIUser
        case .ruriDomain: message.requestURIDomain
        case .fromUser: message.fromUser
        case .fromDomain: message.fromDomain
        case .fromTag: message.fromTag
        case .toUser: message.toUser
        case .toDomain: message.toDomain
        case .toTag: message.toTag
        case .callID: message.callID
        case .cseq: message.cseq
        case .cseqMethod: message.cseqMethod
        case .userAgent: message.userAgent
        case .contactUser: message.contactUser
        case .pidUser: message.pidUser
        case .viaBranch: message.viaBranch
        case .contentType: message.contentType
        case .header(let name): message.header(name)
        case .body: message.body
        }
    }

    /// `value(in:)` as a String (UTF-8, invalid bytes replaced).
    public func string(in message: SIPMessage) -> String? { value(in: message).map(sipString) }
}
