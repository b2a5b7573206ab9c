import HEP

/// The SIP-derived columns of the homer5 `sip_capture` row, as opensips-sipcapture-behaviour.md §7 derives
/// them (with `contact_user` and `diversion` filled, as Kamailio does). Text columns stay empty when the
/// message lacks them; widths are applied when the row is written (`SIPCaptureRow.columns`).
extension SIPCaptureRow {
    static let xCID = SIPHeaderName("X-CID")
    static let diversionHeader = SIPHeaderName("Diversion")
    static let reasonHeader = SIPHeaderName("Reason")
    static let xOIP = SIPHeaderName("X-OIP")
    static let xRTPStat = SIPHeaderName("X-RTP-Stat")
    static let pRTPStat = SIPHeaderName("P-RTP-Stat")

    /// Fills `method` … `rtp_stat` and `type` from the message; the packet's columns (addresses, ports,
    /// node, correlation, custom fields, msg) are the caller's.
    public mutating func fillSIPColumns(from message: SIPMessage) {
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
            fromUser = text(from.uri.user)
            fromDomain = text(from.uri.host)
            fromTag = text(from.tag)
        }
        if let to = message.to {
            toUser = text(to.uri.user)
            toDomain = text(to.uri.host)
            toTag = text(to.tag)
        }
        pidUser = text(message.pidUser)
        if let contact = message.contact {
            if contact.isWildcard {
                contactUser = "*"
            } else {
                contactUser = text(contact.uri.user)
                contactIP = text(contact.uri.host)
                contactPort = Int32(clamping: contact.uri.port ?? 0)
            }
        }
        if let username = message.authorizationUsername {
            // The user part of a `user@domain` digest username.
            authUser = text(username.firstIndex(of: 0x40).map { username[username.startIndex..<$0] } ?? username)
        }
        callID = text(message.callID)
        callIDALeg = text(message.header(Self.xCID))
        via1 = text(message.firstViaHeader)
        via1Branch = text(message.viaBranch)
        cseq = text(message.cseq)
        diversion = text(message.header(Self.diversionHeader))
        reason = text(message.header(Self.reasonHeader))
        contentType = text(message.contentType)
        userAgent = text(message.userAgent)
        if let oip = message.header(Self.xOIP) {
            let (ip, port) = Self.splitHostPort(oip)
            originatorIP = text(ip)
            originatorPort = Int32(port)
        }
        rtpStat = text(message.header(Self.xRTPStat) ?? message.header(Self.pRTPStat))
    }

    /// `ip:port`, `[v6]:port`, `ip` or a bare IPv6 address (no port); port 0 when absent or not a port.
    static func splitHostPort(_ value: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int) {
        let colon: UInt8 = 0x3A, open: UInt8 = 0x5B, close: UInt8 = 0x5D
        let v = value.sipTrimmed
        func port(_ digits: ArraySlice<UInt8>) -> Int {
            guard let p = digits.sipTrimmed.sipDecimal(maxDigits: 5), p <= 65_535 else { return 0 }
            return p
        }
        if v.first == open, let end = v.firstIndex(of: close) {
            let ip = v[(v.startIndex + 1)..<end]
            let after = v[(end + 1)...]
            if after.first == colon { return (ip, port(after.dropFirst())) }
            return (ip, 0)
        }
        guard let first = v.firstIndex(of: colon) else { return (v, 0) }
        if v[(first + 1)...].contains(colon) { return (v, 0) }
        return (v[v.startIndex..<first], port(v[(first + 1)...]))
    }
}
