import CLibPQ
import Glibc
import Tables

/// PostgreSQL sink: `maxInFlight` non-blocking libpq connections, one binary COPY per batch on each,
/// all driven from the writer thread with poll().
final class PostgresBackend: SinkBackend {
    private let conninfo: String
    private let flavour: SchemaFlavour
    /// HOMER 5 tables range-partitioned by day (`store.partition: day`).
    private let dayPartitions: Bool
    private let connectionCount: Int
    private var connections: [PostgresConnection] = []
    private var knownTables: Set<String> = []
    private var finished: [BatchOutcome] = []
    private let hooks: (any PostgresBatchHooks)?
    private var batchesSent = 0

    init(conninfo: String, flavour: SchemaFlavour, maxInFlight: Int, dayPartitions: Bool = false,
         hooks: (any PostgresBatchHooks)? = nil) {
        self.conninfo = conninfo
        self.flavour = flavour
        self.dayPartitions = flavour == .homer5 && dayPartitions
        self.connectionCount = maxInFlight
        self.hooks = hooks
    }

    var isOpen: Bool { !connections.isEmpty }
    var idleSlots: Int { connections.reduce(0) { $0 + ($1.batch == nil ? 1 : 0) } }
    var inFlight: Int { connections.reduce(0) { $0 + ($1.batch == nil ? 0 : 1) } }

    func open() throws(StoreError) {
        guard connections.isEmpty else { return }
        var opened: [PostgresConnection] = []
        for _ in 0..<connectionCount {
            let connection = try PostgresConnection.connect(conninfo)
            opened.append(connection)
        }
        // Schema first (blocking, idempotent); serialise concurrent capd starts with an advisory lock.
        try opened[0].execute("SELECT pg_advisory_lock(7333001)")
        defer { try? opened[0].execute("SELECT pg_advisory_unlock(7333001)") }
        // One statement at a time: a multi-statement query is one transaction, which would hold its table locks
        // (CREATE INDEX IF NOT EXISTS takes one even when the index exists) until the end and deadlock with
        // other capd nodes writing batches to the same database (scale-out: several nodes per shard).
        for statement in Schema.statements(homerFiveDDL(Schema.script(.postgres, flavour))) {
            try opened[0].execute(statement)
        }
        opened.forEach { $0.makeNonBlocking() }
        connections = opened
    }

    func close() {
        connections.forEach { $0.close() }
        connections.removeAll()
    }

    func canSubmitNow(_ batch: Batch) -> Bool {
        inFlight == 0 || knownTables.contains(Self.ddlKey(batch))
    }

    static func ddlKey(_ batch: Batch) -> String {
        let table = batch.table.lowercased()
        guard let day = batch.partitionDay else { return table }
        return partitionName(of: table, family: batch.family, day: day)
    }

    /// A table's partition for a UTC day: HOMER 7 `<parent>_YYYYMMDD`, HOMER 5 `<table>_pYYYYMMDD`.
    static func partitionName(of table: String, family: RowFamily, day: String) -> String {
        family == .homerSeven ? table + "_" + day : Schema.dayPartition(of: table, day: day)
    }

    /// HOMER 5 DDL as `store.partition` wants it.
    private func homerFiveDDL(_ ddl: String) -> String {
        dayPartitions ? Schema.partitionedByDay(ddl) : ddl
    }

    /// The batch's COPY payload: its rows encoded and its packed records transcoded.
    static func encode(_ batch: inout Batch) {
        let (payload, undecodable) = CopyBinaryEncoder.encode(batch.rows, records: batch.records, family: batch.family)
        batch.payload = payload
        batch.undecodable = undecodable
    }

    func prepare(_ batch: inout Batch) {
        if batch.payload == nil { Self.encode(&batch) }
    }

    func submit(_ batch: Batch) {
        guard let connection = connections.first(where: { $0.batch == nil }) else {
            finished.append(.lost([batch], .connectFailed("no idle connection")))
            return
        }
        let table = batch.table.lowercased()
        var batch = batch
        do {
            if batch.outcomeUnknown {
                // Sent before, result never read (or replayed from the spool after a start): committed already?
                if try BatchLog.isCommitted(batch.id, on: connection) {
                    finished.append(.alreadyStored(batch))
                    return
                }
                batch.outcomeUnknown = false
            }
            try ensureTable(table, batch: batch, on: connection)
        } catch {
            if case .statementFailed(let state, _) = error, PostgresErrorClass.isDataError(state) {
                finished.append(.rejected(batch, error))
            } else if case .statementFailed(let state, _) = error, PostgresErrorClass.isPermanent(state) {
                finished.append(.failed(batch, error))
            } else {
                loseEverything(plus: batch, error)
            }
            return
        }
        if batch.payload == nil { Self.encode(&batch) }
        let payload = batch.payload ?? []
        batch.payload = nil
        batchesSent += 1
        connection.fault = hooks?.fault(forBatch: batchesSent)
        handle(connection.startCopy(batch, table: table, payload: payload), connection)
        if batch.fromSpool, let hooks {
            hooks.spoolBatchSent(inFlight: connections.reduce(0) { $0 + ($1.batch?.fromSpool == true ? 1 : 0) })
        }
    }

    func pump(timeoutMilliseconds: Int32, wakeFD: Int32) -> [BatchOutcome] {
        if finished.isEmpty {
            var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            for connection in connections where connection.batch != nil {
                let events = Int16(POLLIN) | (connection.wantsWrite ? Int16(POLLOUT) : 0)
                fds.append(pollfd(fd: connection.socket, events: events, revents: 0))
            }
            _ = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
            for connection in connections where connection.batch != nil {
                handle(connection.advance(), connection)
                if connections.isEmpty { break }
            }
        }
        defer { finished.removeAll(keepingCapacity: true) }
        return finished
    }

    private func handle(_ step: PostgresConnection.Step, _ connection: PostgresConnection) {
        switch step {
        case .pending:
            return
        case .done(let error):
            guard let batch = connection.batch else { return }
            connection.batch = nil
            if let error {
                let storeError = StoreError.statementFailed(sqlState: error.sqlState, message: error.message)
                if BatchLog.isDuplicateID(sqlState: error.sqlState, message: error.message) {
                    // Its id is committed: an earlier send of this batch went through (nothing was written now).
                    finished.append(.alreadyStored(batch))
                } else if PostgresErrorClass.isDataError(error.sqlState) {
                    finished.append(.rejected(batch, storeError))
                } else if PostgresErrorClass.isPermanent(error.sqlState) {
                    finished.append(.failed(batch, storeError))
                } else {
                    if error.sqlState == "42P01" { knownTables.removeAll() }
                    loseEverything(plus: nil, storeError)
                }
            } else {
                finished.append(.stored(batch))
            }
        case .broken(let message):
            loseEverything(plus: nil, .connectFailed(message))
        }
    }

    /// A connection failed: every batch in flight goes back to the writer, every connection is closed.
    private func loseEverything(plus extra: Batch?, _ error: StoreError) {
        var batches = connections.compactMap { $0.batch }
        if let extra { batches.append(extra) }
        batches.sort { $0.sequence < $1.sequence }
        close()
        finished.append(.lost(batches, error))
    }

    private func ensureTable(_ table: String, batch: Batch, on connection: PostgresConnection) throws(StoreError) {
        if batch.family != .homerSeven, !knownTables.contains(table) {
            guard TableName.isValid(table) else {
                throw .statementFailed(sqlState: "42602", message: "invalid table name \(table)")
            }
            if let ddl = Schema.tableDDL(.postgres, .homer5, template: Schema.baseTable(for: batch.family), newName: table) {
                try connection.execute(homerFiveDDL(ddl))
            }
            try checkPartitioning(of: table, on: connection)
            knownTables.insert(table)
        }
        guard let day = batch.partitionDay else { return }
        let partition = Self.partitionName(of: table, family: batch.family, day: day)
        guard !knownTables.contains(partition) else { return }
        guard TableName.isValid(partition) else {
            throw .statementFailed(sqlState: "42602", message: "partition name \(partition) of table \(table) is longer than 63 characters")
        }
        guard let from = Self.dayStart(day), let to = Self.dayStart(day, plusDays: 1) else {
            throw .statementFailed(sqlState: "22007", message: "bad partition day \(day)")
        }
        // HOMER 7's `create_date` is a timestamptz (bounds in UTC), HOMER 5's `date` a timestamp (UTC by convention).
        let zone = batch.family == .homerSeven ? "+00" : ""
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS \"\(partition)\" PARTITION OF \"\(table)\" FOR VALUES FROM ('\(from)\(zone)') TO ('\(to)\(zone)')")
        knownTables.insert(partition)
    }

    /// A HOMER 5 table that exists already keeps its kind: capd never converts one. When it is not what
    /// `store.partition` says, its rows cannot go in (a plain table has no partitions to make; a partitioned one
    /// refuses rows without one), so say which and how to fix it.
    private func checkPartitioning(of table: String, on connection: PostgresConnection) throws(StoreError) {
        let kinds = try connection.column(
            "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = current_schema() AND c.relname = '\(table)'")
        let partitioned = kinds.first == "p"
        if dayPartitions, !partitioned {
            throw .statementFailed(sqlState: "42809", message: "store.partition is day but table \(table) exists and is not partitioned (capd never converts a table): rename it (ALTER TABLE \(table) RENAME TO \(table)_plain) and capd creates a partitioned one, or set store.partition: none")
        }
        if !dayPartitions, partitioned {
            throw .statementFailed(sqlState: "42809", message: "table \(table) is partitioned by day (made with store.partition: day), but store.partition is none: set store.partition: day")
        }
    }

    /// `YYYY-MM-DD 00:00:00` for a YYYYMMDD day (optionally a day later).
    static func dayStart(_ day: String, plusDays: Int = 0) -> String? {
        let digits = Array(day.utf8)
        guard digits.count == 8, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let y = Int(day.prefix(4)), let m = Int(day.dropFirst(4).prefix(2)), let d = Int(day.suffix(2))
        else { return nil }
        let days = Retention.daysFromCivil(year: y, month: m, day: d) + plusDays
        return String(UTCTime.format(Int64(days) * 86_400_000_000).prefix(19))
    }

    func pruneBatchLog() throws(StoreError) {
        guard let connection = connections.first(where: { $0.batch == nil }) else { return }
        try connection.execute(BatchLog.pruneSQL)
    }

    func dropTables(olderThan cutoffDay: String, templates: [String]) throws(StoreError) -> [String] {
        guard let connection = connections.first(where: { $0.batch == nil }) else { return [] }
        let names = try connection.column(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = current_schema() AND c.relkind IN ('r','p') AND NOT c.relispartition "
                + "UNION ALL SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = current_schema() AND c.relispartition")
        var dropped: [String] = []
        for name in names where Retention.isExpired(table: name, templates: templates, cutoffDay: cutoffDay) {
            try connection.execute("DROP TABLE IF EXISTS \"\(name)\"")
            knownTables.remove(name)
            dropped.append(name)
        }
        return dropped
    }
}
