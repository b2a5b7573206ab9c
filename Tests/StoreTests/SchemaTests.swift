import Foundation
import Testing
@testable import Store

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

    @Test func homerFiveHasEveryColumnTheRowWrites() {
        for engine in [Engine.postgres, .sqlite] {
            let script = Schema.script(engine, .homer5)
            for column in RowColumns.sip + RowColumns.report {
                #expect(script.contains("\n  \(column) "), "\(engine) schema lacks \(column)")
            }
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
