import Capture
import HEP
import Logging
import Rules

extension RelayPool {
    static let logger = Logger(label: "capd.relay")

    /// Once per change of a member's state (never per packet).
    @Sendable static func logMemberChange(_ member: RelayMemberHealth, _ up: Bool) {
        let unconfirmed = member.unconfirmed.load(ordering: .relaxed)
        if up {
            logger.info("event=relay_member_up probe=\(member.endpoint) unconfirmed_total=\(unconfirmed) detail=\"member answers again: its calls return to it\"")
        } else {
            logger.warning("event=relay_member_down probe=\(member.endpoint) unconfirmed_total=\(unconfirmed) detail=\"member does not answer: its calls move to the other members; packets sent to it in the last second may be lost with it\"")
        }
    }

    /// Where a member's health probe connects: its address and `check_port` (default: its own port).
    static func probeEndpoint(of member: RelayTarget, check: RelayHealthCheck) -> SocketEndpoint? {
        guard case .tcpConnect(let port) = check else { return nil }
        return SocketEndpoint(address: member.address, port: port ?? member.endpoint.port)
    }
}
