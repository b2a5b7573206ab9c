import Prometheus

/// The children of `capd_action_errors_total{action}`, looked up once: counting an error on the packet path
/// takes no registry lookup.
struct ActionErrorCounters: Sendable {
    let set: Counter
    let del: Counter
    let relay: Counter

    init(_ family: CounterFamily) {
        set = family.labels("set")
        del = family.labels("del")
        relay = family.labels("relay")
    }
}
