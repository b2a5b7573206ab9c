import Affinity

extension ConfigParser {
    static let storeShardKeys = ["shards", "shard_by"]

    /// `store.shards: [URL, ...]` and `store.shard_by: call_id|correlation_id|src_ip`.
    mutating func parseStoreShards(_ f: [String: YAMLPair], into store: inout StoreSettings) {
        if let p = f["shard_by"], let text = string(p.value, "store.shard_by") {
            // src_ip would split a call whose messages come from both ends: only call keys shard a store.
            let allowed: [AffinityKey] = [.callID, .correlationID]
            if let key = AffinityKey(rawValue: text), allowed.contains(key) {
                store.shardBy = key
            } else {
                error(p.value.mark, "store.shard_by must be call_id or correlation_id, found '\(text)'"
                      + Suggest.didYouMean(text, allowed.map(\.rawValue)))
            }
            if f["shards"] == nil { error(p.key.mark, "store.shard_by needs store.shards") }
        }
        guard let p = f["shards"] else { return }
        guard case .sequence(let items) = p.value.kind, !items.isEmpty else {
            error(p.value.mark, "store.shards must be a list of store URLs")
            return
        }
        if let url = f["url"] {
            error(url.key.mark, "store.url and store.shards exclude each other: list every database under store.shards")
        }
        var urls: [String] = []
        for item in items {
            guard let url = string(item, "store.shards") else { continue }
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || (url.hasPrefix("sqlite://") && url.count > 9)
                    || (!url.contains("://") && url.contains("=")) else {
                error(item.mark, "store.shards: '\(url)' is not sqlite://PATH, postgres://... or a libpq key=value string")
                continue
            }
            if urls.contains(url) {
                error(item.mark, "store.shards lists '\(url)' twice")
                continue
            }
            urls.append(url)
        }
        if urls.count == 1 { warning(p.value.mark, "store.shards has one shard: every row goes to it") }
        store.shards = urls
        if let first = urls.first { store.url = first }
    }
}
