import Foundation
import Tables

/// The read side of the store: finds calls and reads their messages and reports, on SQLite or PostgreSQL,
/// homer5 (time-named tables too) or homer7. Read-only; one connection per instance, used by one thread.
public final class CallStore {
    public struct Configuration: Sendable, Equatable {
        public var url: String
        public var flavour: SchemaFlavour
        /// Templates SIP rows are written with (`store.table` and every `capture` action's table).
        public var sipTemplates: [String]
        /// Templates report rows are written with (`store.report_table` and every `report` action's table).
        public var reportTemplates: [String]
        /// `store.shards`: every shard is read and the answers merged (CallStore+Shards.swift); empty = `url` alone.
        public var shardURLs: [String] = []

        public init(url: String, flavour: SchemaFlavour, sipTemplates: [String], reportTemplates: [String]) {
            self.url = url
            self.flavour = flavour
            self.sipTemplates = sipTemplates
            self.reportTemplates = reportTemplates
        }
    }

    public let configuration: Configuration
    private let database: any ReadOnlyDatabase
    private let sql: CallSQL
    /// One reader per shard when `configuration.shardURLs` is set.
    let shardReaders: [CallStore]
    /// Call-IDs per IN list.
    static let inListSize = 200

    public init(_ configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        let location = try StoreLocation(url: configuration.url)
        database = try ReadOnlyDatabases.open(location)
        sql = CallSQL(engine: location.engine, flavour: configuration.flavour)
        shardReaders = try Self.openShards(configuration)
    }

    deinit { database.close() }

    /// Calls matching `filter`, earliest first, at most `filter.limit` (capped at `CallFilter.maxLimit`).
    public func search(_ filter: CallFilter) throws(StoreError) -> [CallSummary] {
        if !shardReaders.isEmpty { return try searchShards(filter) }
        let limit = max(1, min(filter.limit, CallFilter.maxLimit))
        let tables = try tables(filter.window)
        var firstSeen: [String: Int64] = [:]
        for table in tables.sip {
            let statement = sql.search(table: table, filter: filter, limit: limit)
            for row in try database.rows(statement.sql, statement.parameters) {
                let callID = row[0].string
                let start = parseTime(row[1])
                if let known = firstSeen[callID], known <= start { continue }
                firstSeen[callID] = start
            }
        }
        let chosen = firstSeen.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(limit).map(\.key)
        // A call that starts in the window may go on past it: read its messages from the neighbouring days too.
        let messageTables = try self.tables(filter.window.map { TimeWindow(from: $0.from - 86_400_000_000, to: $0.to + 86_400_000_000) })
        let byCall = Dictionary(grouping: try messages(callIDs: chosen, tables: messageTables.sip), by: \.callID)
        return chosen.compactMap { byCall[$0].flatMap(CallSummary.init(messages:)) }
            .sorted { ($0.start, $0.callID) < ($1.start, $1.callID) }
    }

    /// One call's messages in time order and its correlated reports; nil when no message has this Call-ID.
    /// `window` nil: every table of the configured templates.
    public func call(_ callID: String, window: TimeWindow? = nil) throws(StoreError) -> CallRecord? {
        if !shardReaders.isEmpty { return try callFromShards(callID, window: window) }
        let tables = try tables(window)
        let messages = try messages(callIDs: [callID], tables: tables.sip)
        guard !messages.isEmpty else { return nil }
        var reports: [StoredReport] = []
        for table in tables.reports {
            let statement = sql.reports(table: table, correlationIDs: [callID])
            reports += try database.rows(statement.sql, statement.parameters).map { report($0, table: table) }
        }
        reports.sort { $0.microTimestamp < $1.microTimestamp }
        return CallRecord(callID: callID, messages: messages, reports: reports)
    }

    func tables(_ window: TimeWindow?) throws(StoreError) -> CallTables {
        CallTables.resolve(existing: try database.tableNames(), flavour: configuration.flavour,
                           sipTemplates: configuration.sipTemplates, reportTemplates: configuration.reportTemplates,
                           window: window)
    }

    private func messages(callIDs: [String], tables: [String]) throws(StoreError) -> [StoredMessage] {
        var result: [StoredMessage] = []
        var start = 0
        while start < callIDs.count {
            let chunk = Array(callIDs[start..<min(callIDs.count, start + Self.inListSize)])
            start += chunk.count
            for table in tables {
                let statement = sql.messages(table: table, callIDs: chunk)
                result += try database.rows(statement.sql, statement.parameters).map { message($0, table: table) }
            }
        }
        // Time order; equal times keep the order they were written in.
        let tableRank = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1, $0) })
        return result.sorted {
            ($0.microTimestamp, tableRank[$0.table] ?? 0, $0.id) < ($1.microTimestamp, tableRank[$1.table] ?? 0, $1.id)
        }
    }

    private func parseTime(_ value: QueryValue) -> Int64 {
        if case .integer(let v) = value { return v }
        return UTCTime.parse(value.string) ?? 0
    }

    private func message(_ row: [QueryValue], table: String) -> StoredMessage {
        switch configuration.flavour {
        case .homer5:
            return StoredMessage(
                microTimestamp: row[0].int, callID: row[1].string, method: row[2].string, replyReason: row[3].string,
                fromUser: row[4].string, toUser: row[5].string, cseq: row[6].string, sourceIP: row[7].string,
                sourcePort: Int(row[8].int), destinationIP: row[9].string, destinationPort: Int(row[10].int),
                ipProtocol: Int(row[11].int), node: row[12].string, raw: row[13].byteArray, table: table, id: row[14].int)
        case .homer7:
            let data = Self.jsonObject(row[2].string)
            let header = Self.jsonObject(row[3].string)
            let raw = row[4].byteArray
            let method = data["method"].map(Self.text) ?? ""
            return StoredMessage(
                microTimestamp: Self.headerTime(header) ?? parseTime(row[0]), callID: row[1].string, method: method,
                replyReason: method.first?.isNumber == true ? Self.reasonPhrase(raw) : "",
                fromUser: data["from_user"].map(Self.text) ?? "", toUser: data["to_user"].map(Self.text) ?? "",
                cseq: data["cseq"].map(Self.text) ?? "",
                sourceIP: header["srcIp"].map(Self.text) ?? "", sourcePort: Int(header["srcPort"].map(Self.text) ?? "") ?? 0,
                destinationIP: header["dstIp"].map(Self.text) ?? "",
                destinationPort: Int(header["dstPort"].map(Self.text) ?? "") ?? 0,
                ipProtocol: Int(header["protocol"].map(Self.text) ?? "") ?? 0,
                node: header["captureId"].map(Self.text) ?? "", raw: raw, table: table, id: row[5].int)
        }
    }

    private func report(_ row: [QueryValue], table: String) -> StoredReport {
        switch configuration.flavour {
        case .homer5:
            return StoredReport(
                microTimestamp: row[0].int, correlationID: row[1].string, sourceIP: row[2].string,
                sourcePort: Int(row[3].int), destinationIP: row[4].string, destinationPort: Int(row[5].int),
                payloadType: Int(row[6].int), node: row[7].string, text: row[8].string, table: table)
        case .homer7:
            let header = Self.jsonObject(row[2].string)
            return StoredReport(
                microTimestamp: Self.headerTime(header) ?? parseTime(row[0]), correlationID: row[1].string,
                sourceIP: header["srcIp"].map(Self.text) ?? "", sourcePort: Int(header["srcPort"].map(Self.text) ?? "") ?? 0,
                destinationIP: header["dstIp"].map(Self.text) ?? "",
                destinationPort: Int(header["dstPort"].map(Self.text) ?? "") ?? 0,
                payloadType: Int(header["payloadType"].map(Self.text) ?? "") ?? 0,
                node: header["captureId"].map(Self.text) ?? "", text: row[3].string, table: table)
        }
    }

    static func jsonObject(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    static func text(_ value: Any) -> String {
        if let s = value as? String { return s }
        if let n = value as? NSNumber { return n.stringValue }
        return ""
    }

    /// `timeSeconds`/`timeUseconds` of a HOMER 7 protocol_header: the exact capture time.
    static func headerTime(_ header: [String: Any]) -> Int64? {
        guard let seconds = header["timeSeconds"].flatMap({ Int64(text($0)) }) else { return nil }
        let micros = header["timeUseconds"].flatMap { Int64(text($0)) } ?? 0
        return seconds * 1_000_000 + micros
    }

    /// Reason phrase of a status line (`SIP/2.0 180 Ringing` → `Ringing`).
    static func reasonPhrase(_ raw: [UInt8]) -> String {
        let line = raw.prefix { $0 != 0x0D && $0 != 0x0A }
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        return parts.count == 3 ? String(decoding: parts[2], as: UTF8.self) : ""
    }
}
