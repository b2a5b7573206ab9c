/// The SIP-derived columns of the homer5 `sip_capture` table, as opensips-sipcapture-behaviour.md §7 derives
/// them (with `contact_user` and `diversion` filled, as Kamailio does). Text columns are empty strings when
/// the message lacks them; no truncation to the column widths happens here.
public struct SIPHomerFields: Sendable, Equatable {
    /// Request method, or the status code text for a reply (`200`).
    public var method = ""
    /// Reply reason phrase; empty for requests.
    public var replyReason = ""
    public var ruri = ""
    public var ruriUser = ""
    public var ruriDomain = ""
    public var fromUser = ""
    public var fromDomain = ""
    public var fromTag = ""
    public var toUser = ""
    public var toDomain = ""
    public var toTag = ""
    /// User of P-Asserted-Identity, else of P-Preferred-Identity.
    public var pidUser = ""
    /// User of the first Contact URI; `*` for `Contact: *`.
    public var contactUser = ""
    /// Digest username of Proxy-Authorization, else Authorization (user part before any `@`).
    public var authUser = ""
    public var callID = ""
    /// `X-CID` body.
    public var callIDALeg = ""
    /// Body of the first Via header field.
    public var via1 = ""
    public var via1Branch = ""
    /// CSeq body, e.g. `314159 INVITE`.
    public var cseq = ""
    /// `Diversion` body.
    public var diversion = ""
    /// `Reason` header body.
    public var reason = ""
    public var contentType = ""
    public var userAgent = ""
    /// Host of the first Contact URI (IPv6 without brackets).
    public var contactIP = ""
    /// Port of the first Contact URI; 0 when absent.
    public var contactPort = 0
    /// `X-OIP` address (text before the port).
    public var originatorIP = ""
    /// `X-OIP` port; 0 when absent.
    public var originatorPort = 0
    /// `X-RTP-Stat` body, else `P-RTP-Stat`.
    public var rtpStat = ""
    /// 1 for a request, 2 for a reply.
    public var type = 0

    public init() {}

    public init(_ message: SIPMessage) {
        func text(_ bytes: ArraySlice<UInt8>?) -> String { bytes.map(sipString) ?? "" }
        if message.isRequest {
            method = text(message.method)
            ruri = text(message.requestURIBytes)
            if let uri = message.requestURI {
                ruriUser = text(uri.user)
                ruriDomain = text(uri.host)
            }
            type = 1
        } else {
            method = text(message.statusCodeBytes)
            replyReason = text(message.reasonPhrase)
            type = 2
        }
        if let from = message.from {
            let uri = from.uri
            fromUser = text(uri.user)
            fromDomain = text(uri.host)
            fromTag = text(from.tag)
        }
        if let to = message.to {
            let uri = to.uri
            toUser = text(uri.user)
            toDomain = text(uri.host)
            toTag = text(to.tag)
        }
        pidUser = text(message.pidUser)
        if let contact = message.contact {
            if contact.isWildcard {
                contactUser = "*"
            } else {
                let uri = contact.uri
                contactUser = text(uri.user)
                contactIP = text(uri.host)
                contactPort = uri.port ?? 0
            }
        }
        if let username = message.authorizationUsername {
            authUser = text(username.firstIndex(of: SIPByte.at).map { username[username.startIndex..<$0] } ?? username)
        }
        callID = text(message.callID)
        callIDALeg = text(message.known(.xCID))
        via1 = text(message.firstViaHeader)
        via1Branch = text(message.viaBranch)
        cseq = text(message.cseq)
        diversion = text(message.known(.diversion))
        reason = text(message.known(.reason))
        contentType = text(message.contentType)
        userAgent = text(message.userAgent)
        if let oip = message.known(.xOIP) {
            let (ip, port) = Self.splitHostPort(oip)
            originatorIP = text(ip)
            originatorPort = port
        }
        rtpStat = text(message.known(.xRTPStat) ?? message.known(.pRTPStat))
    }

    /// `ip:port`, `[v6]:port`, `ip` or a bare IPv6 address (no port).
    static func splitHostPort(_ value: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int) {
        let v = value.sipTrimmed
        func port(_ digits: ArraySlice<UInt8>) -> Int {
            guard let p = digits.sipTrimmed.sipDecimal(maxDigits: 5), p <= 65_535 else { return 0 }
            return p
        }
        if v.first == SIPByte.openBracket, let close = v.firstIndex(of: SIPByte.closeBracket) {
            let ip = v[(v.startIndex + 1)..<close]
            let after = v[(close + 1)...]
            if after.first == SIPByte.colon { return (ip, port(after.dropFirst())) }
            return (ip, 0)
        }
        guard let colon = v.firstIndex(of: SIPByte.colon) else { return (v, 0) }
        if v[(colon + 1)...].contains(SIPByte.colon) { return (v, 0) }
        return (v[v.startIndex..<colon], port(v[(colon + 1)...]))
    }
}
