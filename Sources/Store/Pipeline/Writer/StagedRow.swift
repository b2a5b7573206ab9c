/// A row the writer has taken from the queue and not yet put in a batch: a value from the queue's head, or a
/// packed record from its tail.
enum StagedRow {
    case value(StoreRow)
    case packed(PackedRecord)

    var family: RowFamily {
        switch self {
        case .value(let row): row.family
        case .packed(let record): record.family
        }
    }

    var tableTemplate: String {
        switch self {
        case .value(let row): row.tableTemplate
        case .packed(let record): record.template
        }
    }

    var dateMicroTimestamp: Int64 {
        switch self {
        case .value(let row): row.dateMicroTimestamp
        case .packed(let record): record.dateMicroTimestamp
        }
    }

    var namingMicroTimestamp: Int64 {
        switch self {
        case .value(let row): row.namingMicroTimestamp
        case .packed(let record): record.namingMicroTimestamp
        }
    }

    /// The record's bytes when the row is packed.
    var packedBytes: ArraySlice<UInt8>? {
        if case .packed(let record) = self { return record.bytes }
        return nil
    }

    /// The row as a value; nil for a record that does not decode.
    var value: StoreRow? {
        switch self {
        case .value(let row): row
        case .packed(let record): record.decoded
        }
    }
}
