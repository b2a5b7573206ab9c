/// Reading a sharded store: every shard is asked and the answers merged. A call normally lives on one shard
/// (rows are placed by Call-ID); one found on several (the shard list changed while it ran) is merged whole.
extension CallStore {
    static func openShards(_ configuration: Configuration) throws(StoreError) -> [CallStore] {
        guard !configuration.shardURLs.isEmpty else { return [] }
        var readers: [CallStore] = []
        for url in configuration.shardURLs {
            var single = configuration
            single.url = url
            single.shardURLs = []
            readers.append(try CallStore(single))
        }
        return readers
    }

    func searchShards(_ filter: CallFilter) throws(StoreError) -> [CallSummary] {
        let limit = max(1, min(filter.limit, CallFilter.maxLimit))
        var found: [String: [CallSummary]] = [:]
        for reader in shardReaders {
            for summary in try reader.search(filter) { found[summary.callID, default: []].append(summary) }
        }
        var merged: [CallSummary] = []
        for (callID, summaries) in found {
            if summaries.count == 1 {
                merged.append(summaries[0])
            } else if let record = try callFromShards(callID, window: nil), let whole = CallSummary(messages: record.messages) {
                merged.append(whole)
            }
        }
        return Array(merged.sorted { ($0.start, $0.callID) < ($1.start, $1.callID) }.prefix(limit))
    }

    func callFromShards(_ callID: String, window: TimeWindow?) throws(StoreError) -> CallRecord? {
        var messages: [StoredMessage] = []
        var reports: [StoredReport] = []
        for reader in shardReaders {
            guard let record = try reader.call(callID, window: window) else { continue }
            messages += record.messages
            reports += record.reports
        }
        guard !messages.isEmpty else { return nil }
        messages.sort { $0.microTimestamp < $1.microTimestamp }
        reports.sort { $0.microTimestamp < $1.microTimestamp }
        return CallRecord(callID: callID, messages: messages, reports: reports)
    }
}
