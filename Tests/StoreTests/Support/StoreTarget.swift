import Foundation
import Testing
@testable import Store
import Tables

/// One database a store test runs against: a fresh SQLite file or a fresh PostgreSQL schema.
struct StoreTarget: CustomTestStringConvertible, Sendable {
    let engine: Engine
    var testDescription: String { engine.rawValue }

    static let both = [StoreTarget(engine: .sqlite), StoreTarget(engine: .postgres)]

    struct Instance {
        var settings: StoreSettings
        var engine: Engine
        var url: String
        var sqlitePath: String?

        func query(_ sql: String) throws -> [[String: String]] {
            if let sqlitePath { return try TestSQLite.query(sqlitePath, sql) }
            return try TestPostgres.query(url, sql)
        }

        func count(_ table: String) throws -> Int {
            Int(try query("SELECT count(*) AS n FROM \"\(table)\"").first?["n"] ?? "") ?? -1
        }

        func tables() throws -> Set<String> {
            let sql = sqlitePath != nil
                ? "SELECT name FROM sqlite_master WHERE type='table'"
                : "SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid=c.relnamespace WHERE n.nspname=current_schema() AND relkind IN ('r','p')"
            return Set(try query(sql).compactMap { $0["name"] })
        }
    }

    /// The documented defaults, but rows of any age kept (the tests write 2023 rows into time-named tables)
    /// and the batching these tests were written against (flush 200 ms, 2 connections).
    static func settings(url: String, spoolDirectory: String) -> StoreSettings {
        var settings = StoreSettings(url: url, spoolDirectory: spoolDirectory)
        settings.retentionDays = 0
        settings.flushMilliseconds = 200
        settings.maxInFlight = 2
        return settings
    }

    func make(_ name: String, schema: SchemaFlavour = .homer5, configure: (inout StoreSettings) -> Void = { _ in }) throws -> Instance {
        let directory = try TestDirectories.fresh(name)
        switch engine {
        case .sqlite:
            let path = directory + "/capd.db"
            var settings = Self.settings(url: "sqlite://" + path, spoolDirectory: directory + "/spool")
            settings.schema = schema
            configure(&settings)
            return Instance(settings: settings, engine: .sqlite, url: settings.url, sqlitePath: path)
        case .postgres:
            let url = try TestPostgres.isolatedURL("t_" + name.lowercased())
            var settings = Self.settings(url: url, spoolDirectory: directory + "/spool")
            settings.schema = schema
            configure(&settings)
            return Instance(settings: settings, engine: .postgres, url: url, sqlitePath: nil)
        }
    }
}
