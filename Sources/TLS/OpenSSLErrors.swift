import CLibSSL

/// The calling thread's OpenSSL error queue (OpenSSL keeps one per thread).
enum OpenSSLErrors {
    /// Empties the queue, so that the next failure is read without stale entries.
    static func clear() { ERR_clear_error() }

    /// Drains the queue: the reasons joined ("no start line; ..."), or `fallback` when it was empty.
    static func drain(fallback: String = "unknown OpenSSL error") -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let text = ERR_reason_error_string(code) {
                let reason = String(cString: text)
                if !reasons.contains(reason) { reasons.append(reason) }
            } else {
                reasons.append("error \(code)")
            }
        }
        return reasons.isEmpty ? fallback : reasons.joined(separator: "; ")
    }

    /// The reason code of the oldest queued error without removing it (0 when the queue is empty).
    static func firstReason() -> Int32 {
        let code = ERR_peek_error()
        return code == 0 ? 0 : ERR_GET_REASON(code)
    }
}
