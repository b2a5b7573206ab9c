import Foundation
import Tables

/// The SQL capd applies at start (`sql/` is the documented source, embedded here).
public enum Engine: String, Sendable { case postgres, sqlite }

public enum Schema {
    /// The whole schema script for an engine and flavour (idempotent).
    public static func script(_ engine: Engine, _ flavour: SchemaFlavour) -> String {
        switch (engine, flavour) {
        case (.postgres, .homer5): EmbeddedSchema.postgresHomerFive
        case (.postgres, .homer7): EmbeddedSchema.postgresHomerSeven
        case (.sqlite, .homer5): EmbeddedSchema.sqliteHomerFive
        case (.sqlite, .homer7): EmbeddedSchema.sqliteHomerSeven
        }
    }

    /// A script's statements, each on its own (the scripts have no `$$` bodies: a statement ends with `;` at
    /// the end of a line). Comment-only pieces are dropped.
    static func statements(_ script: String) -> [String] {
        script.components(separatedBy: ";\n").compactMap { piece in
            let code = piece.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
                .joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            return code.isEmpty ? nil : code.hasSuffix(";") ? code : code + ";"
        }
    }

    /// The statements of one table section (`-- table: NAME`) with NAME replaced by `newName`.
    static func tableDDL(_ engine: Engine, _ flavour: SchemaFlavour, template: String, newName: String) -> String? {
        let marker = "-- table: "
        for section in script(engine, flavour).components(separatedBy: marker).dropFirst() {
            guard let newline = section.firstIndex(of: "\n") else { continue }
            let name = section[..<newline].trimmingCharacters(in: .whitespaces)
            guard name == template else { continue }
            let body = String(section[section.index(after: newline)...])
            return newName == template ? body : body.replacingOccurrences(of: template, with: newName)
        }
        return nil
    }

    /// HOMER 5 DDL with its tables range-partitioned on `date` (`store.partition: day`).
    static func partitionedByDay(_ ddl: String) -> String {
        ddl.replacingOccurrences(of: "  PRIMARY KEY (id, date)\n);", with: "  PRIMARY KEY (id, date)\n) PARTITION BY RANGE (date);")
    }

    /// A HOMER 5 table's partition for a UTC day (YYYYMMDD): `sip_capture_p20231114`. The `p` keeps partitions
    /// apart from the plain daily tables a `sip_capture_%Y%m%d` template makes.
    static func dayPartition(of table: String, day: String) -> String { table + "_p" + day }

    /// The template retention matches a table template's day partitions with.
    static func dayPartitionTemplate(of template: String) -> String { template + "_p%Y%m%d" }

    /// The base table whose layout a row of this family uses.
    static func baseTable(for family: RowFamily) -> String {
        switch family {
        case .sipCapture: "sip_capture"
        case .report: "rtcp_capture"
        case .homerSeven: "hep_proto_1_default"
        }
    }

    /// HOMER 7 parents capd creates.
    public static let homerSevenParents = [
        "hep_proto_1_call", "hep_proto_1_registration", "hep_proto_1_default",
        "hep_proto_5_default", "hep_proto_35_default", "hep_proto_100_default",
    ]
}
