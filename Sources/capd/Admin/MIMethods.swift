/// The JSON-RPC methods of `POST /mi`:
/// - `sip_capture` (alias `sipcapture:capture`, the OpenSIPS 4 name): params `[]`, `["on"]`, `["off"]`,
///   or `{"mode": "on"}` (also `capture_mode` / `trace_mode` as OpenSIPS spells it); result `"on"`/`"off"`,
///   the state after the call.
/// - `reload`: result `{"result": "ok", "applied": [KEY...], "restart_required": [KEY...]}` (changed keys by
///   YAML path), or error -32000 "reload failed" with the diagnostics in `data`.
/// - `stats`: result an object of series name → value; optional params `["capd_relay"]` keep only names
///   starting with one of the given prefixes.
struct MIMethods: Sendable {
    let control: any AdminControl

    static let names = ["sip_capture", "sipcapture:capture", "reload", "stats"]

    func call(_ method: String, params: JSONValue?) -> Result<JSONValue, JSONRPCError> {
        switch method {
        case "sip_capture", "sipcapture:capture": return sipCapture(params)
        case "reload": return reload(params)
        case "stats": return stats(params)
        default: return .failure(.methodNotFound(method))
        }
    }

    private func sipCapture(_ params: JSONValue?) -> Result<JSONValue, JSONRPCError> {
        let mode: JSONValue?
        switch params {
        case nil, .array([])?, .object([:])?:
            mode = nil
        case .array(let values)? where values.count == 1:
            mode = values[0]
        case .object(let object)? where object.count == 1:
            guard let key = object.keys.first, ["mode", "capture_mode", "trace_mode"].contains(key) else {
                return .failure(.invalidParams("expected {\"mode\": \"on\"|\"off\"}"))
            }
            mode = object[key]
        default:
            return .failure(.invalidParams("expected no parameter, [\"on\"] or [\"off\"]"))
        }
        if let mode {
            switch mode.stringValue?.lowercased() {
            case "on"?: control.setCaptureEnabled(true)
            case "off"?: control.setCaptureEnabled(false)
            default: return .failure(.invalidParams("capture mode should be 'on' or 'off'"))
            }
        }
        return .success(.string(control.captureEnabled ? "on" : "off"))
    }

    private func reload(_ params: JSONValue?) -> Result<JSONValue, JSONRPCError> {
        switch params {
        case nil, .array([])?, .object([:])?: break
        default: return .failure(.invalidParams("reload takes no parameters"))
        }
        switch control.reload() {
        case .applied(let diff):
            return .success(.object([
                "result": .string("ok"),
                "applied": .array(diff.applied.map(JSONValue.string)),
                "restart_required": .array(diff.restartRequired.map(JSONValue.string)),
            ]))
        case .failed(let message): return .failure(.serverError("reload failed", detail: message))
        }
    }

    private func stats(_ params: JSONValue?) -> Result<JSONValue, JSONRPCError> {
        var prefixes: [String] = []
        switch params {
        case nil, .object([:])?: break
        case .array(let values)?:
            for value in values {
                guard let text = value.stringValue else {
                    return .failure(.invalidParams("stats takes a list of name prefixes"))
                }
                prefixes.append(text)
            }
        default: return .failure(.invalidParams("stats takes a list of name prefixes"))
        }
        var result: [String: JSONValue] = [:]
        for (name, value) in control.stats()
        where prefixes.isEmpty || prefixes.contains(where: { name.hasPrefix($0) }) {
            result[name] = .double(value)
        }
        return .success(.object(result))
    }
}
