import HEP

/// Would a relay target send packets back into one of capd's own listeners? One check for `capd check` and
/// `capd run` (both load the configuration through `ConfigLoader`).
///
/// Addresses are compared after resolution and with IPv4-mapped IPv6 unmapped. A listener on 0.0.0.0 or ::
/// receives on every local address: loopback, unspecified, and every interface address. Every loopback
/// address (127.0.0.0/8, ::1) counts as the same host. Sending to 0.0.0.0 or :: reaches this machine.
struct RelayLoopCheck {
    struct Listener {
        var endpoint: Endpoint
        var addresses: [IPAddress]
    }

    var listeners: [Listener]
    /// This machine's interface addresses (unmapped).
    var local: [IPAddress]

    init(listen: [Endpoint], resolver: HostResolver, resolve: (String) -> [IPAddress]) {
        listeners = listen.map { Listener(endpoint: $0, addresses: resolve($0.host)) }
        local = listen.isEmpty ? [] : resolver.localAddresses()
    }

    /// The listener that `target` (its host resolved to `addresses`) would reach, nil when none.
    func listener(reachedBy target: Endpoint, addresses: [IPAddress]) -> Endpoint? {
        for listener in listeners
        where listener.endpoint.transport == target.transport && listener.endpoint.port == target.port {
            for bound in listener.addresses {
                for target in addresses where reaches(target.unmapped, bound.unmapped) { return listener.endpoint }
            }
        }
        return nil
    }

    private func isLocal(_ address: IPAddress) -> Bool {
        address.isLoopback || address.isUnspecified || local.contains(address)
    }

    private func reaches(_ target: IPAddress, _ bound: IPAddress) -> Bool {
        if bound.isUnspecified { return isLocal(target) }
        if target.isUnspecified { return isLocal(bound) }
        if target.isLoopback && bound.isLoopback { return true }
        return target == bound
    }
}

extension Config {
    /// Every relay target (named or inline in a rule) that reaches one of `listen`, with that listener. The
    /// loader already refuses these for the listeners of the file; `capd run` calls this again after its
    /// `--listen` overrides.
    public func relayLoops(resolver: HostResolver = .system) -> [(target: RelayTarget, listener: Endpoint)] {
        var targets = relay.values.sorted { $0.name < $1.name }
        for group in relayGroups.values.sorted(by: { $0.name < $1.name }) { targets += group.members }
        for route in program.routes {
            for rule in route.rules {
                for case .relay(let target) in rule.actions where !targets.contains(target) { targets.append(target) }
            }
        }
        let check = RelayLoopCheck(listen: listen, resolver: resolver, resolve: { resolver.resolve($0) })
        return targets.compactMap { target in
            let addresses = [target.address] + resolver.resolve(target.endpoint.host)
            return check.listener(reachedBy: target.endpoint, addresses: addresses).map { (target, $0) }
        }
    }
}
