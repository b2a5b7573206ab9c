import Foundation
import Store
import Testing
@testable import capd

/// The web view's answers without a server: a SQLite store filled by `capd replay` of sngrep_aaa.pcap.
@Suite(.serialized) struct CallsWebHandlerTests {
    static let callID = "85216695-42dcdb1d@192.168.1.2"

    func handler() throws -> (CallsWebHandler, CallsStore) {
        let store = try CallsStore(.sqlite, .homer5)
        try store.replay(["pcap/sngrep_aaa.pcap"])
        let configuration = CallStore.Configuration(url: store.url, flavour: .homer5, sipTemplates: ["sip_capture"],
                                                    reportTemplates: ["rtcp_capture"])
        return (CallsWebHandler(configuration: configuration, live: nil), store)
    }

    func json(_ response: WebResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(response.body))
    }

    @Test func searchCallPcapAndErrors() throws {
        let (web, store) = try handler()
        defer { store.cleanUp() }
        let page = web.respond(method: "GET", path: "/", query: [:])
        #expect(page.status == 200 && page.contentType.hasPrefix("text/html"))
        #expect(String(decoding: page.body, as: UTF8.self).contains("<form id=\"search\">"))
        #expect(web.respond(method: "GET", path: "/calls.js", query: [:]).contentType.hasPrefix("text/javascript"))

        let found = web.respond(method: "GET", path: "/api/calls", query: ["from": "2005-07-04", "to": "2005-07-05", "status": "403"])
        #expect(found.status == 200)
        let calls = try #require(try json(found) as? [[String: Any]])
        #expect(Set(calls.compactMap { $0["call_id"] as? String })
                == [Self.callID, "24487391-449bf2a0@192.168.1.2", "578222729-4665d775@578222732-4665d772"])
        // The default window (last hour) holds nothing from 2005; a Call-ID alone reads every table.
        #expect((try json(web.respond(method: "GET", path: "/api/calls", query: [:])) as? [Any])?.isEmpty == true)
        #expect((try json(web.respond(method: "GET", path: "/api/calls", query: ["call_id": Self.callID])) as? [Any])?.count == 1)

        let call = web.respond(method: "GET", path: "/api/call", query: ["id": Self.callID])
        let object = try #require(try json(call) as? [String: Any])
        let messages = try #require(object["messages"] as? [[String: Any]])
        #expect(messages.compactMap { $0["label"] as? String } == [
            "INVITE", "INVITE", "INVITE", "407 authentication required", "ACK", "INVITE", "403 Wrong password or domain", "ACK",
        ])
        #expect(object["hosts"] as? [String] == ["192.168.1.2:5060", "212.242.33.35:5060"])
        #expect(messages.compactMap { $0["from"] as? Int } == [0, 0, 0, 1, 0, 0, 1, 0])
        #expect((messages[3]["raw"] as? String)?.hasPrefix("SIP/2.0 407 authentication required\r\n") == true)

        let pcap = web.respond(method: "GET", path: "/api/call.pcap", query: ["id": Self.callID])
        #expect(pcap.status == 200 && pcap.body.prefix(4) == [0xD4, 0xC3, 0xB2, 0xA1])
        #expect(pcap.headers["Content-Disposition"]?.contains("attachment") == true)

        #expect(web.respond(method: "GET", path: "/api/call", query: ["id": "nope"]).status == 404)
        #expect(web.respond(method: "GET", path: "/api/call", query: [:]).status == 400)
        #expect(web.respond(method: "GET", path: "/api/calls", query: ["limit": "0"]).status == 400)
        #expect(web.respond(method: "GET", path: "/api/calls", query: ["since": "soon"]).status == 400)
        #expect(web.respond(method: "POST", path: "/api/calls", query: [:]).status == 405)
    }

    @Test func unreachableStoreIs503() {
        let web = CallsWebHandler(configuration: .init(url: "sqlite:///nonexistent/dir/x.db", flavour: .homer5,
                                                       sipTemplates: ["sip_capture"], reportTemplates: []), live: nil)
        #expect(web.respond(method: "GET", path: "/api/calls", query: [:]).status == 503)
    }

    @Test func liveSamplerGivesRatesPerReason() throws {
        let counters = LockedCounters()
        let sampler = LiveSampler(interval: .seconds(2), capacity: 3) { counters.values() }
        counters.set(packets: 100, rows: 50, dropped: 0)
        sampler.take()
        usleep(200_000)
        counters.set(packets: 300, rows: 150, dropped: 20)
        sampler.take()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sampler.json().utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        #expect(points.count == 1)
        let packets = try #require(points[0]["packets"] as? Double)
        // 200 packets in ~0.2 s.
        #expect(packets > 300 && packets < 1100, "\(packets)")
        let drops = try #require(points[0]["drops"] as? [String: Double])
        #expect(Set(drops.keys) == ["queue_full"] && (drops["queue_full"] ?? 0) > 0)
        for _ in 0..<5 { sampler.take() }
        #expect(((try JSONSerialization.jsonObject(with: Data(sampler.json().utf8)) as? [String: Any])?["points"] as? [Any])?.count == 2)
    }
}

final class LockedCounters: @unchecked Sendable {
    private let lock = NSLock()
    private var current: [(name: String, value: Double)] = []

    func set(packets: Double, rows: Double, dropped: Double) {
        lock.withLock {
            current = [("capd_packets_received_total{listener=\"udp\",version=\"3\"}", packets),
                       ("capd_rows_stored_total{table=\"sip_capture\"}", rows),
                       ("capd_drops_total{reason=\"queue_full\"}", dropped)]
        }
    }

    func values() -> [(name: String, value: Double)] { lock.withLock { current } }
}

@Suite struct CallsWebAccessTests {
    @Test func queryStringsDecode() {
        let (path, query) = WebQuery.split("/api/call?id=85216695-42dcdb1d%40192.168.1.2&x=a+b&x=second&bad=%zz&empty=")
        #expect(path == "/api/call")
        #expect(query == ["id": "85216695-42dcdb1d@192.168.1.2", "x": "a b", "empty": ""])
        #expect(WebQuery.split("/").query.isEmpty)
    }

    @Test func tokenByHeaderCookieOrQuery() {
        let open = CallsWebAccess(token: nil)
        #expect(open.decide(authorization: nil, cookie: nil, queryToken: nil) == .allowed)
        let guarded = CallsWebAccess(token: "s3cret")
        #expect(guarded.decide(authorization: nil, cookie: nil, queryToken: nil) == .refused)
        #expect(guarded.decide(authorization: "Bearer wrong", cookie: "capd_token=nope", queryToken: "s3cre") == .refused)
        #expect(guarded.decide(authorization: "bearer s3cret", cookie: nil, queryToken: nil) == .allowed)
        #expect(guarded.decide(authorization: nil, cookie: "a=1; capd_token=s3cret", queryToken: nil) == .allowed)
        #expect(guarded.decide(authorization: nil, cookie: nil, queryToken: "s3cret")
                == .allowedSetCookie("capd_token=s3cret; Path=/; HttpOnly; SameSite=Strict"))
    }
}
