import Tables

/// Receives a row's column values in table order; implemented by the SQLite binder and the COPY encoder.
protocol RowFieldWriter {
    mutating func timestamp(_ microTimestamp: Int64)
    mutating func int64(_ value: Int64)
    mutating func int32(_ value: Int32)
    mutating func int16OrNull(_ value: Int16?)
    /// `maxCharacters`: the VARCHAR width (nil: unlimited); longer values are cut, never rejected.
    mutating func text(_ value: String, maxCharacters: Int?)
    mutating func bytes(_ value: [UInt8])
    mutating func json(_ value: String)
}

enum RowColumns {
    static let sip = [
        "date", "micro_ts", "method", "reply_reason", "ruri", "ruri_user", "ruri_domain", "from_user", "from_domain",
        "from_tag", "to_user", "to_domain", "to_tag", "pid_user", "contact_user", "auth_user", "callid", "callid_aleg",
        "via_1", "via_1_branch", "cseq", "diversion", "reason", "content_type", "auth", "user_agent", "source_ip",
        "source_port", "destination_ip", "destination_port", "contact_ip", "contact_port", "originator_ip",
        "originator_port", "correlation_id", "custom_field1", "custom_field2", "custom_field3", "proto", "family",
        "rtp_stat", "type", "node", "msg",
    ]
    static let report = [
        "date", "micro_ts", "correlation_id", "source_ip", "source_port", "destination_ip", "destination_port",
        "proto", "family", "type", "node", "msg",
    ]
    static let homerSeven = ["sid", "create_date", "protocol_header", "data_header", "raw"]

    static func names(_ family: RowFamily) -> [String] {
        switch family {
        case .sipCapture: sip
        case .report: report
        case .homerSeven: homerSeven
        }
    }

    static func write<W: RowFieldWriter>(_ row: StoreRow, to w: inout W) {
        switch row {
        case .sip(let r): write(r, to: &w)
        case .report(let r): write(r, to: &w)
        case .homerSeven(let r): write(r, to: &w)
        }
    }

    static func write<W: RowFieldWriter>(_ r: SIPCaptureRow, to w: inout W) {
        w.timestamp(r.microTimestamp)
        w.int64(r.microTimestamp)
        w.text(r.method, maxCharacters: 50)
        w.text(r.replyReason, maxCharacters: 100)
        w.text(r.ruri, maxCharacters: 200)
        w.text(r.ruriUser, maxCharacters: 100)
        w.text(r.ruriDomain, maxCharacters: 150)
        w.text(r.fromUser, maxCharacters: 100)
        w.text(r.fromDomain, maxCharacters: 150)
        w.text(r.fromTag, maxCharacters: 64)
        w.text(r.toUser, maxCharacters: 100)
        w.text(r.toDomain, maxCharacters: 150)
        w.text(r.toTag, maxCharacters: 64)
        w.text(r.pidUser, maxCharacters: 100)
        w.text(r.contactUser, maxCharacters: 120)
        w.text(r.authUser, maxCharacters: 120)
        w.text(r.callID, maxCharacters: 120)
        w.text(r.callIDALeg, maxCharacters: 120)
        w.text(r.via1, maxCharacters: 256)
        w.text(r.via1Branch, maxCharacters: 80)
        w.text(r.cseq, maxCharacters: 25)
        w.text(r.diversion, maxCharacters: 256)
        w.text(r.reason, maxCharacters: 200)
        w.text(r.contentType, maxCharacters: 256)
        w.text(r.auth, maxCharacters: 256)
        w.text(r.userAgent, maxCharacters: 256)
        w.text(r.sourceIP, maxCharacters: 60)
        w.int32(r.sourcePort)
        w.text(r.destinationIP, maxCharacters: 60)
        w.int32(r.destinationPort)
        w.text(r.contactIP, maxCharacters: 60)
        w.int32(r.contactPort)
        w.text(r.originatorIP, maxCharacters: 60)
        w.int32(r.originatorPort)
        w.text(r.correlationID, maxCharacters: 256)
        w.text(r.customField1, maxCharacters: 120)
        w.text(r.customField2, maxCharacters: 120)
        w.text(r.customField3, maxCharacters: 120)
        w.int32(r.proto)
        w.int16OrNull(r.family)
        w.text(r.rtpStat, maxCharacters: 256)
        w.int32(r.type)
        w.text(r.node, maxCharacters: 125)
        w.bytes(r.msg)
    }

    static func write<W: RowFieldWriter>(_ r: ReportRow, to w: inout W) {
        w.timestamp(r.microTimestamp)
        w.int64(r.microTimestamp)
        w.text(r.correlationID, maxCharacters: 256)
        w.text(r.sourceIP, maxCharacters: 60)
        w.int32(r.sourcePort)
        w.text(r.destinationIP, maxCharacters: 60)
        w.int32(r.destinationPort)
        w.int32(r.proto)
        w.int16OrNull(r.family)
        w.int32(r.type)
        w.text(r.node, maxCharacters: 125)
        w.text(r.msg, maxCharacters: 1500)
    }

    static func write<W: RowFieldWriter>(_ r: HomerSevenRow, to w: inout W) {
        w.text(r.sid, maxCharacters: nil)
        w.timestamp(r.createDate)
        w.json(r.protocolHeader)
        w.json(r.dataHeader)
        w.text(r.raw, maxCharacters: nil)
    }

    /// `value` cut to at most `max` Unicode scalars (PostgreSQL counts VARCHAR width in characters).
    @inline(__always)
    static func clipped(_ value: String, _ max: Int?) -> Substring.UnicodeScalarView? {
        guard let max, value.utf8.count > max, value.unicodeScalars.count > max else { return nil }
        return Substring(value).unicodeScalars.prefix(max)
    }
}

/// UTC calendar formatting without libc calls (the hot path formats one timestamp per row).
enum UTCTime {
    /// `YYYY-MM-DD HH:MM:SS.ffffff`
    static func format(_ microTimestamp: Int64) -> String {
        let seconds = TableName.floorDiv(microTimestamp, 1_000_000)
        let micros = Int(microTimestamp - seconds * 1_000_000)
        let days = TableName.floorDiv(seconds, 86_400)
        var secondOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civil(days: days)
        let hour = secondOfDay / 3600
        secondOfDay -= hour * 3600
        var out = [UInt8]()
        out.reserveCapacity(26)
        func digits(_ v: Int, _ n: Int) {
            var divisor = 1
            for _ in 1..<n { divisor *= 10 }
            var v = v
            for _ in 0..<n {
                out.append(UInt8(truncatingIfNeeded: 0x30 + (v / divisor) % 10))
                v %= divisor * 10
                divisor /= 10
            }
        }
        digits(Int(y), 4); out.append(0x2D); digits(m, 2); out.append(0x2D); digits(d, 2)
        out.append(0x20)
        digits(hour, 2); out.append(0x3A); digits(secondOfDay / 60, 2); out.append(0x3A); digits(secondOfDay % 60, 2)
        out.append(0x2E); digits(micros, 6)
        return String(decoding: out, as: UTF8.self)
    }

    /// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
    static func civil(days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
