/// A JSON-RPC 2.0 error object.
struct JSONRPCError: Error, Equatable, Sendable {
    var code: Int
    var message: String
    var data: JSONValue?

    static let parseError = JSONRPCError(code: -32700, message: "Parse error")
    static func invalidRequest(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: -32600, message: "Invalid Request", data: .string(detail))
    }
    static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(code: -32601, message: "Method not found", data: .string(method))
    }
    static func invalidParams(_ detail: String) -> JSONRPCError {
        JSONRPCError(code: -32602, message: "Invalid params", data: .string(detail))
    }
    /// Implementation-defined server errors use -32000...-32099.
    static func serverError(_ message: String, detail: String) -> JSONRPCError {
        JSONRPCError(code: -32000, message: message, data: .string(detail))
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }
}

/// Decodes JSON-RPC 2.0 requests (single or batch), calls `method` for each and builds the reply.
/// Notifications (no `id`) get no reply object; a request made only of notifications gets no body.
struct JSONRPCServer: Sendable {
    typealias Method = @Sendable (_ name: String, _ params: JSONValue?) -> Result<JSONValue, JSONRPCError>

    var call: Method
    var maxBatch = 100

    /// The HTTP status and JSON body (nil: nothing to say, i.e. 204) for a request body.
    func respond(to body: [UInt8]) -> (HTTPStatus, [UInt8]?) {
        guard let value = JSONValue.parse(body) else {
            return (.badRequest, Self.reply(id: .null, .failure(.parseError)).serialized())
        }
        switch value {
        case .array(let items):
            if items.isEmpty {
                return (.badRequest, Self.reply(id: .null, .failure(.invalidRequest("empty batch"))).serialized())
            }
            if items.count > maxBatch {
                let error = JSONRPCError.invalidRequest("batch larger than \(maxBatch) requests")
                return (.badRequest, Self.reply(id: .null, .failure(error)).serialized())
            }
            let replies = items.compactMap { handle($0) }
            return replies.isEmpty ? (.noContent, nil) : (.ok, JSONValue.array(replies).serialized())
        default:
            guard let reply = handle(value) else { return (.noContent, nil) }
            let isRequestError: Bool
            if case .object(let object) = reply, case .object(let error)? = object["error"],
               case .int(let code)? = error["code"] {
                isRequestError = code == -32600
            } else {
                isRequestError = false
            }
            return (isRequestError ? .badRequest : .ok, reply.serialized())
        }
    }

    /// The reply object for one request, nil for a valid notification.
    private func handle(_ request: JSONValue) -> JSONValue? {
        guard case .object(let object) = request else {
            return Self.reply(id: .null, .failure(.invalidRequest("a request must be a JSON object")))
        }
        let id = object["id"]
        let validID: JSONValue
        switch id {
        case nil, .null?, .string?, .int?, .double?: validID = id ?? .null
        default:
            return Self.reply(id: .null, .failure(.invalidRequest("id must be a string, a number or null")))
        }
        guard object["jsonrpc"] == .string("2.0") else {
            return Self.reply(id: validID, .failure(.invalidRequest("jsonrpc must be \"2.0\"")))
        }
        guard case .string(let method)? = object["method"] else {
            return Self.reply(id: validID, .failure(.invalidRequest("method must be a string")))
        }
        let params = object["params"]
        switch params {
        case nil, .array?, .object?: break
        default:
            return Self.reply(id: validID, .failure(.invalidRequest("params must be an array or an object")))
        }
        let result = call(method, params)
        guard id != nil else { return nil }      // notification
        return Self.reply(id: validID, result)
    }

    static func reply(id: JSONValue, _ result: Result<JSONValue, JSONRPCError>) -> JSONValue {
        switch result {
        case .success(let value):
            return .object(["jsonrpc": .string("2.0"), "result": value, "id": id])
        case .failure(let error):
            return .object(["jsonrpc": .string("2.0"), "error": error.json, "id": id])
        }
    }
}
