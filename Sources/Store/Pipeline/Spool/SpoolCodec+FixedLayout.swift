/// Records of spool segments of format versions 1 and 2 (capd before described records): a kind byte, the
/// table, the capture and receive times, the text columns, the integer columns (each as 8 bytes), `family`
/// (`Int64.min` for NULL) and, for `sip_capture`, `msg`. Read only, so that a spool left by an older capd
/// still replays.
extension SpoolCodec {
    static let fixedSIPText: [WritableKeyPath<SIPCaptureRow, String> & Sendable] = [
        \.method, \.replyReason, \.ruri, \.ruriUser, \.ruriDomain, \.fromUser, \.fromDomain, \.fromTag,
        \.toUser, \.toDomain, \.toTag, \.pidUser, \.contactUser, \.authUser, \.callID, \.callIDALeg,
        \.via1, \.via1Branch, \.cseq, \.diversion, \.reason, \.contentType, \.auth, \.userAgent,
        \.sourceIP, \.destinationIP, \.contactIP, \.originatorIP, \.rtpStat, \.node, \.correlationID,
        \.customField1, \.customField2, \.customField3,
    ]
    static let fixedSIPIntegers: [WritableKeyPath<SIPCaptureRow, Int32> & Sendable] = [
        \.sourcePort, \.destinationPort, \.contactPort, \.originatorPort, \.proto, \.type,
    ]
    static let fixedReportText: [WritableKeyPath<ReportRow, String> & Sendable] = [
        \.correlationID, \.sourceIP, \.destinationIP, \.node, \.msg,
    ]
    static let fixedReportIntegers: [WritableKeyPath<ReportRow, Int32> & Sendable] = [
        \.sourcePort, \.destinationPort, \.proto, \.type,
    ]
    static let fixedHomerSevenText: [WritableKeyPath<HomerSevenRow, String> & Sendable] = [
        \.sid, \.protocolHeader, \.dataHeader, \.raw,
    ]

    static func decodeFixed(_ bytes: ArraySlice<UInt8>) -> StoreRow? {
        var r = SpoolRecordReader(bytes: bytes)
        guard let kind = r.byte().flatMap(Kind.init(rawValue:)), let table = r.string(), let time = r.int64(),
              let receive = r.int64()
        else { return nil }
        switch kind {
        case .sip:
            var row = SIPCaptureRow(table: table, microTimestamp: time, receiveMicroTimestamp: receive)
            guard readText(fixedSIPText, into: &row, &r), readIntegers(fixedSIPIntegers, into: &row, &r),
                  let family = r.int64(), let msg = r.blob(), r.atEnd
            else { return nil }
            row.family = family == Int64.min ? nil : Int16(truncatingIfNeeded: family)
            row.msg = msg
            return .sip(row)
        case .report:
            var row = ReportRow(table: table, microTimestamp: time, receiveMicroTimestamp: receive)
            guard readText(fixedReportText, into: &row, &r), readIntegers(fixedReportIntegers, into: &row, &r),
                  let family = r.int64(), r.atEnd
            else { return nil }
            row.family = family == Int64.min ? nil : Int16(truncatingIfNeeded: family)
            return .report(row)
        case .homerSeven:
            var row = HomerSevenRow(table: table, receiveMicroTimestamp: receive)
            row.createDate = time
            guard readText(fixedHomerSevenText, into: &row, &r), r.atEnd else { return nil }
            return .homerSeven(row)
        case .lostBatch:
            return nil
        }
    }

    private static func readText<Row>(_ paths: [WritableKeyPath<Row, String> & Sendable], into row: inout Row,
                                      _ r: inout SpoolRecordReader) -> Bool {
        for path in paths {
            guard let value = r.string() else { return false }
            row[keyPath: path] = value
        }
        return true
    }

    private static func readIntegers<Row>(_ paths: [WritableKeyPath<Row, Int32> & Sendable], into row: inout Row,
                                          _ r: inout SpoolRecordReader) -> Bool {
        for path in paths {
            guard let value = r.int64(), let narrow = Int32(exactly: value) else { return false }
            row[keyPath: path] = narrow
        }
        return true
    }
}
