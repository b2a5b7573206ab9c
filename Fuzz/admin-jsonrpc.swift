// libFuzzer target: the admin plane's JSON-RPC 2.0 body handling (`POST /mi`): JSON parse with the nesting guard,
// single and batch requests, id/params validation, reply serialisation. Built by scripts/fuzz.sh with
// Sources/capd/Admin/{JSONRPC,JSONValue,HTTPStatus}.swift compiled in (they live in the capd executable).
import Foundation

private let server = JSONRPCServer(call: { name, params in
    switch name {
    case "echo": return .success(params ?? .null)
    case "fail": return .failure(.invalidParams("fuzz"))
    default: return .failure(.methodNotFound(name))
    }
})

@_cdecl("LLVMFuzzerTestOneInput")
public func adminJSONRPCFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let (status, reply) = server.respond(to: body)
    switch status.code {
    case 200:
        // Every 200 carries a JSON reply that parses back.
        guard let reply, JSONValue.parse(reply) != nil else { fatalError("200 without a JSON reply") }
    case 204:
        if reply != nil { fatalError("204 with a body") }
    case 400:
        guard let reply, case .object(let object)? = JSONValue.parse(reply), object["error"] != nil
        else { fatalError("400 without a JSON-RPC error object") }
    default:
        fatalError("unexpected status \(status.code)")
    }
    // Whatever parses must serialise and parse back to the same value (ids are echoed to clients).
    if let value = JSONValue.parse(body) {
        let again = value.serialized()
        guard let reparsed = JSONValue.parse(again) else { fatalError("serialised JSON does not parse") }
        if !sameJSON(reparsed, value) { fatalError("JSON round trip changed the value") }
    }
    return 0
}

/// Equality that treats NaN-free doubles by value (serialisation may print 1.0 as 1).
private func sameJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
    case (.null, .double(let y)), (.double(let y), .null): return !y.isFinite   // encoded as null
    case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { sameJSON(value, $0) } ?? false }
    default: return a == b
    }
}
