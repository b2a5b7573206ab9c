/// The `sip_capture` family's columns (opensips-sipcapture-behaviour.md §7, plus `diversion`), widths as
/// `sql/postgres/homer5.sql` declares them.
extension SIPCaptureRow: DescribedRow {
    static let columns: [RowColumn<SIPCaptureRow>] = [
        RowColumn("date", .timestamp(\.microTimestamp)),
        RowColumn("micro_ts", .bigint(\.microTimestamp)),
        RowColumn("method", .varchar(\.method, width: 50)),
        RowColumn("reply_reason", .varchar(\.replyReason, width: 100)),
        RowColumn("ruri", .varchar(\.ruri, width: 200)),
        RowColumn("ruri_user", .varchar(\.ruriUser, width: 100)),
        RowColumn("ruri_domain", .varchar(\.ruriDomain, width: 150)),
        RowColumn("from_user", .varchar(\.fromUser, width: 100)),
        RowColumn("from_domain", .varchar(\.fromDomain, width: 150)),
        RowColumn("from_tag", .varchar(\.fromTag, width: 64)),
        RowColumn("to_user", .varchar(\.toUser, width: 100)),
        RowColumn("to_domain", .varchar(\.toDomain, width: 150)),
        RowColumn("to_tag", .varchar(\.toTag, width: 64)),
        RowColumn("pid_user", .varchar(\.pidUser, width: 100)),
        RowColumn("contact_user", .varchar(\.contactUser, width: 120)),
        RowColumn("auth_user", .varchar(\.authUser, width: 120)),
        RowColumn("callid", .varchar(\.callID, width: 120)),
        RowColumn("callid_aleg", .varchar(\.callIDALeg, width: 120)),
        RowColumn("via_1", .varchar(\.via1, width: 256)),
        RowColumn("via_1_branch", .varchar(\.via1Branch, width: 80)),
        RowColumn("cseq", .varchar(\.cseq, width: 25)),
        RowColumn("diversion", .varchar(\.diversion, width: 256)),
        RowColumn("reason", .varchar(\.reason, width: 200)),
        RowColumn("content_type", .varchar(\.contentType, width: 256)),
        RowColumn("auth", .varchar(\.auth, width: 256)),
        RowColumn("user_agent", .varchar(\.userAgent, width: 256)),
        RowColumn("source_ip", .varchar(\.sourceIP, width: 60)),
        RowColumn("source_port", .integer(\.sourcePort)),
        RowColumn("destination_ip", .varchar(\.destinationIP, width: 60)),
        RowColumn("destination_port", .integer(\.destinationPort)),
        RowColumn("contact_ip", .varchar(\.contactIP, width: 60)),
        RowColumn("contact_port", .integer(\.contactPort)),
        RowColumn("originator_ip", .varchar(\.originatorIP, width: 60)),
        RowColumn("originator_port", .integer(\.originatorPort)),
        RowColumn("correlation_id", .varchar(\.correlationID, width: 256)),
        RowColumn("custom_field1", .varchar(\.customField1, width: 120)),
        RowColumn("custom_field2", .varchar(\.customField2, width: 120)),
        RowColumn("custom_field3", .varchar(\.customField3, width: 120)),
        RowColumn("proto", .integer(\.proto)),
        RowColumn("family", .smallintOrNull(\.family)),
        RowColumn("rtp_stat", .varchar(\.rtpStat, width: 256)),
        RowColumn("type", .integer(\.type)),
        RowColumn("node", .varchar(\.node, width: 125)),
        RowColumn("msg", .bytea(\.msg)),
    ]
    static let slots = ColumnSlot.slots(of: columns)

    init(table: String, receiveMicroTimestamp: Int64) {
        self.init(table: table, microTimestamp: receiveMicroTimestamp, receiveMicroTimestamp: receiveMicroTimestamp)
    }
}
