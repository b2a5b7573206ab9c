import Foundation
import Store

/// The calls web view: the page, its script and style, and the JSON/pcap answers it asks for. Read-only;
/// a store connection per request. Paths: `/`, `/call`, `/calls.js`, `/calls.css`, `/api/calls`,
/// `/api/call`, `/api/call.pcap`, `/api/live`.
struct CallsWebHandler: Sendable {
    let configuration: CallStore.Configuration
    let live: LiveSampler?

    static let paths: Set<String> = ["/", "/call", "/calls.js", "/calls.css", "/api/calls", "/api/call", "/api/call.pcap", "/api/live"]

    static func handles(_ path: String) -> Bool { paths.contains(path) }

    func respond(method: String, path: String, query: [String: String], now: Int64 = CallsTimeOptions.now()) -> WebResponse {
        guard method == "GET" || method == "HEAD" else { return .error(405, "the calls view is read-only: GET only") }
        switch path {
        case "/", "/call": return WebResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(CallsWebAssets.html.utf8))
        case "/calls.js": return WebResponse(status: 200, contentType: "text/javascript; charset=utf-8", body: Array(CallsWebAssets.script.utf8))
        case "/calls.css": return WebResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array(CallsWebAssets.style.utf8))
        case "/api/calls": return search(query, now: now)
        case "/api/call": return call(query)
        case "/api/call.pcap": return pcap(query)
        case "/api/live": return .json(live?.json() ?? "{\"interval_ms\":0,\"points\":[]}")
        default: return .error(404, "no such page")
        }
    }

    /// Query parameters as the search form sends them (empty values ignored).
    func filter(_ query: [String: String], now: Int64) throws(WebError) -> CallFilter {
        func value(_ key: String) -> String? {
            guard let v = query[key]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        let time = WindowSpec(since: value("since"), from: value("from"), to: value("to"))
        let callID = value("call_id")
        let window: TimeWindow?
        do {
            window = (callID != nil && !time.isGiven) ? nil : try time.window(now: now)
        } catch {
            throw WebError(status: 400, message: "\(error)")
        }
        var limit = CallFilter.defaultLimit
        if let text = value("limit") {
            guard let n = Int(text), (1...CallFilter.maxLimit).contains(n) else {
                throw WebError(status: 400, message: "limit must be 1...\(CallFilter.maxLimit)")
            }
            limit = n
        }
        if let status = value("status"), Int(status) == nil { throw WebError(status: 400, message: "status must be a number like 486") }
        return CallFilter(window: window, callID: callID, fromUser: value("from_user"), toUser: value("to_user"),
                          method: value("method"), status: value("status"), ip: value("ip"), limit: limit)
    }

    private func search(_ query: [String: String], now: Int64) -> WebResponse {
        do {
            let filter = try filter(query, now: now)
            let calls = try CallStore(configuration).search(filter)
            return .json(CallListing.json(calls))
        } catch let error as WebError {
            return .error(error.status, error.message)
        } catch {
            return .error(503, "\(error)")
        }
    }

    private func record(_ query: [String: String]) -> Result<CallRecord, WebError> {
        guard let id = query["id"], !id.isEmpty else { return .failure(WebError(status: 400, message: "id is missing")) }
        do {
            guard let record = try CallStore(configuration).call(id) else {
                return .failure(WebError(status: 404, message: "no message with Call-ID \(id)"))
            }
            return .success(record)
        } catch {
            return .failure(WebError(status: 503, message: "\(error)"))
        }
    }

    private func call(_ query: [String: String]) -> WebResponse {
        switch record(query) {
        case .failure(let error): return .error(error.status, error.message)
        case .success(let record): return .json(CallJSON.encode(record))
        }
    }

    private func pcap(_ query: [String: String]) -> WebResponse {
        switch record(query) {
        case .failure(let error): return .error(error.status, error.message)
        case .success(let record):
            let file = record.callID.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
            return WebResponse(status: 200, contentType: "application/vnd.tcpdump.pcap", body: CallPcap(messages: record.messages).bytes,
                               headers: ["Content-Disposition": "attachment; filename=\"call-\(file.prefix(80)).pcap\""])
        }
    }
}

struct WebError: Error {
    var status: Int
    var message: String
}

/// A call as the page draws it.
enum CallJSON {
    static func encode(_ record: CallRecord) -> String {
        let hosts = LadderText.columns(record.messages)
        let start = record.messages.first?.microTimestamp ?? 0
        let messages = record.messages.map { m -> String in
            var o = JSONText()
            let source = LadderText.endpoint(m.sourceIP, m.sourcePort)
            let destination = LadderText.endpoint(m.destinationIP, m.destinationPort)
            o.field("time", CallTime.format(m.microTimestamp))
            o.field("offset", LadderText.offset(m.microTimestamp, from: start))
            o.field("from", hosts.firstIndex(of: source) ?? 0)
            o.field("to", hosts.firstIndex(of: destination) ?? 0)
            o.field("src", source)
            o.field("dst", destination)
            o.field("label", m.label)
            o.field("transport", LadderText.transport(m.ipProtocol))
            o.field("node", m.node)
            o.field("raw", String(decoding: m.raw, as: UTF8.self))
            return o.finish()
        }
        let reports = record.reports.map { r -> String in
            var o = JSONText()
            o.field("time", CallTime.format(r.microTimestamp))
            o.field("offset", LadderText.offset(r.microTimestamp, from: start))
            o.field("kind", LadderText.reportKind(r.payloadType))
            o.field("src", LadderText.endpoint(r.sourceIP, r.sourcePort))
            o.field("dst", LadderText.endpoint(r.destinationIP, r.destinationPort))
            o.field("node", r.node)
            o.field("text", r.text)
            return o.finish()
        }
        var o = JSONText()
        o.field("call_id", record.callID)
        o.field("start", CallTime.format(start))
        o.raw("hosts", JSONText.array(hosts.map(JSONText.quoted)))
        o.raw("messages", JSONText.array(messages))
        o.raw("reports", JSONText.array(reports))
        return o.finish()
    }
}
