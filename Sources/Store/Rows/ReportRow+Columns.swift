/// The report family's columns (`rtcp_capture`, `report_capture`, `logs_capture`; §8.2, §9).
extension ReportRow: DescribedRow {
    static let columns: [RowColumn<ReportRow>] = [
        RowColumn("date", .timestamp(\.microTimestamp)),
        RowColumn("micro_ts", .bigint(\.microTimestamp)),
        RowColumn("correlation_id", .varchar(\.correlationID, width: 256)),
        RowColumn("source_ip", .varchar(\.sourceIP, width: 60)),
        RowColumn("source_port", .integer(\.sourcePort)),
        RowColumn("destination_ip", .varchar(\.destinationIP, width: 60)),
        RowColumn("destination_port", .integer(\.destinationPort)),
        RowColumn("proto", .integer(\.proto)),
        RowColumn("family", .smallintOrNull(\.family)),
        RowColumn("type", .integer(\.type)),
        RowColumn("node", .varchar(\.node, width: 125)),
        RowColumn("msg", .varchar(\.msg, width: 1500)),
    ]
    static let slots = ColumnSlot.slots(of: columns)

    init(table: String, receiveMicroTimestamp: Int64) {
        self.init(table: table, microTimestamp: receiveMicroTimestamp, receiveMicroTimestamp: receiveMicroTimestamp)
    }
}
