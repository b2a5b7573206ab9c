import Capture
import Prometheus
import Rules

/// One loaded configuration as the packet path uses it: the compiled program, a counter per rule and a
/// relay per target. Immutable; a reload builds a new one and the pipeline swaps it in.
final class ActiveRules: Sendable {
    let config: Config
    /// `capd_rule_matches_total` children, `[route][rule]`.
    let ruleMatches: [[Counter]]
    /// Relay senders by target URL (named targets and inline URLs alike), with their
    /// `capd_relay_sent_total` / `capd_relay_failed_total` children.
    let relays: [String: (sender: HEPRelay, sent: Counter, failed: Counter)]
    /// Relay groups by name; their members' senders are in `relays` too (ActiveRules+RelayGroups.swift).
    let groups: [String: HEPRelayGroup]
    let generation: Int

    init(config: Config, metrics: CapdMetrics, relays: RelayPool, generation: Int) throws(CaptureError) {
        self.config = config
        self.generation = generation
        let program = config.program
        ruleMatches = program.routes.indices.map { route in
            program.routes[route].rules.indices.map { rule in
                metrics.ruleMatches.labels(program.ruleName(RuleRef(route: route, rule: rule)))
            }
        }
        var targets: [String: Rules.RelayTarget] = [:]
        for target in config.relay.values { targets[target.senderKey] = target }
        for group in config.relayGroups.values {
            for member in group.members { targets[member.senderKey] = member }
        }
        for route in program.routes {
            for rule in route.rules {
                for case .relay(let target) in rule.actions { targets[target.senderKey] = target }
            }
        }
        var senders: [String: (sender: HEPRelay, sent: Counter, failed: Counter)] = [:]
        for (url, target) in targets {
            senders[url] = (try relays.relay(for: target), metrics.relaySent.labels(target.name),
                            metrics.relayFailed.labels(target.name))
        }
        self.relays = senders
        groups = try Self.relayGroups(config.relayGroups, senders: senders, pool: relays)
    }
}
