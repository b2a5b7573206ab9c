extension Config {
    /// Every table template a row of this configuration can be written to: `store.table`, `store.report_table`
    /// and the `table:` of every `capture` and `report` action (retention drops their old tables).
    public var storeTableTemplates: [String] {
        var templates: Set<String> = [store.table.template, store.reportTable.template]
        for route in program.routes {
            for rule in route.rules {
                for action in rule.actions {
                    switch action {
                    case .capture(let capture): if let table = capture.table { templates.insert(table.template) }
                    case .report(let report): if let table = report.table { templates.insert(table.template) }
                    default: break
                    }
                }
            }
        }
        return templates.sorted()
    }
}
