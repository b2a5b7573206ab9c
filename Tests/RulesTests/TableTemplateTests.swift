import CLibSQLite3
import Foundation
import Testing
import TestSupport
import Rules
import Tables

/// The one table-name type: expansion in UTC, and the validation that `capd check` and `capd run` share.
@Suite struct TableTemplateTests {
    // 2023-11-14 22:13:20 UTC
    let t: Int64 = 1_700_000_000

    @Test func expandsInUTC() throws {
        #expect(try TableTemplate(validating: "sip_capture_call_%Y%m%d").expand(epochSeconds: t) == "sip_capture_call_20231114")
        #expect(try TableTemplate(validating: "homer_%m_%d").expand(epochSeconds: t) == "homer_11_14")
        #expect(try TableTemplate(validating: "x_%Y%m%d_%H%M%S").expand(epochSeconds: t) == "x_20231114_221320")
        #expect(try TableTemplate(validating: "w_%G_%V_%u").expand(epochSeconds: t) == "w_2023_46_2")
        #expect(try TableTemplate(validating: "sip_capture").expand(epochSeconds: 0) == "sip_capture")
        #expect(try TableTemplate(validating: "t_%Y%m%d").expand(microTimestamp: -1) == "t_19691231")
        #expect(try TableTemplate(validating: "t_%Y%m%d").isHourGranular)
        #expect(try !TableTemplate(validating: "t_%H%M").isHourGranular)
        #expect(try TableTemplate(validating: "t_%Y%m%d").isDayGranular)
        #expect(try !TableTemplate(validating: "t_%Y%m%d%H").isDayGranular)
    }

    /// The templates of issue 15 row 5, which `capd check` accepted and the store could not create.
    @Test func rejectsWhatNoStoreCanCreate() {
        let cases: [(String, String)] = [
            ("select", "'select' is a reserved word of SQLite and PostgreSQL"),
            ("1sip", "'1sip' starts with a digit"),
            ("sqlite_x", "'sqlite_x' starts with 'sqlite_'"),
            ("sip_%e", "'sip_%e' expands to 'sip_ 1' (at 2028-01-01 00:00:00 UTC), which contains ' '"),
            ("%Y_sip", "'%Y_sip' expands to '2028_sip' (at 2028-01-01 00:00:00 UTC), which starts with a digit"),
            ("sip_%F", "'sip_%F' uses %F, which is not supported"),
            ("sip_%a", "'sip_%a' uses %a, which is not supported"),
            ("sip_%-d", "'sip_%-d' uses %-, which is not supported"),
            ("sip_%", "'sip_%' ends with a lone '%'"),
            ("window", "'window' is a reserved word of SQLite and PostgreSQL"),
            ("authorization", "'authorization' is a reserved word of PostgreSQL"),
            ("vacuum", "'vacuum' is a reserved word of SQLite"),
            ("SeLeCt", "is a reserved word"),
            ("sip-1", "contains '-'"),
            (String(repeating: "a", count: 64), "is 64 bytes long"),
            ("", "is empty"),
        ]
        for (template, message) in cases {
            #expect(throws: TableTemplateError.self, "\(template)") { try TableTemplate(validating: template) }
            do {
                _ = try TableTemplate(validating: template)
            } catch {
                #expect(error.description.contains(message), "\(template): \(error)")
            }
        }
    }

    /// A name that is fine on most days but not on all: found by expanding over the whole year.
    @Test func aWholeYearIsExpanded() throws {
        // Length counts the expansion: %Y is four bytes.
        #expect(try TableTemplate(validating: String(repeating: "a", count: 59) + "%Y").expand(epochSeconds: t).utf8.count == 63)
        #expect(throws: TableTemplateError.self) { try TableTemplate(validating: String(repeating: "a", count: 60) + "%Y") }
        // %e pads days 1-9 with a space; 10-31 are digits only, so one day of the month is not enough.
        do {
            _ = try TableTemplate(validating: "sip_%m%e")
            Issue.record("sip_%m%e accepted")
        } catch {
            #expect(error.description.contains("'sip_01 1'"), "\(error)")
        }
        // Minutes and seconds are expanded too (%M/%S are digits, so this one passes).
        #expect(try TableTemplate(validating: "sip_%H%M%S").expand(epochSeconds: t) == "sip_221320")
    }

    @Test func templatesThatWereValidStayValid() throws {
        for template in ["sip_capture", "rtcp_capture", "sip_capture_call_%Y%m%d", "homer_%m_%d", "reg_%Y%m%d",
                         "intl_%Y%m%d", "x_%Y%m%d_%H", "_%y", "sip_%Y_%j", "data", "calls", "t%%"] where !template.contains("%%") {
            _ = try TableTemplate(validating: template)
        }
        #expect(throws: TableTemplateError.self) { try TableTemplate(validating: "t%%") }   // '%' is no table name
        _ = try TableTemplate(validating: StoreSettings.defaultTable.template)
        _ = try TableTemplate(validating: StoreSettings.defaultReportTable.template)
    }

    /// The SQLite word list is the linked library's own (`sqlite3_keyword_name`), and every word is refused.
    @Test func sqliteKeywordsAreTheLibrarysOwn() throws {
        var words: [String] = []
        for i in 0..<sqlite3_keyword_count() {
            var name: UnsafePointer<CChar>?
            var length: Int32 = 0
            #expect(sqlite3_keyword_name(i, &name, &length) == SQLITE_OK)
            let bytes = UnsafeRawBufferPointer(start: name, count: Int(length))
            words.append(String(decoding: bytes, as: UTF8.self).lowercased())
        }
        #expect(words.count == 147)
        for word in words {
            #expect(TableName.problem(word) != nil, "\(word)")
        }
    }

    /// Every rejected word really fails `CREATE TABLE` unquoted in SQLite (a real in-memory database), and
    /// the names the validator accepts really work.
    @Test func sqliteAgreesWithTheValidator() throws {
        var db: OpaquePointer?
        #expect(sqlite3_open(":memory:", &db) == SQLITE_OK)
        defer { sqlite3_close(db) }
        func creates(_ name: String) -> Bool { sqlite3_exec(db, "CREATE TABLE \(name) (x INTEGER)", nil, nil, nil) == SQLITE_OK }
        for name in ["select", "sqlite_x", "1sip", "table", "where"] {
            #expect(TableName.problem(name) != nil)
            #expect(!creates(name), "SQLite created \(name)")
        }
        for name in ["sip_capture", "sip_capture_call_20231114", "_x", "calls"] {
            #expect(TableName.problem(name) == nil)
            #expect(creates(name), "SQLite refused \(name)")
        }
    }
}

/// PostgreSQL's own reserved words (categories R and T of `pg_get_keywords()`, i.e. those that cannot be a
/// table name) are all refused, and `CREATE TABLE` agrees on both sides. Needs the test cluster of
/// `scripts/run-tests.sh` (CAPD_TEST_PG_URL) and psql; skipped without them.
@Suite struct PostgresReservedWordTests {
    static let url = ProcessInfo.processInfo.environment["CAPD_TEST_PG_URL"]

    static func psql(_ sql: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url ?? "", "-v", "ON_ERROR_STOP=1", "-Atqc", sql]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let exitStatus = process.waitUntilExitReliably()
        return (exitStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: url != nil)) func reservedWordsAreThoseOfTheServer() throws {
        let listed = try Self.psql("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T') ORDER BY 1")
        #expect(listed.status == 0)
        let words = listed.output.split(separator: "\n").map(String.init)
        #expect(words.count >= 90, "\(listed.output)")
        for word in words { #expect(TableName.problem(word) != nil, "\(word)") }
        // Refused ones really fail unquoted; accepted ones (a column-name key word among them) really work.
        let suffix = "\(getpid())"
        for name in ["select", "authorization", "table"] {
            #expect(try Self.psql("CREATE TEMP TABLE \(name) (x int)").status != 0, "\(name)")
        }
        for name in ["sip_capture_\(suffix)", "calls_\(suffix)"] {
            #expect(TableName.problem(name) == nil)
            #expect(try Self.psql("CREATE TEMP TABLE \(name) (x int)").status == 0, "\(name)")
        }
    }
}

/// The same validation reached through the configuration loader, with positions.
@Suite struct TableTemplateConfigTests {
    @Test func storeAndRuleTemplatesAreCheckedWithPositions() {
        let yaml = """
            store:
              table: sip_%e
              report_table: select
            routes:
              main:
                - do: [{ capture: { table: 1sip } }, { report: { table: sqlite_x } }]
            """
        let result = ConfigLoader.load(text: yaml, path: "t.yaml")
        #expect(result.config == nil)
        let rendered = result.rendered
        #expect(rendered.contains("t.yaml:2:10: error: store.table 'sip_%e' expands to 'sip_ 1'"), "\(rendered)")
        #expect(rendered.contains("t.yaml:3:17: error: store.report_table 'select' is a reserved word"), "\(rendered)")
        #expect(rendered.contains("t.yaml:6:32: error: capture.table '1sip' starts with a digit"), "\(rendered)")
        #expect(rendered.contains("t.yaml:6:61: error: report.table 'sqlite_x' starts with 'sqlite_'"), "\(rendered)")
    }
}
