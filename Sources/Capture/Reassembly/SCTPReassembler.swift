/// Joins the DATA chunks of a fragmented SCTP user message (B … E flags, consecutive TSNs) per stream.
struct SCTPReassembler {
    struct Key: Hashable {
        var flow: FlowKey
        var streamID: UInt16
    }

    private struct Partial {
        var nextTSN: UInt32
        var bytes: [UInt8]
        var lastSeen: Int
    }

    let limits: StreamLimits
    private var partials: [Key: Partial] = [:]
    private var lastSweep = Int.min

    init(limits: StreamLimits) { self.limits = limits }

    /// Adds one fragment (flags without both B and E); returns the whole message after its E fragment.
    mutating func add(
        key: Key, tsn: UInt32, beginning: Bool, ending: Bool, data: UnsafeRawBufferPointer, now: Int
    ) -> [UInt8]? {
        expire(now: now)
        if beginning {
            guard partials.count < limits.maxFlows || partials[key] != nil else { return nil }
            partials[key] = Partial(nextTSN: tsn &+ 1, bytes: Array(data), lastSeen: now)
            return nil
        }
        guard var partial = partials.removeValue(forKey: key), partial.nextTSN == tsn,
              partial.bytes.count + data.count <= limits.maxMessageSize
        else { return nil }
        partial.bytes.append(contentsOf: data)
        if ending { return partial.bytes }
        partial.nextTSN = tsn &+ 1
        partial.lastSeen = now
        partials[key] = partial
        return nil
    }

    private mutating func expire(now: Int) {
        guard now != lastSweep, !partials.isEmpty else { return }
        lastSweep = now
        for (key, partial) in partials where now - partial.lastSeen > limits.idleTimeoutSeconds {
            partials[key] = nil
        }
    }
}
