import Foundation
import Glibc
import Testing
@testable import Store

/// The spool's on-disk format: header, deflated blocks, a torn last block ignored (earlier formats:
/// `SpoolRecordTests`).
@Suite(.serialized) struct SpoolFormatTests {
    @Test func segmentsCarryAVersionHeaderAndDeflatedBlocks() throws {
        let directory = try TestDirectories.fresh("spool-v2") + "/spool"
        let spool = try Spool(directory: directory, maxBytes: 1 << 30)
        let rows = (0..<2_000).map { Self.sipRow($0) }
        #expect(spool.enqueue(rows) == nil)
        spool.flush()
        let inflated = rows.reduce(0) { total, row in
            var record: [UInt8] = []
            SpoolCodec.encode(row, into: &record)
            return total + 4 + record.count
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".seg") }
        #expect(names.count == 1)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/" + (names.first ?? ""))))
        #expect(SpoolSegmentFormat.version(ofHeader: file[...]) == .three)
        #expect(spool.bytes == file.count, "capd_spool_bytes is what is on disk")
        #expect(file.count * 3 < inflated, "SIP rows deflate at least 3x: \(file.count) of \(inflated) bytes")
        let read = Self.readAll(spool)
        #expect(read.map(Self.callID) == (0..<2_000).map { "call-\($0)" })
        spool.shutdown()
    }

    @Test func tornLastBlockIsIgnored() throws {
        let directory = try TestDirectories.fresh("spool-torn") + "/spool"
        let first = try Spool(directory: directory, maxBytes: 1 << 30)
        #expect(first.enqueue((0..<100).map { Self.sipRow($0) }) == nil)
        first.flush()
        #expect(first.enqueue((100..<200).map { Self.sipRow($0) }) == nil)
        first.flush()
        first.shutdown()
        // A crash in the middle of writing the second block: cut the file inside it.
        let path = Spool.path(directory, Spool.firstSegment)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(truncate(path, off_t(size - 10)) == 0)
        let second = try Spool(directory: directory, maxBytes: 1 << 30)
        #expect(Self.readAll(second).map(Self.callID) == (0..<100).map { "call-\($0)" })
        second.shutdown()
    }

    static func readAll(_ spool: Spool) -> [StoreRow] {
        var rows: [StoreRow] = []
        while true {
            let items = spool.peek(maxRows: 500)
            guard let last = items.last else { return rows }
            rows += items.map(\.row)
            spool.advanceRead(to: last.end)
        }
    }

    static func callID(_ row: StoreRow) -> String {
        if case .sip(let r) = row { return r.callID }
        return ""
    }

    static func sipRow(_ i: Int) -> StoreRow {
        var r = SIPCaptureRow(table: "sip_capture", microTimestamp: 1_700_000_000_000_000 + Int64(i))
        r.method = "INVITE"
        r.callID = "call-\(i)"
        r.fromUser = "alice\(i % 50)"
        r.toUser = "bob\(i % 70)"
        r.userAgent = "Linphone/5.2.0 (belle-sip/5.2.0)"
        r.msg = Array(("INVITE sip:bob\(i % 70)@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK\(i)\r\n"
            + "From: <sip:alice\(i % 50)@example.com>;tag=\(i * 7919)\r\nTo: <sip:bob\(i % 70)@example.com>\r\n"
            + "Call-ID: call-\(i)\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.10:5060>\r\n"
            + "User-Agent: Linphone/5.2.0 (belle-sip/5.2.0)\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n").utf8)
        return .sip(r)
    }
}
