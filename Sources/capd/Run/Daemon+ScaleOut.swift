import Capture
import Rules
import Store

/// Scale-out wiring: the sharded store and the metrics of shards and relay group members (docs/scale-out.md).
extension Daemon {
    /// `store.url` alone → one `Store`; `store.shards` → a `ShardedStore` with a `Store` per shard.
    static func makeStore(_ config: Config) throws -> StoreFront {
        let settings = sinkSettings(config.store, tableTemplates: config.storeTableTemplates)
        if config.store.shards.isEmpty { return StoreFront(.single(try Store(settings: settings))) }
        let key: ShardedStore.ShardKey = config.store.shardBy == .correlationID ? .correlationID : .callID
        return StoreFront(.sharded(try ShardedStore(settings: settings, urls: config.store.shards, shardBy: key)))
    }

    /// `/healthz` details: `shard.<name>` → that shard's state.
    static func shardHealth(_ store: StoreFront) -> [String: String] {
        guard let sharded = store.sharded else { return [:] }
        var details: [String: String] = [:]
        for (name, metrics) in sharded.shardMetrics() { details["shard." + name] = metrics.state.rawValue }
        return details
    }

    /// Per shard (label `shard`): rows stored, queue depth, spool bytes, state. Per relay group member (labels
    /// `group`, `member`): up or down, and how often that changed. Packets sent per member are
    /// `capd_relay_sent_total{target="GROUP/URL"}` like any relay target.
    static func bridgeScaleOutMetrics(store: StoreFront, pipeline: Pipeline, metrics: CapdMetrics) throws {
        let exporter = metrics.exporter
        // One sample per member of every running group (labels `group`, `member`).
        let perMember: @Sendable (@escaping @Sendable (HEPRelayGroup.Member) -> Double) -> [(labels: [String], value: Double)] = { value in
            pipeline.current.groups.values.flatMap { group in
                group.members.map { (labels: [group.name, $0.name], value: value($0)) }
            }
        }
        exporter.gaugeFamily(
            "capd_relay_member_up", help: "1 while a relay group member passes its health check, else 0.",
            labels: ["group", "member"]).collect { perMember { $0.isUp ? 1 : 0 } }
        exporter.counterFamily(
            "capd_relay_member_transitions_total", help: "Up/down changes of a relay group member's health check.",
            labels: ["group", "member"]).collect { perMember { Double($0.health?.transitions.load(ordering: .relaxed) ?? 0) } }
        exporter.counterFamily(
            "capd_relay_member_unconfirmed_total",
            help: "Packets routed to a relay group member in the last second before its health check failed, and while it was down: the most it can have lost with it (UDP gives no receipt).",
            labels: ["group", "member"]).collect { perMember { Double($0.health?.unconfirmed.load(ordering: .relaxed) ?? 0) } }
        guard let sharded = store.sharded else { return }
        let stored = exporter.counterFamily(
            "capd_store_shard_rows_stored_total", help: "Rows written to each store shard.", labels: ["shard"])
        stored.collect { sharded.shardMetrics().map { (labels: [$0.name], value: Double($0.metrics.totalStored)) } }
        let depth = exporter.gaugeFamily(
            "capd_store_shard_queue_depth", help: "Rows waiting for each store shard (memory and spool).", labels: ["shard"])
        depth.collect { sharded.shardMetrics().map { (labels: [$0.name], value: Double($0.metrics.queueDepth)) } }
        let spool = exporter.gaugeFamily(
            "capd_store_shard_spool_bytes", help: "Bytes in each store shard's spool.", labels: ["shard"])
        spool.collect { sharded.shardMetrics().map { (labels: [$0.name], value: Double($0.metrics.spoolBytes)) } }
        let state = exporter.gaugeFamily(
            "capd_store_shard_state", help: "1 for each store shard's current state, 0 for the others.",
            labels: ["shard", "state"])
        state.collect {
            sharded.shardMetrics().flatMap { shard in
                StoreState.allCases.map { (labels: [shard.name, $0.rawValue], value: $0 == shard.metrics.state ? 1 : 0) }
            }
        }
    }
}
