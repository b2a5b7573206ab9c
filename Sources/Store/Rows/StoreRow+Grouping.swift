/// Rows in the order batches want them: a batch holds rows of one table, so rows of different tables that
/// arrive interleaved (every call's RTCP report between its SIP messages) would cut batches to a few rows each —
/// one COPY or transaction per handful of rows. Grouping keeps the arrival order within each destination.
struct RowDestination: Hashable {
    var family: RowFamily
    var template: String

    /// `items` stably grouped by destination (family and table template), each group where its first item was.
    static func grouped<Item>(_ items: [Item], by destination: (Item) -> RowDestination) -> [Item] {
        guard let first = items.first.map(destination), items.contains(where: { destination($0) != first }) else { return items }
        var order: [RowDestination] = []
        var groups: [RowDestination: [Item]] = [:]
        for item in items {
            let key = destination(item)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(item)
        }
        var grouped: [Item] = []
        grouped.reserveCapacity(items.count)
        for key in order { grouped += groups[key] ?? [] }
        return grouped
    }
}

extension StoreRow {
    /// `rows` stably grouped by destination (family and table template), each group where its first row was.
    static func groupedByDestination(_ rows: [StoreRow]) -> [StoreRow] {
        RowDestination.grouped(rows) { RowDestination(family: $0.family, template: $0.tableTemplate) }
    }
}
