#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HEP

/// Why a call to the admin endpoint failed.
enum AdminClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Nothing answers at the address.
    case notRunning(SocketEndpoint, reason: String)
    /// The connection broke or timed out mid-call.
    case transport(SocketEndpoint, String)
    /// The endpoint answered with a non-JSON-RPC HTTP error.
    case http(status: Int, body: String)
    /// The answer was not a JSON-RPC 2.0 response.
    case badReply(String)
    /// The method failed.
    case rpc(JSONRPCError)

    var description: String {
        switch self {
        case .notRunning(let address, let reason): return "capd is not running at \(address): \(reason)"
        case .transport(let address, let reason): return "admin call to \(address) failed: \(reason)"
        case .http(let status, let body):
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return "admin endpoint answered HTTP \(status)" + (trimmed.isEmpty ? "" : ": \(trimmed)")
        case .badReply(let why): return "unexpected answer from the admin endpoint: \(why)"
        case .rpc(let error):
            if case .string(let detail)? = error.data { return "\(error.message): \(detail)" }
            return error.message
        }
    }
}

/// A JSON-RPC 2.0 client for `POST /mi`, one connection per call.
struct AdminClient: Sendable {
    let address: SocketEndpoint
    var connectTimeout: Duration = .seconds(3)
    /// Reloads compile the whole configuration; give them time.
    var callTimeout: Duration = .seconds(60)
    var maxReplyBytes = 16 * 1024 * 1024
    /// Sent as `Authorization: Bearer TOKEN` when set (`admin.token`).
    var token: String?

    init(address: SocketEndpoint, token: String? = nil) {
        self.address = address
        self.token = token
    }

    /// Calls `method` and returns its `result`.
    func call(_ method: String, params: [JSONValue] = []) throws(AdminClientError) -> JSONValue {
        let request = JSONValue.object([
            "jsonrpc": .string("2.0"), "method": .string(method), "params": .array(params), "id": .int(1),
        ]).serialized()
        let (status, body) = try exchange(request)
        guard case .object(let reply)? = JSONValue.parse(body) else {
            throw .http(status: status, body: String(decoding: body.prefix(500), as: UTF8.self))
        }
        guard reply["jsonrpc"] == .string("2.0") else { throw .badReply("no \"jsonrpc\": \"2.0\"") }
        if case .object(let error)? = reply["error"] {
            guard case .int(let code)? = error["code"], case .string(let message)? = error["message"] else {
                throw .badReply("malformed error object")
            }
            throw .rpc(JSONRPCError(code: Int(code), message: message, data: error["data"]))
        }
        guard let result = reply["result"] else { throw .badReply("neither result nor error") }
        return result
    }

    /// Sends one HTTP request and returns the response status and body.
    private func exchange(_ body: [UInt8]) throws(AdminClientError) -> (Int, [UInt8]) {
        let fd: Int32
        do {
            fd = try TCPSocket.connect(to: address, timeout: connectTimeout)
        } catch .connect(_, let code) {
            throw .notRunning(address, reason: SocketError.reason(code))
        } catch .connectTimeout {
            throw .notRunning(address, reason: "connection timed out")
        } catch {
            throw .transport(address, error.description)
        }
        defer { close(fd) }
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let head = "POST /mi HTTP/1.1\r\nHost: \(address)\r\nContent-Type: application/json\r\n" + authorization
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let deadline = ContinuousClock.now + callTimeout
        var reply = [UInt8](repeating: 0, count: 64 * 1024)
        var used = 0
        do {
            try TCPSocket.writeAll(fd, Array(head.utf8) + body, until: deadline)
            while true {
                if used == reply.count {
                    guard reply.count < maxReplyBytes else { throw AdminClientError.badReply("reply too large") }
                    reply.append(contentsOf: repeatElement(0, count: reply.count))
                }
                let n = try TCPSocket.read(fd, into: &reply, at: used, until: deadline)
                if n == 0 { break }
                used += n
            }
        } catch let error as AdminClientError {
            throw error
        } catch let error as SocketError {
            throw .transport(address, error.description)
        } catch {
            throw .transport(address, "\(error)")
        }
        return try Self.parseResponse(reply[0..<used])
    }

    /// Status code and body of a complete `Connection: close` HTTP response.
    static func parseResponse(_ bytes: ArraySlice<UInt8>) throws(AdminClientError) -> (Int, [UInt8]) {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        if bytes.count >= 4 {
            for i in bytes.startIndex...(bytes.endIndex - 4) where bytes[i..<(i + 4)].elementsEqual(crlf2) {
                headEnd = i
                break
            }
        }
        guard let headEnd else { throw .badReply("no HTTP response head") }
        let head = String(decoding: bytes[bytes.startIndex..<headEnd], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            throw .badReply("bad status line")
        }
        var body = Array(bytes[(headEnd + 4)...])
        for line in head.split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length",
               let length = Int(parts[1].trimmingCharacters(in: .whitespaces)), length <= body.count {
                body = Array(body.prefix(length))
            }
        }
        return (status, body)
    }
}
