#if canImport(Glibc)
import Glibc
#endif
import TLS

/// HEP over TLS to a `tls://` target: the relay's blocking TCP socket (send and receive timeouts) carries
/// an OpenSSL client session that checks the server's certificate against the target's CA and name.
extension HEPRelay {
    static func makeTLSContext(for target: RelayDestination) throws(CaptureError) -> TLSContext? {
        guard target.transport == .tls else { return nil }
        let files = target.tls ?? TLSClientFiles()
        do {
            return try TLSContext.client(files)
        } catch {
            throw .invalidTarget("\(target): \(error)")
        }
    }

    /// Handshake on a connected socket; nil (counted, reason kept) when it fails or times out.
    func startTLS(on descriptor: Int32) -> TLSSession? {
        guard let tlsContext else { return nil }
        Socket.setReceiveTimeout(descriptor, milliseconds: configuration.sendTimeoutMilliseconds)
        let name = target.serverName ?? target.endpoint.address.description
        do {
            let session = try TLSSession(context: tlsContext, descriptor: descriptor, serverName: name)
            switch session.handshake() {
            case .done: return session
            case .wantRead, .wantWrite: fail("handshake timed out after \(configuration.sendTimeoutMilliseconds) ms")
            case .closed: fail("the server closed the connection during the handshake")
            case .failed(let failure): fail(failure.description)
            }
        } catch {
            fail(error.description)
        }
        return nil
    }

    private func fail(_ reason: String) {
        counters.handshakeFailures.add(1, ordering: .relaxed)
        counters.lastTLSFailure.withLock { $0 = reason }
    }

    func writeAll(_ bytes: [UInt8], through session: TLSSession) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let step = bytes.withUnsafeBytes { raw in
                session.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            guard case .done(let count) = step else { return false }
            offset += count
        }
        return true
    }
}
