import Foundation
import Testing
@testable import Store

/// Spool records: described by the row families' columns (segment format version 3), and the fixed-layout
/// records of versions 1 and 2 still replayed.
@Suite struct SpoolRecordTests {
    /// A segment written by capd before described records (format version 2: header, deflated block, fixed
    /// layout), kept as a file: `SpoolRecordTests.fixtureRows` with a lost-batch marker before the second row.
    @Test func versionTwoSegmentOfAnEarlierBuildReplays() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/spool-v2-fixed-layout.seg")
        let directory = try TestDirectories.fresh("spool-fixed") + "/spool"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.path, toPath: Spool.path(directory, Spool.firstSegment))
        let bytes = try [UInt8](Data(contentsOf: fixture))
        #expect(SpoolSegmentFormat.version(ofHeader: bytes[...]) == .two)
        let spool = try Spool(directory: directory, maxBytes: 1 << 30)
        defer { spool.shutdown() }
        let items = spool.peek(maxRows: 100)
        #expect(items.map(\.row) == Self.fixtureRows)
        #expect(items.count == 5)
        let marker = try #require(items.dropFirst().first?.lostBatch)
        #expect(marker.id == BatchID(high: 0x0123_4567_89AB_CDEF, low: 42))
        #expect(marker.rows == 2)
        #expect(items.first?.lostBatch == nil)
    }

    /// Version 1 (no header, records back to back, each after a 4-byte length): the fixture's records, inflated.
    @Test func versionOneSegmentOfAnEarlierBuildReplays() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/spool-v2-fixed-layout.seg")
        let bytes = try [UInt8](Data(contentsOf: fixture))
        let (records, _) = try #require(SpoolSegmentFormat.inflateBlock(bytes, at: SpoolSegmentFormat.headerSize))
        let directory = try TestDirectories.fresh("spool-v1") + "/spool"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(records).write(to: URL(fileURLWithPath: Spool.path(directory, Spool.firstSegment)))
        #expect(SpoolSegmentFormat.version(ofHeader: records[...]) == .one)
        let spool = try Spool(directory: directory, maxBytes: 1 << 30)
        defer { spool.shutdown() }
        let items = spool.peek(maxRows: 100)
        #expect(items.map(\.row) == Self.fixtureRows)
        #expect(items.dropFirst().first?.lostBatch?.rows == 2)
    }

    @Test func segmentOfANewerFormatIsLeftOnDisk() throws {
        let directory = try TestDirectories.fresh("spool-v9") + "/spool"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = Spool.path(directory, Spool.firstSegment)
        let future = Array("CAPDSPL".utf8) + [9] + [UInt8](repeating: 0, count: 40)
        try Data(future).write(to: URL(fileURLWithPath: path))
        let spool = try Spool(directory: directory, maxBytes: 1 << 30)
        #expect(spool.peek(maxRows: 10).isEmpty)
        spool.shutdown()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func newSegmentsAreVersionThreeAndRoundTripEveryFamily() throws {
        let directory = try TestDirectories.fresh("spool-v3") + "/spool"
        let spool = try Spool(directory: directory, maxBytes: 1 << 30)
        defer { spool.shutdown() }
        #expect(spool.enqueue(Self.fixtureRows) == nil)
        spool.flush()
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + (names.first ?? ""))))
        #expect(SpoolSegmentFormat.version(ofHeader: file[...]) == .three)
        #expect(spool.peek(maxRows: 100).map(\.row) == Self.fixtureRows)
    }

    @Test func recordWithoutColumnsAppendedLaterDecodesWithDefaults() throws {
        guard case .sip(var row) = Self.fixtureRows[0] else { Issue.record("fixture"); return }
        row.msg = []
        var record: [UInt8] = []
        SpoolCodec.encode(.sip(row), into: &record)
        // The same record as a capd whose description ended before `msg` wrote it: one column fewer.
        let countOffset = 1 + 4 + row.table.utf8.count + 8
        record[countOffset] -= 1
        record.removeLast(5)  // msg: tag + empty length
        #expect(SpoolCodec.decode(record[...]) == .sip(row))
        // A column this build does not know (written by a newer one) is read past.
        var newer: [UInt8] = []
        SpoolCodec.encode(.sip(row), into: &newer)
        newer[countOffset] += 1
        newer += [SpoolCodec.Tag.string.rawValue, 2, 0, 0, 0, 0x68, 0x69]
        #expect(SpoolCodec.decode(newer[...]) == .sip(row))
    }

    @Test func recordWhoseColumnChangedTypeIsRefused() throws {
        var record: [UInt8] = []
        SpoolCodec.encode(Self.fixtureRows[0], into: &record)
        let firstTag = 1 + 4 + "sip_capture_all_%Y%m%d".utf8.count + 8 + 4
        #expect(record[firstTag] == SpoolCodec.Tag.int64.rawValue)  // date
        record[firstTag] = SpoolCodec.Tag.int32.rawValue
        #expect(SpoolCodec.decode(record[...]) == nil)
        #expect(SpoolCodec.decode(record.dropLast()) == nil)
    }

    /// The rows in the fixture segment.
    static let fixtureRows: [StoreRow] = {
    var rows: [StoreRow] = []
    for i in 0..<3 {
        var r = SIPCaptureRow(table: "sip_capture_all_%Y%m%d", microTimestamp: 1_700_000_000_000_000 + Int64(i),
                              receiveMicroTimestamp: 1_700_000_000_500_000 + Int64(i))
        r.method = "INVITE"; r.replyReason = "r\(i)"; r.ruri = "sip:bob@example.com"; r.ruriUser = "bob"
        r.ruriDomain = "example.com"; r.fromUser = "alice"; r.fromDomain = "example.org"; r.fromTag = "ft\(i)"
        r.toUser = "bob"; r.toDomain = "example.com"; r.toTag = "tt\(i)"; r.pidUser = "pid"; r.contactUser = "cu"
        r.authUser = "au"; r.callID = "call-\(i)"; r.callIDALeg = "aleg"; r.via1 = "SIP/2.0/UDP 192.0.2.1"
        r.via1Branch = "z9hG4bK\(i)"; r.cseq = "1 INVITE"; r.diversion = "div"; r.reason = "rsn"
        r.contentType = "application/sdp"; r.auth = "auth"; r.userAgent = "ua/1"; r.sourceIP = "192.0.2.1"
        r.sourcePort = 5060; r.destinationIP = "192.0.2.2"; r.destinationPort = 5062; r.contactIP = "192.0.2.3"
        r.contactPort = 5070; r.originatorIP = "198.51.100.1"; r.originatorPort = 5080; r.proto = 17
        r.family = i == 1 ? nil : 2; r.rtpStat = "rtp"; r.type = 1; r.node = "capd:\(i)"; r.correlationID = "corr"
        r.customField1 = "c1"; r.customField2 = "c2"; r.customField3 = "c3"
        r.msg = Array("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: call-\(i)\r\n\r\n".utf8)
        rows.append(.sip(r))
    }
    var report = ReportRow(table: "rtcp_capture", microTimestamp: 1_700_000_001_000_000, receiveMicroTimestamp: 1_700_000_001_000_001)
    report.correlationID = "corr"; report.sourceIP = "192.0.2.1"; report.sourcePort = 7078
    report.destinationIP = "192.0.2.2"; report.destinationPort = 7080; report.proto = 17; report.family = 2
    report.type = 5; report.node = "capd"; report.msg = "{\"type\":200}"
    rows.append(.report(report))
    rows.append(.homerSeven(HomerSevenRow(table: "hep_proto_1_call", sid: "call-0", createDate: 1_700_000_002_000_000,
                                          receiveMicroTimestamp: 1_700_000_002_000_002, protocolHeader: "{\"a\":1}",
                                          dataHeader: "{\"b\":2}", raw: "INVITE")))
        return rows
    }()
}
