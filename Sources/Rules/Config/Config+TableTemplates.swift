extension Config {
    /// Every table template a row of this configuration can be written to: `store.table`, `store.report_table`
    /// and the `table:` of every `capture` and `report` action (retention drops their old tables).
    public var storeTableTemplates: [String] {
        let templates = tableTemplatesByFamily
        return Set(templates.sip + templates.reports).sorted()
    }

    /// The table templates of SIP rows (`store.table`, then each `capture` action's `table:`) and of reports
    /// (`store.report_table`, then each `report` action's), in the order the configuration names them.
    public var tableTemplatesByFamily: (sip: [String], reports: [String]) {
        var sip = [store.table.template]
        var reports = [store.reportTable.template]
        for route in program.routes {
            for rule in route.rules {
                for action in rule.actions {
                    switch action {
                    case .capture(let capture): if let table = capture.table { sip.append(table.template) }
                    case .report(let report): if let table = report.table { reports.append(table.template) }
                    default: break
                    }
                }
            }
        }
        return (sip, reports)
    }
}
