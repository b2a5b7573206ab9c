/// Binary form of a row in the spool (and in dead-letter records): a kind byte, then fields in a fixed order.
enum SpoolCodec {
    static func encode(_ row: StoreRow, into out: inout [UInt8]) {
        var w = Writer(out: out)
        out = []
        switch row {
        case .sip(let r):
            w.byte(1)
            w.string(r.table); w.int64(r.microTimestamp); w.int64(r.receiveMicroTimestamp)
            for s in [r.method, r.replyReason, r.ruri, r.ruriUser, r.ruriDomain, r.fromUser, r.fromDomain, r.fromTag,
                      r.toUser, r.toDomain, r.toTag, r.pidUser, r.contactUser, r.authUser, r.callID, r.callIDALeg,
                      r.via1, r.via1Branch, r.cseq, r.diversion, r.reason, r.contentType, r.auth, r.userAgent,
                      r.sourceIP, r.destinationIP, r.contactIP, r.originatorIP, r.rtpStat, r.node, r.correlationID,
                      r.customField1, r.customField2, r.customField3] { w.string(s) }
            for v in [r.sourcePort, r.destinationPort, r.contactPort, r.originatorPort, r.proto, r.type] { w.int64(Int64(v)) }
            w.int64(r.family.map { Int64($0) } ?? Int64.min)
            w.bytes(r.msg)
        case .report(let r):
            w.byte(2)
            w.string(r.table); w.int64(r.microTimestamp); w.int64(r.receiveMicroTimestamp)
            for s in [r.correlationID, r.sourceIP, r.destinationIP, r.node, r.msg] { w.string(s) }
            for v in [r.sourcePort, r.destinationPort, r.proto, r.type] { w.int64(Int64(v)) }
            w.int64(r.family.map { Int64($0) } ?? Int64.min)
        case .homerSeven(let r):
            w.byte(3)
            w.string(r.table); w.int64(r.createDate); w.int64(r.receiveMicroTimestamp)
            for s in [r.sid, r.protocolHeader, r.dataHeader, r.raw] { w.string(s) }
        }
        out = w.out
    }

    static func decode(_ bytes: ArraySlice<UInt8>) -> StoreRow? {
        var r = Reader(bytes: bytes)
        guard let kind = r.byte() else { return nil }
        switch kind {
        case 1:
            guard let table = r.string(), let ts = r.int64(), let rts = r.int64() else { return nil }
            var row = SIPCaptureRow(table: table, microTimestamp: ts, receiveMicroTimestamp: rts)
            var s: [String] = []
            for _ in 0..<34 { guard let v = r.string() else { return nil }; s.append(v) }
            (row.method, row.replyReason, row.ruri, row.ruriUser, row.ruriDomain, row.fromUser) = (s[0], s[1], s[2], s[3], s[4], s[5])
            (row.fromDomain, row.fromTag, row.toUser, row.toDomain, row.toTag, row.pidUser) = (s[6], s[7], s[8], s[9], s[10], s[11])
            (row.contactUser, row.authUser, row.callID, row.callIDALeg, row.via1, row.via1Branch) = (s[12], s[13], s[14], s[15], s[16], s[17])
            (row.cseq, row.diversion, row.reason, row.contentType, row.auth, row.userAgent) = (s[18], s[19], s[20], s[21], s[22], s[23])
            (row.sourceIP, row.destinationIP, row.contactIP, row.originatorIP, row.rtpStat, row.node) = (s[24], s[25], s[26], s[27], s[28], s[29])
            (row.correlationID, row.customField1, row.customField2, row.customField3) = (s[30], s[31], s[32], s[33])
            var n: [Int32] = []
            for _ in 0..<6 { guard let v = r.int64(), let i = Int32(exactly: v) else { return nil }; n.append(i) }
            (row.sourcePort, row.destinationPort, row.contactPort, row.originatorPort, row.proto, row.type) = (n[0], n[1], n[2], n[3], n[4], n[5])
            guard let family = r.int64(), let msg = r.blob() else { return nil }
            row.family = family == Int64.min ? nil : Int16(truncatingIfNeeded: family)
            row.msg = msg
            return r.atEnd ? .sip(row) : nil
        case 2:
            guard let table = r.string(), let ts = r.int64(), let rts = r.int64() else { return nil }
            var row = ReportRow(table: table, microTimestamp: ts, receiveMicroTimestamp: rts)
            var s: [String] = []
            for _ in 0..<5 { guard let v = r.string() else { return nil }; s.append(v) }
            (row.correlationID, row.sourceIP, row.destinationIP, row.node, row.msg) = (s[0], s[1], s[2], s[3], s[4])
            var n: [Int32] = []
            for _ in 0..<4 { guard let v = r.int64(), let i = Int32(exactly: v) else { return nil }; n.append(i) }
            (row.sourcePort, row.destinationPort, row.proto, row.type) = (n[0], n[1], n[2], n[3])
            guard let family = r.int64() else { return nil }
            row.family = family == Int64.min ? nil : Int16(truncatingIfNeeded: family)
            return r.atEnd ? .report(row) : nil
        case 3:
            guard let table = r.string(), let ts = r.int64(), let rts = r.int64() else { return nil }
            var s: [String] = []
            for _ in 0..<4 { guard let v = r.string() else { return nil }; s.append(v) }
            guard r.atEnd else { return nil }
            return .homerSeven(HomerSevenRow(table: table, sid: s[0], createDate: ts, receiveMicroTimestamp: rts,
                                             protocolHeader: s[1], dataHeader: s[2], raw: s[3]))
        default:
            return nil
        }
    }

    /// A record saying "the next `rows` rows were sent as batch `id` and its outcome is unknown" (written at
    /// shutdown with the database down, so that the next start looks the batch up instead of writing it twice).
    static func encodeLostBatch(_ id: BatchID, rows: Int, into out: inout [UInt8]) {
        var w = Writer(out: out)
        w.byte(4)
        w.int64(Int64(bitPattern: id.high))
        w.int64(Int64(bitPattern: id.low))
        w.int64(Int64(rows))
        out = w.out
    }

    static func decodeLostBatch(_ bytes: ArraySlice<UInt8>) -> (id: BatchID, rows: Int)? {
        var r = Reader(bytes: bytes)
        guard r.byte() == 4, let high = r.int64(), let low = r.int64(), let rows = r.int64(), r.atEnd,
              rows > 0, rows <= Int64(Int32.max)
        else { return nil }
        return (BatchID(high: UInt64(bitPattern: high), low: UInt64(bitPattern: low)), Int(rows))
    }

    struct Writer {
        var out: [UInt8]
        mutating func byte(_ b: UInt8) { out.append(b) }
        mutating func int64(_ v: Int64) {
            let u = UInt64(bitPattern: v)
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: u >> UInt64(shift))) }
        }
        mutating func length(_ n: Int) {
            let u = UInt32(truncatingIfNeeded: n)
            for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: u >> UInt32(shift))) }
        }
        mutating func string(_ s: String) { length(s.utf8.count); out.append(contentsOf: s.utf8) }
        mutating func bytes(_ b: [UInt8]) { length(b.count); out.append(contentsOf: b) }
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int
        init(bytes: ArraySlice<UInt8>) { self.bytes = bytes; index = bytes.startIndex }
        var atEnd: Bool { index == bytes.endIndex }
        mutating func byte() -> UInt8? {
            guard index < bytes.endIndex else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        mutating func int64() -> Int64? {
            guard bytes.endIndex - index >= 8 else { return nil }
            var u: UInt64 = 0
            for i in 0..<8 { u |= UInt64(bytes[index + i]) << UInt64(8 * i) }
            index += 8
            return Int64(bitPattern: u)
        }
        mutating func length() -> Int? {
            guard bytes.endIndex - index >= 4 else { return nil }
            var u: UInt32 = 0
            for i in 0..<4 { u |= UInt32(bytes[index + i]) << UInt32(8 * i) }
            index += 4
            let n = Int(u)
            return bytes.endIndex - index >= n ? n : nil
        }
        mutating func string() -> String? {
            guard let n = length() else { return nil }
            defer { index += n }
            return String(decoding: bytes[index..<(index + n)], as: UTF8.self)
        }
        mutating func blob() -> [UInt8]? {
            guard let n = length() else { return nil }
            defer { index += n }
            return Array(bytes[index..<(index + n)])
        }
    }
}
