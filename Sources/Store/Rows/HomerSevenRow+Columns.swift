/// The HOMER 7 `hep_proto_*` columns (homer7-schema.md §3).
extension HomerSevenRow: DescribedRow {
    static let columns: [RowColumn<HomerSevenRow>] = [
        RowColumn("sid", .varchar(\.sid, width: nil)),
        RowColumn("create_date", .timestampWithZone(\.createDate)),
        RowColumn("protocol_header", .jsonb(\.protocolHeader)),
        RowColumn("data_header", .jsonb(\.dataHeader)),
        RowColumn("raw", .varchar(\.raw, width: nil)),
    ]
    static let slots = ColumnSlot.slots(of: columns)

    init(table: String, receiveMicroTimestamp: Int64) {
        self.init(table: table, sid: "", createDate: receiveMicroTimestamp, receiveMicroTimestamp: receiveMicroTimestamp,
                  protocolHeader: "", dataHeader: "", raw: "")
    }
}
