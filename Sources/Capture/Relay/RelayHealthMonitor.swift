#if canImport(Glibc)
import Glibc
#endif
import CSocket
import HEP
import Service
import Synchronization

/// Liveness of one relay group member as the monitor last saw it. Read per packet (one atomic load).
public final class RelayMemberHealth: Sendable {
    public let endpoint: SocketEndpoint
    private let upFlag = Atomic<Bool>(true)
    /// Up → down and down → up changes since start (`capd_relay_member_transitions_total`).
    public let transitions = Atomic<Int>(0)
    /// Consecutive successful probes while down.
    fileprivate let successes = Atomic<Int>(0)
    /// Packets routed to the member (by every group that probes this endpoint).
    private let routed = Atomic<Int>(0)
    /// Packets routed to the member in the last second before a probe found it down, and while it was down
    /// (`capd_relay_member_unconfirmed_total`): UDP gives no receipt, so this is the most a member that died
    /// can have taken with it (its socket buffer, its rows not yet stored, what was sent before the relay noticed).
    public let unconfirmed = Atomic<Int>(0)
    /// `routed` at the end of the last probe rounds, oldest first (the monitor's thread only).
    private let history = Mutex<[Int]>([])

    init(endpoint: SocketEndpoint) { self.endpoint = endpoint }

    public var isUp: Bool { upFlag.load(ordering: .relaxed) }

    /// A packet was routed to this member (one relaxed atomic add per packet).
    public func noteRouted() { routed.add(1, ordering: .relaxed) }

    /// After each probe round: adds to `unconfirmed` what was routed in the `rounds` rounds before the member was
    /// found down, or since the last round while it stays down.
    fileprivate func account(rounds: Int, wentDown: Bool) {
        let now = routed.load(ordering: .relaxed)
        history.withLock { past in
            if wentDown {
                unconfirmed.add(now - (past.first ?? now), ordering: .relaxed)
            } else if !isUp {
                unconfirmed.add(now - (past.last ?? now), ordering: .relaxed)
            }
            past.append(now)
            if past.count > rounds { past.removeFirst(past.count - rounds) }
        }
    }

    fileprivate func record(_ reachable: Bool, upAfter: Int) -> Bool? {
        if reachable {
            guard !isUp else { return nil }
            if successes.add(1, ordering: .relaxed).newValue < upAfter { return nil }
        } else {
            successes.store(0, ordering: .relaxed)
            guard isUp else { return nil }
        }
        successes.store(0, ordering: .relaxed)
        upFlag.store(reachable, ordering: .relaxed)
        transitions.add(1, ordering: .relaxed)
        return reachable
    }
}

/// Probes every watched endpoint with a TCP connect, all at once from one thread: a member is down after one
/// failed probe (refused, or no answer within `timeoutMilliseconds`) and up again after `upAfter` good ones in a
/// row. With the defaults a dead member is noticed within 0.2 + 0.3 s and a recovered one after ~0.4 s.
public final class RelayHealthMonitor: Sendable {
    public struct Settings: Sendable {
        public var intervalMilliseconds = 200
        public var timeoutMilliseconds = 300
        public var upAfter = 2
        public init() {}
    }

    private let settings: Settings
    private let members = Mutex<[SocketEndpoint: RelayMemberHealth]>([:])
    /// Started on first use; sleeps `intervalMilliseconds` between rounds, woken early only by `stop`.
    private let service = ServiceThread(name: "relay-health")
    /// Called on the monitor's thread once per change (the member, now up).
    private let onChange: @Sendable (RelayMemberHealth, Bool) -> Void

    public init(settings: Settings = .init(), onChange: @escaping @Sendable (RelayMemberHealth, Bool) -> Void = { _, _ in }) {
        self.settings = settings
        self.onChange = onChange
    }

    /// The health of `endpoint`, probed from now on (the monitor's thread starts on first use).
    public func health(of endpoint: SocketEndpoint) throws(CaptureError) -> RelayMemberHealth {
        let health = members.withLock { all in
            if let known = all[endpoint] { return known }
            let created = RelayMemberHealth(endpoint: endpoint)
            all[endpoint] = created
            return created
        }
        try startIfNeeded()
        return health
    }

    /// Stops probing endpoints no longer in use (after a reload).
    public func retain(only endpoints: Set<SocketEndpoint>) {
        members.withLock { all in all = all.filter { endpoints.contains($0.key) } }
    }

    public var watched: [RelayMemberHealth] {
        members.withLock { Array($0.values) }.sorted { $0.endpoint.description < $1.endpoint.description }
    }

    public func stop() {
        service.stopAndJoin()
    }

    deinit {
        service.stop()
    }

    /// Starts the thread unless it runs already or the monitor was stopped.
    private func startIfNeeded() throws(CaptureError) {
        try service.startCapture { [self] in run() }
    }

    private func run() {
        while !service.isStopping {
            let round = watched
            let reachable = Self.probe(round.map(\.endpoint), timeoutMilliseconds: settings.timeoutMilliseconds)
            // Rounds in the last second (each is at least an interval long).
            let rounds = max(1, (1_000 + settings.intervalMilliseconds - 1) / settings.intervalMilliseconds)
            for (health, ok) in zip(round, reachable) {
                let change = health.record(ok, upAfter: settings.upAfter)
                health.account(rounds: rounds, wentDown: change == false)
                if let now = change { onChange(health, now) }
            }
            service.waitForWake(timeout: .milliseconds(settings.intervalMilliseconds))
        }
    }

    /// Non-blocking connects to every endpoint, then one poll for them all: true where the connection opened.
    static func probe(_ endpoints: [SocketEndpoint], timeoutMilliseconds: Int) -> [Bool] {
        var result = [Bool](repeating: false, count: endpoints.count)
        var polls: [pollfd] = []
        var pending: [Int] = []
        defer { for p in polls { Glibc.close(p.fd) } }
        for (index, endpoint) in endpoints.enumerated() {
            guard let (fd, start) = try? StreamConnect.start(to: endpoint) else { continue }
            switch start {
            case .connected:
                result[index] = true
                Glibc.close(fd)
            case .inProgress:
                polls.append(pollfd(fd: fd, events: Int16(POLLOUT), revents: 0))
                pending.append(index)
            case .failed:
                break
            }
        }
        let deadline = Clock.monotonicSeconds() + Double(timeoutMilliseconds) / 1_000
        var open = polls.count
        while open > 0 {
            let left = Int32(max(0, (deadline - Clock.monotonicSeconds()) * 1_000))
            let ready = poll(&polls, nfds_t(polls.count), left)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { break }
            for i in polls.indices where polls[i].revents != 0 && polls[i].events != 0 {
                result[pending[i]] = StreamConnect.pendingError(polls[i].fd) == 0 && polls[i].revents & Int16(POLLOUT) != 0
                polls[i].events = 0   // answered: poll ignores it from now on
                open -= 1
            }
        }
        return result
    }
}
