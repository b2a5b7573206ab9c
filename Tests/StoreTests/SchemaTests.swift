import Foundation
import Testing
@testable import Store
import Tables

@Suite struct SchemaTests {
    static let sqlDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sql")

    @Test(arguments: [
        ("postgres/homer5.sql", Engine.postgres, SchemaFlavour.homer5),
        ("postgres/homer7.sql", .postgres, .homer7),
        ("sqlite/homer5.sql", .sqlite, .homer5),
        ("sqlite/homer7.sql", .sqlite, .homer7),
    ])
    func sqlFilesAreWhatTheModuleApplies(file: String, engine: Engine, flavour: SchemaFlavour) throws {
        let text = try String(contentsOf: Self.sqlDirectory.appendingPathComponent(file), encoding: .utf8)
        #expect(text == Schema.script(engine, flavour))
    }

    /// The tables of both engines have exactly the columns of each family's description (besides `id`),
    /// each of the declared type.
    @Test(arguments: [Engine.postgres, .sqlite])
    func tablesMatchTheRowFamilyDescriptions(engine: Engine) throws {
        func check<Row: DescribedRow>(_: Row.Type, flavour: SchemaFlavour, table: String) throws {
            let ddl = try #require(Schema.tableDDL(engine, flavour, template: table, newName: table))
            var declared: [String: String] = [:]
            for line in ddl.split(separator: "\n") where line.hasPrefix("  ") {
                let words = line.split(separator: " ")
                guard words.count >= 2, words[0] != "id", words[0] != "PRIMARY" else { continue }
                declared[String(words[0])] = String(words[1]).trimmingCharacters(in: CharacterSet(charactersIn: ","))
            }
            var described: [String: String] = [:]
            for column in Row.columns {
                described[column.name] = engine == .postgres ? column.value.postgresType : column.value.sqliteType
            }
            #expect(declared == described, "\(engine) \(table)")
        }
        try check(SIPCaptureRow.self, flavour: .homer5, table: "sip_capture")
        try check(ReportRow.self, flavour: .homer5, table: Schema.baseTable(for: .report))
        for parent in Schema.homerSevenParents {
            try check(HomerSevenRow.self, flavour: .homer7, table: parent)
        }
    }

    @Test func homerSevenCreatesEveryParent() {
        for engine in [Engine.postgres, .sqlite] {
            for parent in Schema.homerSevenParents {
                #expect(Schema.script(engine, .homer7).contains("CREATE TABLE IF NOT EXISTS \(parent) ("))
            }
        }
        #expect(Schema.script(.postgres, .homer7).components(separatedBy: "PARTITION BY RANGE (create_date)").count == 7)
    }

    @Test func timeNamedTableDDLRenamesTheSection() throws {
        let ddl = try #require(Schema.tableDDL(.postgres, .homer5, template: "sip_capture", newName: "sip_capture_call_20231114"))
        #expect(ddl.contains("CREATE TABLE IF NOT EXISTS sip_capture_call_20231114 ("))
        #expect(ddl.contains("sip_capture_call_20231114_callid ON sip_capture_call_20231114 (callid)"))
        #expect(!ddl.contains("rtcp_capture"))
    }
}
