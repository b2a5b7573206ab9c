import Testing
@testable import capd

@Suite("JSON-RPC 2.0 /mi methods (no sockets)")
struct JSONRPCTests {
    private func respond(_ body: String, control: RecordingControl = RecordingControl()) -> (Int, JSONValue?) {
        let methods = MIMethods(control: control)
        let server = JSONRPCServer { name, params in methods.call(name, params: params) }
        let (status, reply) = server.respond(to: Array(body.utf8))
        return (status.code, reply.flatMap { JSONValue.parse($0) })
    }

    private func errorCode(_ reply: JSONValue?) -> Int64? {
        guard case .object(let object)? = reply, case .object(let error)? = object["error"],
              case .int(let code)? = error["code"] else { return nil }
        return code
    }

    private func result(_ reply: JSONValue?) -> JSONValue? {
        guard case .object(let object)? = reply else { return nil }
        return object["result"]
    }

    @Test("sip_capture queries and switches, with array and object params")
    func sipCapture() {
        let control = RecordingControl()
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"sip_capture","id":1}"#, control: control).1) == .string("on"))
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"sip_capture","params":["off"],"id":2}"#, control: control).1) == .string("off"))
        #expect(control.captureEnabled == false)
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"sip_capture","params":[],"id":3}"#, control: control).1) == .string("off"))
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"sip_capture","params":{"mode":"ON"},"id":"x"}"#, control: control).1) == .string("on"))
        #expect(control.captureEnabled)
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"sipcapture:capture","params":{"capture_mode":"off"},"id":4}"#, control: control).1) == .string("off"))
        #expect(control.captureEnabled == false)
    }

    @Test("the reply echoes the id, string or number")
    func echoesID() {
        guard case .object(let reply)? = respond(#"{"jsonrpc":"2.0","method":"sip_capture","id":"abc"}"#).1 else {
            Issue.record("no reply object")
            return
        }
        #expect(reply["id"] == .string("abc"))
        #expect(reply["jsonrpc"] == .string("2.0"))
        guard case .object(let second)? = respond(#"{"jsonrpc":"2.0","method":"sip_capture","id":42}"#).1 else {
            Issue.record("no reply object")
            return
        }
        #expect(second["id"] == .int(42))
    }

    @Test("errors: parse, invalid request, unknown method, invalid params", arguments: [
        ("{not json", Int64(-32700), 400),
        ("", Int64(-32700), 400),
        ("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", Int64(-32700), 400),
        ("42", Int64(-32600), 400),
        ("[]", Int64(-32600), 400),
        (#"{"method":"sip_capture","id":1}"#, Int64(-32600), 400),
        (#"{"jsonrpc":"1.0","method":"sip_capture","id":1}"#, Int64(-32600), 400),
        (#"{"jsonrpc":"2.0","method":7,"id":1}"#, Int64(-32600), 400),
        (#"{"jsonrpc":"2.0","method":"stats","params":"x","id":1}"#, Int64(-32600), 400),
        (#"{"jsonrpc":"2.0","method":"stats","id":{"a":1}}"#, Int64(-32600), 400),
        (#"{"jsonrpc":"2.0","method":"shutdown","id":1}"#, Int64(-32601), 200),
        (#"{"jsonrpc":"2.0","method":"sip_capture","params":["maybe"],"id":1}"#, Int64(-32602), 200),
        (#"{"jsonrpc":"2.0","method":"sip_capture","params":["on","off"],"id":1}"#, Int64(-32602), 200),
        (#"{"jsonrpc":"2.0","method":"sip_capture","params":{"other":"on"},"id":1}"#, Int64(-32602), 200),
        (#"{"jsonrpc":"2.0","method":"sip_capture","params":[true],"id":1}"#, Int64(-32602), 200),
        (#"{"jsonrpc":"2.0","method":"reload","params":["now"],"id":1}"#, Int64(-32602), 200),
        (#"{"jsonrpc":"2.0","method":"stats","params":[1],"id":1}"#, Int64(-32602), 200),
    ])
    func errors(body: String, code: Int64, status: Int) {
        let (httpStatus, reply) = respond(body)
        #expect(errorCode(reply) == code)
        #expect(httpStatus == status)
    }

    @Test("reload: ok result, or error -32000 carrying the diagnostics")
    func reload() {
        let control = RecordingControl()
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"reload","id":1}"#, control: control).1)
                == .object(["result": .string("ok"), "applied": .array([]), "restart_required": .array([])]))
        control.nextReload.withLock { $0 = .failed("rules.yaml:3:7: error: unknown operator 'like'") }
        let reply = respond(#"{"jsonrpc":"2.0","method":"reload","id":2}"#, control: control).1
        #expect(errorCode(reply) == -32000)
        guard case .object(let object)? = reply, case .object(let error)? = object["error"] else {
            Issue.record("no error object")
            return
        }
        #expect(error["data"] == .string("rules.yaml:3:7: error: unknown operator 'like'"))
        #expect(control.reloadCount.value == 2)
    }

    @Test("stats returns every series, or those with the given prefixes")
    func stats() {
        let control = RecordingControl()
        control.statValues.withLock { $0 = [("capd_a_total", 3), ("capd_b_total{x=\"y\"}", 0.5)] }
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"stats","id":1}"#, control: control).1)
                == .object(["capd_a_total": .int(3), "capd_b_total{x=\"y\"}": .double(0.5)]))
        #expect(result(respond(#"{"jsonrpc":"2.0","method":"stats","params":["capd_b"],"id":1}"#, control: control).1)
                == .object(["capd_b_total{x=\"y\"}": .double(0.5)]))
    }

    @Test("notifications get no reply; batches get one reply per request with an id")
    func notificationsAndBatches() {
        let control = RecordingControl()
        let (status, reply) = respond(#"{"jsonrpc":"2.0","method":"sip_capture","params":["off"]}"#, control: control)
        #expect(status == 204)
        #expect(reply == nil)
        #expect(control.captureEnabled == false)
        let batch = #"[{"jsonrpc":"2.0","method":"sip_capture","params":["on"]},{"jsonrpc":"2.0","method":"sip_capture","id":1},{"jsonrpc":"2.0","method":"nope","id":2},5]"#
        let (batchStatus, batchReply) = respond(batch, control: control)
        #expect(batchStatus == 200)
        guard case .array(let replies)? = batchReply else {
            Issue.record("batch reply is not an array")
            return
        }
        #expect(replies.count == 3)
        #expect(result(replies.first) == .string("on"))
        #expect(errorCode(replies.dropFirst().first) == -32601)
        #expect(errorCode(replies.last) == -32600)
    }
}
