import CLibPQ
import CLibSQLite3
import Foundation
import Testing
@testable import Store

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The throwaway PostgreSQL cluster started by scripts/pg-test-cluster.sh (never skipped: missing → failure).
enum TestPostgres {
    static func baseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["CAPD_TEST_PG_URL"], !url.isEmpty else {
            throw TestFailure("CAPD_TEST_PG_URL is not set: run `eval \"$(scripts/pg-test-cluster.sh start)\"` first")
        }
        return url
    }

    /// A fresh schema named `name` in the test cluster, and a URL whose search_path points at it.
    static func isolatedURL(_ name: String, base: String? = nil) throws -> String {
        let base = try base ?? baseURL()
        try execute(base, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS \(name) CASCADE; CREATE SCHEMA \(name)")
        return withSearchPath(base, name)
    }

    static func withSearchPath(_ url: String, _ schema: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?") + "options=-c%20search_path%3D\(schema)"
        }
        return url + " options='-c search_path=\(schema)'"
    }

    static func connect(_ url: String) throws -> OpaquePointer {
        guard let conn = PQconnectdb(url), PQstatus(conn) == CONNECTION_OK else {
            throw TestFailure("cannot reach PostgreSQL at \(url)")
        }
        return conn
    }

    static func execute(_ url: String, _ sql: String) throws {
        let conn = try connect(url)
        defer { PQfinish(conn) }
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            throw TestFailure("\(sql): \(String(cString: PQerrorMessage(conn)))")
        }
    }

    /// Rows as [column: text] (NULL as "NULL").
    static func query(_ url: String, _ sql: String) throws -> [[String: String]] {
        let conn = try connect(url)
        defer { PQfinish(conn) }
        guard let result = PQexec(conn, sql) else { throw TestFailure("PQexec failed") }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_TUPLES_OK else {
            throw TestFailure("\(sql): \(String(cString: PQerrorMessage(conn)))")
        }
        var rows: [[String: String]] = []
        for r in 0..<PQntuples(result) {
            var row: [String: String] = [:]
            for c in 0..<PQnfields(result) {
                let name = String(cString: PQfname(result, c))
                row[name] = PQgetisnull(result, r, c) == 1 ? "NULL" : String(cString: PQgetvalue(result, r, c))
            }
            rows.append(row)
        }
        return rows
    }
}

enum TestSQLite {
    static func query(_ path: String, _ sql: String) throws -> [[String: String]] {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw TestFailure("cannot open \(path)")
        }
        defer { sqlite3_close(db) }
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else {
            throw TestFailure("\(sql): \(String(cString: sqlite3_errmsg(db)))")
        }
        defer { sqlite3_finalize(stmt) }
        var rows: [[String: String]] = []
        while sqlite3_step(stmt) == SQLITE_ROW {
            var row: [String: String] = [:]
            for c in 0..<sqlite3_column_count(stmt) {
                let name = String(cString: sqlite3_column_name(stmt, c))
                if sqlite3_column_type(stmt, c) == SQLITE_NULL {
                    row[name] = "NULL"
                } else if let text = sqlite3_column_text(stmt, c) {
                    row[name] = String(cString: text)
                } else {
                    row[name] = ""
                }
            }
            rows.append(row)
        }
        return rows
    }
}

enum TestDirectories {
    static func fresh(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "capd-store-tests/\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Polls `condition` for up to `seconds`.
func eventually(_ seconds: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(5_000)
    }
    return try condition()
}

/// SELECT list printing a homer5 sip row the same way in both engines (msg as hex).
func sipSelect(_ engine: Engine, table: String, order: String = "id") -> String {
    let columns = RowColumns.sip.map { c -> String in
        if c == "msg" { return engine == .postgres ? "encode(msg, 'hex') AS msg" : "lower(hex(msg)) AS msg" }
        if engine == .postgres && c == "date" { return "to_char(date, 'YYYY-MM-DD HH24:MI:SS.US') AS date" }
        return c
    }
    return "SELECT " + columns.joined(separator: ", ") + " FROM \"\(table)\" ORDER BY \(order)"
}
