import Tables

/// Which tables hold a schema's SIP messages and reports, found by listing the database's tables and keeping
/// those the configured templates produce for the days of a window (`sip_%Y%m%d` → `sip_20231114`, ...).
struct CallTables: Equatable {
    var sip: [String]
    var reports: [String]

    /// HOMER 7 parents (PostgreSQL partitions are reached through them).
    static let homerSevenSIP = ["hep_proto_1_call", "hep_proto_1_default", "hep_proto_1_registration"]
    static let homerSevenReports = ["hep_proto_5_default", "hep_proto_35_default", "hep_proto_100_default"]

    static func resolve(existing: [String], flavour: SchemaFlavour, sipTemplates: [String], reportTemplates: [String],
                        window: TimeWindow?) -> CallTables {
        let names = Set(existing)
        switch flavour {
        case .homer7:
            return CallTables(sip: homerSevenSIP.filter(names.contains), reports: homerSevenReports.filter(names.contains))
        case .homer5:
            let days = window.map { (TableName.day($0.from), TableName.day(max($0.from, $0.to - 1))) }
            func matching(_ templates: [String]) -> [String] {
                existing.filter { name in
                    templates.contains { template in
                        guard template.contains("%") else { return name == template }
                        guard let day = Retention.day(of: name, template: template) else { return false }
                        guard let (first, last) = days else { return true }
                        return day >= first && day <= last
                    }
                }.sorted()
            }
            return CallTables(sip: matching(unique(sipTemplates)), reports: matching(unique(reportTemplates)))
        }
    }

    private static func unique(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { seen.insert($0).inserted }
    }
}
