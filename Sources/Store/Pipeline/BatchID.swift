/// A batch's identity in `capd_batches` (a UUID): committed in the transaction that writes the batch's rows,
/// so that a batch whose outcome was lost with its connection can be looked up instead of written twice.
struct BatchID: Hashable, Sendable, CustomStringConvertible {
    var high: UInt64
    var low: UInt64

    /// A batch formed from memory: this store instance's random id and a running number.
    static func memory(instance: UInt64, number: UInt64) -> BatchID { BatchID(high: instance, low: number) }

    /// A batch replayed from the spool: derived from where it starts and how many rows it holds, so that the
    /// same batch read again after a restart has the same id. `spool` is the spool directory's random id.
    static func spool(_ spool: UInt64, start: SpoolPosition, rows: Int) -> BatchID {
        // Offsets of compressed segments are `block << 24 | inner` with blocks below 2^24: 48 bits.
        let segment = UInt64(truncatingIfNeeded: start.segment) & 0xffff
        let offset = UInt64(truncatingIfNeeded: start.offset) & 0xffff_ffff_ffff
        return BatchID(high: (spool << 16) | UInt64(UInt16(truncatingIfNeeded: rows)), low: segment << 48 | offset)
    }

    /// Canonical UUID text (8-4-4-4-12 lowercase hex).
    var description: String {
        let hex = Self.hex(high) + Self.hex(low)
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }

    private static func hex(_ v: UInt64) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
