import Tables
/// SELECT texts for one engine and schema flavour, with their parameters (always bound, never spliced in).
struct CallSQL {
    let engine: Engine
    let flavour: SchemaFlavour

    struct Statement {
        var sql = ""
        var parameters: [String] = []

        mutating func bind(_ value: String, _ engine: Engine, cast: String = "") -> String {
            parameters.append(value)
            return engine == .sqlite ? "?" : "$\(parameters.count)" + cast
        }
    }

    /// Column expression for a SIP field.
    func column(_ field: String) -> String {
        switch flavour {
        case .homer5:
            return field
        case .homer7:
            if field == "callid" { return "sid" }
            let (document, key): (String, String) = switch field {
            case "source_ip": ("protocol_header", "srcIp")
            case "destination_ip": ("protocol_header", "dstIp")
            default: ("data_header", field)
            }
            return engine == .sqlite ? "json_extract(\(document), '$.\(key)')" : "(\(document)->>'\(key)')"
        }
    }

    /// The requests a call's users are read from (and the predicate of SQLite's partial user indexes).
    static let userRequestMethods = "('INVITE','REGISTER','MESSAGE','SUBSCRIBE')"

    var dateColumn: String { flavour == .homer5 ? "date" : "create_date" }
    var timeCast: String { engine == .sqlite ? "" : (flavour == .homer5 ? "::timestamp" : "::timestamptz") }

    /// Call-IDs with their first message time in the window, matching the filter; at most `limit`, earliest first.
    func search(table: String, filter: CallFilter, limit: Int) -> Statement {
        var s = Statement()
        var conditions: [String] = []
        let callid = column("callid")
        if let window = filter.window {
            conditions.append("\(dateColumn) >= " + s.bind(UTCTime.format(window.from), engine, cast: timeCast))
            conditions.append("\(dateColumn) < " + s.bind(UTCTime.format(window.to), engine, cast: timeCast))
        }
        if let v = filter.callID { conditions.append("\(callid) = " + s.bind(v, engine)) }
        if let v = filter.fromUser { conditions.append("\(column("from_user")) = " + s.bind(v, engine)) }
        if let v = filter.toUser { conditions.append("\(column("to_user")) = " + s.bind(v, engine)) }
        if filter.fromUser != nil || filter.toUser != nil {
            // A call's users are those of the request that opens it: INVITE, REGISTER, MESSAGE, SUBSCRIBE (a
            // callee's BYE has From and To swapped). Written exactly as SQLite's partial user indexes say.
            conditions.append("\(column("method")) IN \(Self.userRequestMethods)")
        }
        if let v = filter.method { conditions.append("\(column("method")) = " + s.bind(v.uppercased(), engine)) }
        if let v = filter.status { conditions.append("\(column("method")) = " + s.bind(v, engine)) }
        if let v = filter.ip {
            let p = s.bind(v, engine)
            let again = engine == .sqlite ? s.bind(v, engine) : p
            conditions.append("(\(column("source_ip")) = \(p) OR \(column("destination_ip")) = \(again))")
        }
        conditions.append("\(callid) <> ''")
        let first = engine == .postgres && flavour == .homer7 ? "MIN(\(dateColumn))::text" : "MIN(\(dateColumn))"
        s.sql = "SELECT \(callid), \(first) FROM \"\(table)\" WHERE " + conditions.joined(separator: " AND ")
            + " GROUP BY \(callid) ORDER BY 2 LIMIT \(limit)"
        return s
    }

    /// Every SIP message of these calls in a table.
    func messages(table: String, callIDs: [String]) -> Statement {
        rows(of: table, keyedBy: (homer5: "callid", homer7: "sid"), in: callIDs, columns: (
            homer5: "micro_ts, callid, method, reply_reason, from_user, to_user, cseq, source_ip, source_port, "
                + "destination_ip, destination_port, proto, node, msg, id",
            homer7: "sid, data_header, protocol_header, raw, id"))
    }

    /// Reports correlated to these calls in a table.
    func reports(table: String, correlationIDs: [String]) -> Statement {
        rows(of: table, keyedBy: (homer5: "correlation_id", homer7: "sid"), in: correlationIDs, columns: (
            homer5: "micro_ts, correlation_id, source_ip, source_port, destination_ip, destination_port, type, node, msg, id",
            homer7: "sid, protocol_header, raw, id"))
    }

    /// `SELECT columns FROM table WHERE key IN (values)`; homer7 rows start with their `create_date` (as text on
    /// PostgreSQL).
    private func rows(of table: String, keyedBy key: (homer5: String, homer7: String), in values: [String],
                      columns: (homer5: String, homer7: String)) -> Statement {
        var s = Statement()
        let list = values.map { s.bind($0, engine) }.joined(separator: ", ")
        switch flavour {
        case .homer5:
            s.sql = "SELECT \(columns.homer5) FROM \"\(table)\" WHERE \(key.homer5) IN (\(list))"
        case .homer7:
            let date = engine == .postgres ? "create_date::text" : "create_date"
            s.sql = "SELECT \(date), \(columns.homer7) FROM \"\(table)\" WHERE \(key.homer7) IN (\(list))"
        }
        return s
    }
}
