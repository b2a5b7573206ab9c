import HEP
import TLS

extension ConfigParser {
    static let relayTLSKeys = ["ca", "cert", "key", "min_version"]
    static let tlsKeys = ["cert", "key", "ca", "require_client_cert", "min_version", "handshake_timeout_s"]

    /// `tls: { cert, key, ca, require_client_cert, min_version, handshake_timeout_s }`. The files are loaded
    /// with OpenSSL as the listener will load them (exists, parses, not encrypted, key matches certificate);
    /// an error points at the key naming the file at fault.
    mutating func parseTLS(_ node: YAMLNode, baseDirectory: String) -> TLSSettings? {
        guard let f = fields(node, allowed: Self.tlsKeys, context: "tls") else { return nil }
        let certificate = f["cert"].flatMap { string($0.value, "tls.cert") }
        let key = f["key"].flatMap { string($0.value, "tls.key") }
        guard let certificate, let key else {
            if f["cert"] == nil { error(node.mark, "tls needs 'cert: FILE' (PEM certificate or chain)") }
            if f["key"] == nil { error(node.mark, "tls needs 'key: FILE' (unencrypted PEM private key)") }
            return nil
        }
        var settings = TLSSettings(certificate: Self.resolve(certificate, in: baseDirectory),
                                   privateKey: Self.resolve(key, in: baseDirectory))
        if let p = f["ca"], let v = string(p.value, "tls.ca") { settings.ca = Self.resolve(v, in: baseDirectory) }
        if let p = f["require_client_cert"], let v = bool(p.value, "tls.require_client_cert") {
            settings.requireClientCertificate = v
            if v && settings.ca == nil {
                error(p.value.mark, "tls.require_client_cert needs tls.ca (the CA that signs the agents' certificates)")
                return nil
            }
        }
        if let p = f["min_version"] {
            guard let version = tlsVersion(p.value, "tls.min_version") else { return nil }
            settings.minimumVersion = version
        }
        if let p = f["handshake_timeout_s"], let v = integer(p.value, "tls.handshake_timeout_s", in: 1...600) {
            settings.handshakeTimeoutSeconds = v
        }
        do {
            let context = try TLSContext.server(settings.serverFiles)
            if let summary = context.certificate, summary.isExpired {
                warning((f["cert"] ?? f["key"])!.value.mark, "the certificate '\(certificate)' expired on \(summary.notAfter): agents that check it will refuse the connection")
            }
        } catch {
            let mark = error.role.flatMap { f[$0.rawValue] }?.value.mark ?? node.mark
            self.error(mark, "tls: \(error)")
            return nil
        }
        return settings
    }

    /// `1.2` or `1.3` (YAML may read them as numbers; `TLSv1.2` is accepted too).
    mutating func tlsVersion(_ node: YAMLNode, _ what: String) -> TLSProtocolVersion? {
        guard let text = node.scalar else {
            error(node.mark, "expected 1.2 or 1.3 for \(what), found \(node.kindName)")
            return nil
        }
        let lower = text.lowercased()
        let bare = lower.hasPrefix("tlsv") ? String(lower.dropFirst(4)) : lower
        guard let version = TLSProtocolVersion(rawValue: bare) else {
            error(node.mark, "\(what) must be 1.2 or 1.3 (older TLS versions are never accepted), found '\(text)'")
            return nil
        }
        return version
    }

    /// The TLS files of a `tls://` relay target (`ca`, `cert`, `key` next to `to:`), checked as the relay
    /// will load them. nil after an error.
    mutating func relayTLSFiles(_ f: [String: YAMLPair], baseDirectory: String) -> TLSClientFiles? {
        var files = TLSClientFiles()
        if let p = f["ca"], let v = string(p.value, "relay ca") { files.ca = Self.resolve(v, in: baseDirectory) }
        if let p = f["cert"], let v = string(p.value, "relay cert") { files.certificate = Self.resolve(v, in: baseDirectory) }
        if let p = f["key"], let v = string(p.value, "relay key") { files.privateKey = Self.resolve(v, in: baseDirectory) }
        if let p = f["min_version"] {
            guard let version = tlsVersion(p.value, "relay min_version") else { return nil }
            files.minimumVersion = version
        }
        do {
            _ = try TLSContext.client(files)
        } catch {
            let mark = error.role.flatMap { f[$0.rawValue] }?.value.mark ?? (f["cert"] ?? f["key"] ?? f["to"])?.value.mark
            if let mark { self.error(mark, "relay tls: \(error)") }
            return nil
        }
        return files
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }
}

extension ConfigParser {
    /// A `tls://` listener needs the `tls:` section; a `tls:` section without such a listener is only noted.
    mutating func checkTLSListeners(_ listen: [Endpoint], tls: TLSSettings?, section: YAMLPair?, listenNode: YAMLNode?) {
        let hasTLSListener = listen.contains { $0.transport == .tls }
        if hasTLSListener && section == nil {
            let item = listenNode.flatMap { node in items(node).first { $0.scalar?.lowercased().hasPrefix("tls://") == true } }
            error(item?.mark ?? listenNode?.mark ?? SourceMark(file: 0, line: 1, column: 1),
                  "a tls:// listener needs a tls: section with cert and key")
        } else if !hasTLSListener, let section {
            warning(section.key.mark, "tls: is set but no listener is tls://HOST:PORT")
        }
    }
}
