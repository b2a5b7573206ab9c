import Foundation

/// The inodes of the sockets in state LISTEN on `port` (IPv4 and IPv6), read from `/proc/net/tcp{,6}`.
///
/// "The port refuses connections" is not a sound test that a server closed its socket while other tests run
/// beside it: one of them may bind the freed ephemeral port a moment later. The inode names the socket
/// itself, so a test records it while the server listens and checks after stopping that it is gone.
public func listeningSocketInodes(port: UInt16) -> Set<UInt64> {
    var inodes: Set<UInt64> = []
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let text = try? String(contentsOfFile: table, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n").dropFirst() {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A",
                  let colon = fields[1].lastIndex(of: ":"),
                  UInt16(fields[1][fields[1].index(after: colon)...], radix: 16) == port,
                  let inode = UInt64(fields[9]) else { continue }
            inodes.insert(inode)
        }
    }
    return inodes
}
