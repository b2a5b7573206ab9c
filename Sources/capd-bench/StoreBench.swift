import CLibPQ
import CLibSQLite3
import Foundation
import Store

// capd-bench store [--rows N] [--batch ROWS] [--rounds N] [--pg URL] [--keep DIR]
// Rows/s of realistic SIP rows through `Store` into PostgreSQL (fsync on) and SQLite, each next to its
// ceiling measured in the same run: psql `\copy` of the same rows from a file; SQLite bulk insert of the
// same rows in one transaction. PostgreSQL URL: --pg or $CAPD_TEST_PG_URL.
func storeBench(_ arguments: [String]) throws {
    var rowCount = 200_000
    var pgURL = ProcessInfo.processInfo.environment["CAPD_TEST_PG_URL"]
    var keep: String?
    var batch = 500
    var rounds = 3
    var i = 0
    while i < arguments.count {
        switch arguments[i] {
        case "--rows": i += 1; rowCount = Int(arguments[safe: i] ?? "") ?? rowCount
        case "--pg": i += 1; pgURL = arguments[safe: i]
        case "--keep": i += 1; keep = arguments[safe: i]
        case "--batch": i += 1; batch = Int(arguments[safe: i] ?? "") ?? batch
        case "--rounds": i += 1; rounds = max(1, Int(arguments[safe: i] ?? "") ?? rounds)
        default: print("store bench: unknown argument \(arguments[i])")
        }
        i += 1
    }
    let work = keep ?? (NSTemporaryDirectory() + "capd-store-bench-\(getpid())")
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { if keep == nil { try? FileManager.default.removeItem(atPath: work) } }

    let rows = StoreBenchRows.make(rowCount)
    let averageMsg = rows.reduce(0) { $0 + $1.msg.count } / max(1, rows.count)
    print("store: \(rowCount) rows, msg avg \(averageMsg) B (INVITE/REGISTER/OPTIONS, unique Call-IDs)")
    let storeRows = rows.map { StoreRow.sip($0) }
    var copyBytes = 0, spoolBytes = 0
    let copyEncode = seconds { copyBytes = postgresBinaryCopyPayload(storeRows).count }
    let spoolEncode = seconds { spoolBytes = spoolRecordBytes(storeRows) }
    print(String(format: "store: per-row encoding: binary COPY %.0f ns/row (%d B), spool record %.0f ns/row (%d B)",
                 copyEncode * 1e9 / Double(rows.count), copyBytes, spoolEncode * 1e9 / Double(rows.count), spoolBytes))

    if let pgURL {
        try benchPostgres(rows, url: pgURL, work: work, batch: batch, rounds: rounds)
    } else {
        print("store: PostgreSQL skipped (no --pg URL and no CAPD_TEST_PG_URL)")
    }
    try benchSQLite(rows, work: work, batch: batch, rounds: rounds)
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = start.duration(to: .now)
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

private func rate(_ n: Int, _ s: Double) -> String { String(format: "%8.0f rows/s (%.2f s)", Double(n) / s, s) }

// MARK: - PostgreSQL

private func benchPostgres(_ rows: [SIPCaptureRow], url: String, work: String, batch: Int, rounds: Int) throws {
    let textFile = work + "/rows.copy"
    try StoreBenchRows.copyText(rows).write(to: URL(fileURLWithPath: textFile))
    let binaryFile = work + "/rows.bin"
    let storeRows = rows.map { StoreRow.sip($0) }
    var payload: [UInt8] = []
    let encode = seconds { payload = postgresBinaryCopyPayload(storeRows) }
    print(String(format: "store: binary COPY encoding on the writer thread: %.0f ns/row", encode * 1e9 / Double(rows.count)))
    try Data(payload).write(to: URL(fileURLWithPath: binaryFile))
    let columns = StoreBenchRows.columns.joined(separator: ",")
    var best = (text: 0.0, binary: 0.0, capd: 0.0, capd1: 0.0)
    // Rounds interleave ceiling and capd so that both see the same machine (other load comes and goes).
    for round in 1...rounds {
        // Ceiling: psql \copy of the same rows (text format, one COPY) into capd's own table layout and indexes.
        let ceilingURL = try benchSchema(url, "bench_ceiling")
        _ = try runStore(ceilingURL, rows: [], work: work + "/ceiling-init-\(round)")
        let text = try seconds { try runPsql(ceilingURL, "\\copy sip_capture (\(columns)) FROM '\(textFile)'") }
        // The same rows in binary COPY format (what capd sends): does skipping text parsing pay?
        let binaryURL = try benchSchema(url, "bench_binary")
        _ = try runStore(binaryURL, rows: [], work: work + "/binary-init-\(round)")
        let binary = try seconds {
            try runPsql(binaryURL, "\\copy sip_capture (\(columns)) FROM '\(binaryFile)' WITH (FORMAT binary)")
        }
        let capdURL = try benchSchema(url, "bench_capd")
        _ = try runStore(capdURL, rows: [], work: work + "/capd-init-\(round)")
        var stored = 0
        let capd = try seconds { stored = try runStore(capdURL, rows: rows, work: work + "/capd-\(round)", batch: batch) }
        guard stored == rows.count else { throw StoreError.badSettings("bench: stored \(stored) of \(rows.count) rows") }
        let oneURL = try benchSchema(url, "bench_capd1")
        _ = try runStore(oneURL, rows: [], work: work + "/capd1-init-\(round)")
        let one = try seconds { _ = try runStore(oneURL, rows: rows, work: work + "/capd1-\(round)", maxInFlight: 1, batch: batch) }
        print("store: postgres round \(round): text \\copy \(Int(Double(rows.count) / text)), binary \\copy \(Int(Double(rows.count) / binary)), "
            + "capd in-flight 2 \(Int(Double(rows.count) / capd)), in-flight 1 \(Int(Double(rows.count) / one)) rows/s")
        best = (max(best.text, Double(rows.count) / text), max(best.binary, Double(rows.count) / binary),
                max(best.capd, Double(rows.count) / capd), max(best.capd1, Double(rows.count) / one))
    }
    print(String(format: "store: postgres best of %d: ceiling psql \\copy text %.0f rows/s, binary %.0f rows/s (%.2fx text)", rounds, best.text, best.binary, best.binary / best.text))
    print(String(format: "store: postgres best of %d: capd Store batch %d in flight 2 %.0f rows/s = %.2fx text ceiling, %.2fx binary; in flight 1 %.0f rows/s",
                 rounds, batch, best.capd, best.capd / best.text, best.capd / best.binary, best.capd1))
}

private func benchSchema(_ url: String, _ name: String) throws -> String {
    try pgExec(url, "SET client_min_messages=warning; DROP SCHEMA IF EXISTS \(name) CASCADE; CREATE SCHEMA \(name)")
    let suffix = "options=-c%20search_path%3D\(name)"
    if url.hasPrefix("postgres") { return url + (url.contains("?") ? "&" : "?") + suffix }
    return url + " options='-c search_path=\(name)'"
}

private func pgExec(_ url: String, _ sql: String) throws {
    guard let conn = PQconnectdb(url), PQstatus(conn) == CONNECTION_OK else {
        throw StoreError.connectFailed("bench: cannot connect to \(url)")
    }
    defer { PQfinish(conn) }
    let result = PQexec(conn, sql)
    defer { PQclear(result) }
    guard PQresultStatus(result) == PGRES_COMMAND_OK else {
        throw StoreError.statementFailed(sqlState: "", message: String(cString: PQerrorMessage(conn)))
    }
}

private func runPsql(_ url: String, _ command: String) throws {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let words = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, "psql", &actions, nil, argv, environ) == 0 else { throw StoreError.connectFailed("bench: psql not found") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0 else { throw StoreError.statementFailed(sqlState: "", message: "bench: psql failed (\(status))") }
}

/// Appends every row, closes, returns the rows stored.
private func runStore(_ url: String, rows: [SIPCaptureRow], work: String, maxInFlight: Int = 2, batch: Int = 500) throws -> Int {
    var settings = StoreSettings(url: url, spoolDirectory: work + "/spool")
    settings.batchRows = batch
    settings.maxInFlight = maxInFlight
    settings.queueCapacity = max(100_000, rows.count)
    let store = try Store(settings: settings)
    var spooled = 0
    for row in rows {
        if store.append(.sip(row)) == .spooled { spooled += 1 }
    }
    let report = store.close(timeout: .seconds(600))
    guard report.complete else { throw StoreError.badSettings("bench: \(report)") }
    if spooled > 0 { print("store:   (\(spooled) rows went through the spool: the queue was full)") }
    return Int(store.metrics().totalStored)
}

// MARK: - SQLite

private func benchSQLite(_ rows: [SIPCaptureRow], work: String, batch: Int, rounds: Int) throws {
    var best = (ceiling: 0.0, capd: 0.0)
    for round in 1...rounds {
        let (ceiling, capd) = try sqliteRound(rows, work: work + "/sqlite-\(round)", batch: batch)
        print(String(format: "store: sqlite round %d: ceiling %.0f, capd %.0f rows/s", round, ceiling, capd))
        best = (max(best.ceiling, ceiling), max(best.capd, capd))
    }
    print(String(format: "store: sqlite best of %d: ceiling (one transaction, prepared INSERT) %.0f rows/s; capd Store (%d-row transactions) %.0f rows/s = %.2fx ceiling",
                 rounds, best.ceiling, batch, best.capd, best.capd / best.ceiling))
}

private func sqliteRound(_ rows: [SIPCaptureRow], work: String, batch: Int) throws -> (Double, Double) {
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    // Ceiling: the same rows, one prepared INSERT, one transaction, same schema and pragmas.
    let ceilingPath = work + "/ceiling.db"
    _ = try runStore("sqlite://" + ceilingPath, rows: [], work: work + "/sq-ceiling-init")
    let db = try SQLiteFile(path: ceilingPath)
    for pragma in SQLiteTuning.pragmas { try db.exec("PRAGMA " + pragma) }  // as capd opens it
    let columns = StoreBenchRows.columns
    let stmt = try db.prepare("INSERT INTO sip_capture (" + columns.joined(separator: ",") + ") VALUES ("
        + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")")
    defer { sqlite3_finalize(stmt) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    let ceiling = try seconds {
        try db.exec("BEGIN")
        for row in rows {
            for (index, value) in StoreBenchRows.values(row).enumerated() {
                let i = Int32(index + 1)
                switch value {
                case .text(let s): sqlite3_bind_text(stmt, i, s, -1, transient)
                case .int(let v): sqlite3_bind_int64(stmt, i, v)
                case .blob(let b): _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, i, $0.baseAddress, Int32($0.count), transient) }
                }
            }
            sqlite3_step(stmt)
            sqlite3_reset(stmt)
        }
        try db.exec("COMMIT")
    }
    let path = work + "/capd.db"
    var stored = 0
    let capd = try seconds { stored = try runStore("sqlite://" + path, rows: rows, work: work + "/sq-capd", batch: batch) }
    guard stored == rows.count else { throw StoreError.badSettings("bench: sqlite stored \(stored) of \(rows.count)") }
    return (Double(rows.count) / ceiling, Double(rows.count) / capd)
}

// MARK: - Rows

enum StoreBenchRows {
    static let columns = [
        "date", "micro_ts", "method", "reply_reason", "ruri", "ruri_user", "ruri_domain", "from_user", "from_domain",
        "from_tag", "to_user", "to_domain", "to_tag", "pid_user", "contact_user", "auth_user", "callid", "callid_aleg",
        "via_1", "via_1_branch", "cseq", "diversion", "reason", "content_type", "auth", "user_agent", "source_ip",
        "source_port", "destination_ip", "destination_port", "contact_ip", "contact_port", "originator_ip",
        "originator_port", "correlation_id", "custom_field1", "custom_field2", "custom_field3", "proto", "family",
        "rtp_stat", "type", "node", "msg",
    ]

    enum Value { case text(String), int(Int64), blob([UInt8]) }

    static func make(_ n: Int) -> [SIPCaptureRow] {
        let methods = ["INVITE", "REGISTER", "OPTIONS"]
        let base: Int64 = 1_700_000_000_000_000
        return (0..<n).map { i in
            let method = methods[i % 3]
            let callID = String(format: "%08x-%04x-bench@10.0.%d.%d", i, i % 65_536, (i >> 8) % 256, i % 256)
            let from = "1555\(String(format: "%07d", i % 10_000_000))"
            let to = "1666\(String(format: "%07d", (i * 7) % 10_000_000))"
            let branch = "z9hG4bK\(String(i, radix: 16))bench"
            var r = SIPCaptureRow(table: "sip_capture", microTimestamp: base + Int64(i) * 100)
            r.method = method
            r.ruri = "sip:\(to)@sip.example.net"
            r.ruriUser = to
            r.ruriDomain = "sip.example.net"
            r.fromUser = from
            r.fromDomain = "pbx.example.com"
            r.fromTag = "ft\(i)"
            r.toUser = method == "REGISTER" ? from : to
            r.toDomain = "sip.example.net"
            r.callID = callID
            r.via1 = "SIP/2.0/UDP 10.0.0.1:5060;branch=\(branch)"
            r.via1Branch = branch
            r.cseq = "\(i % 1000 + 1) \(method)"
            r.userAgent = "bench-ua/2.1"
            r.contactUser = from
            r.sourceIP = "10.0.0.1"
            r.sourcePort = 5060
            r.destinationIP = "10.0.0.2"
            r.destinationPort = 5060
            r.contactIP = "10.0.0.1"
            r.contactPort = 5060
            r.proto = 17
            r.family = 2
            r.type = 1
            r.node = "homer01:2001"
            let text = "\(method) sip:\(to)@sip.example.net SIP/2.0\r\n"
                + "Via: \(r.via1)\r\nMax-Forwards: 70\r\n"
                + "From: <sip:\(from)@pbx.example.com>;tag=ft\(i)\r\nTo: <sip:\(r.toUser)@sip.example.net>\r\n"
                + "Call-ID: \(callID)\r\nCSeq: \(r.cseq)\r\nContact: <sip:\(from)@10.0.0.1:5060>\r\n"
                + "User-Agent: bench-ua/2.1\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, NOTIFY\r\n"
                + "Supported: replaces, timer\r\nP-Asserted-Identity: <sip:\(from)@pbx.example.com>\r\n"
                + "X-Bench: \(String(repeating: "x", count: 64))\r\nContent-Length: 0\r\n\r\n"
            r.msg = Array(text.utf8)
            return r
        }
    }

    static func values(_ r: SIPCaptureRow) -> [Value] {
        let date = dateText(r.microTimestamp)
        return [
            .text(date), .int(r.microTimestamp), .text(r.method), .text(r.replyReason), .text(r.ruri), .text(r.ruriUser),
            .text(r.ruriDomain), .text(r.fromUser), .text(r.fromDomain), .text(r.fromTag), .text(r.toUser),
            .text(r.toDomain), .text(r.toTag), .text(r.pidUser), .text(r.contactUser), .text(r.authUser), .text(r.callID),
            .text(r.callIDALeg), .text(r.via1), .text(r.via1Branch), .text(r.cseq), .text(r.diversion), .text(r.reason),
            .text(r.contentType), .text(r.auth), .text(r.userAgent), .text(r.sourceIP), .int(Int64(r.sourcePort)),
            .text(r.destinationIP), .int(Int64(r.destinationPort)), .text(r.contactIP), .int(Int64(r.contactPort)),
            .text(r.originatorIP), .int(Int64(r.originatorPort)), .text(r.correlationID), .text(r.customField1),
            .text(r.customField2), .text(r.customField3), .int(Int64(r.proto)), .int(Int64(r.family ?? 0)),
            .text(r.rtpStat), .int(Int64(r.type)), .text(r.node), .blob(r.msg),
        ]
    }

    static func dateText(_ micros: Int64) -> String {
        var t = time_t(micros / 1_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(micros % 1_000_000))
    }

    /// COPY text format: tab-separated, `\t \n \r \\` escaped, bytea as `\\x` hex.
    static func copyText(_ rows: [SIPCaptureRow]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(rows.count * 1_600)
        let hex = Array("0123456789abcdef".utf8)
        for row in rows {
            for (index, value) in values(row).enumerated() {
                if index > 0 { out.append(0x09) }
                switch value {
                case .int(let v): out.append(contentsOf: String(v).utf8)
                case .text(let s):
                    for b in s.utf8 {
                        switch b {
                        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                        case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                        case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                        case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                        default: out.append(b)
                        }
                    }
                case .blob(let bytes):
                    out.append(contentsOf: [0x5C, 0x5C, UInt8(ascii: "x")])
                    for b in bytes {
                        out.append(hex[Int(b >> 4)])
                        out.append(hex[Int(b & 0x0F)])
                    }
                }
            }
            out.append(0x0A)
        }
        return Data(out)
    }
}
