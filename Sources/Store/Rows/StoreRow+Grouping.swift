/// Rows in the order batches want them: a batch holds rows of one table, so rows of different tables that
/// arrive interleaved (every call's RTCP report between its SIP messages) would cut batches to a few rows each —
/// one COPY or transaction per handful of rows. Grouping keeps the arrival order within each destination.
extension StoreRow {
    private struct Destination: Hashable {
        var family: RowFamily
        var template: String
    }

    private var destination: Destination { Destination(family: family, template: tableTemplate) }

    /// `rows` stably grouped by destination (family and table template), each group where its first row was.
    static func groupedByDestination(_ rows: [StoreRow]) -> [StoreRow] {
        guard let first = rows.first?.destination, rows.contains(where: { $0.destination != first }) else { return rows }
        var order: [Destination] = []
        var groups: [Destination: [StoreRow]] = [:]
        for row in rows {
            let key = row.destination
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        var grouped: [StoreRow] = []
        grouped.reserveCapacity(rows.count)
        for key in order { grouped += groups[key] ?? [] }
        return grouped
    }
}
