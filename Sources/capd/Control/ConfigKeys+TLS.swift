import Rules

extension ConfigKeys {
    /// `tls.*`: the certificate, key, CA, client-certificate policy and minimum version are live (a reload
    /// builds a new server context; new connections use it, established ones keep theirs); the handshake
    /// timeout is fixed when the listener starts.
    static let tlsSettings: [ConfigKey] = [
        tlsKey("tls.cert") { $0?.certificate },
        tlsKey("tls.key") { $0?.privateKey },
        tlsKey("tls.ca") { $0?.ca },
        tlsKey("tls.require_client_cert") { $0?.requireClientCertificate },
        tlsKey("tls.min_version") { $0?.minimumVersion },
        ConfigKey(path: "tls.handshake_timeout_s", applies: .afterRestart,
                  differs: { $0.tls?.handshakeTimeoutSeconds != $1.tls?.handshakeTimeoutSeconds },
                  copy: { target, source in
                      if let seconds = source.tls?.handshakeTimeoutSeconds { target.tls?.handshakeTimeoutSeconds = seconds }
                  }),
        // Adding or removing the whole section: live for relays and checks; listeners still need it to run.
        ConfigKey(path: "tls", applies: .live, differs: { ($0.tls == nil) != ($1.tls == nil) },
                  copy: { target, source in target.tls = source.tls }),
    ]

    /// A live `tls.*` key compared through `value`; the whole section travels with it.
    private static func tlsKey<Value: Equatable & Sendable>(
        _ path: String, _ value: @escaping @Sendable (TLSSettings?) -> Value?
    ) -> ConfigKey {
        ConfigKey(path: path, applies: .live, differs: { value($0.tls) != value($1.tls) },
                  copy: { target, source in target.tls = source.tls })
    }
}
