import HEP

extension SocketEndpoint {
    /// `capd ctl --admin` and `capd run --admin`: `HOST:PORT`, `[IPV6]:PORT` or `localhost:PORT` (numeric, no
    /// lookup), optionally behind `http://` or `tcp://` and before a `/`.
    init(adminAddress text: String) throws(EndpointError) {
        let body = text.hasSuffix("/") ? text.dropLast() : Substring(text)
        do {
            try self.init(parsing: body, schemes: ["http": .tcp, "tcp": .tcp])
        } catch {
            throw error.reporting(text)
        }
    }
}
