import Foundation
import Testing

/// `capd calls` against SQLite and PostgreSQL, homer5 (one table and daily `sip_%Y%m%d` tables) and homer7,
/// filled by `capd replay` of corpus captures; tshark's reading of the captures is the reference.
@Suite(.serialized) struct CallsCommandTests {
    /// Two captures on two different days: 2005-01-14 (3 calls) and 2005-07-04 (6 calls).
    static let captures = ["pcap/suricata-verify_public-cloudshark-sip-s0.pcap", "pcap/sngrep_aaa.pcap"]
    static let wideWindow = ["--from", "2005-01-01", "--to", "2005-12-31"]

    static func expectedCalls() throws -> [(callID: String, start: Int64, messages: Int)] {
        var merged: [String: (start: Int64, messages: Int)] = [:]
        for file in captures {
            for (id, call) in try TShark.calls(file) {
                let known = merged[id]
                merged[id] = (min(known?.start ?? call.start, call.start), (known?.messages ?? 0) + call.messages)
            }
        }
        return merged.map { ($0.key, $0.value.start, $0.value.messages) }.sorted { ($0.start, $0.callID) < ($1.start, $1.callID) }
    }

    @Test(arguments: CallsStore.all)
    func listsEveryCorpusCallInTimeOrder(_ engine: CallsStore.Engine, _ layout: CallsStore.Layout) throws {
        let store = try CallsStore(engine, layout)
        defer { store.cleanUp() }
        #expect(try store.replay(Self.captures) == 91)
        let expected = try Self.expectedCalls()
        #expect(expected.count == 9)
        let listed = try store.listed(Self.wideWindow)
        #expect(listed.map(\.callID) == expected.map(\.callID), "\(store)")
        #expect(listed.map(\.start) == expected.map(\.start), "\(store)")
        #expect(listed.map(\.messages) == expected.map(\.messages), "\(store)")
        let call = try #require(listed.first { $0.callID == "85216695-42dcdb1d@192.168.1.2" })
        #expect(call.method == "INVITE" && call.status == "403" && call.fromUser == "voi18062", "\(store): \(call)")
    }

    @Test(arguments: CallsStore.all)
    func filtersWindowsAndLimits(_ engine: CallsStore.Engine, _ layout: CallsStore.Layout) throws {
        let store = try CallsStore(engine, layout)
        defer { store.cleanUp() }
        try store.replay(Self.captures)
        // One day only: the daily tables of the other day are not read, the single table is bounded by date.
        let january = try store.listed(["--from", "2005-01-14", "--to", "2005-01-15"])
        #expect(Set(january.map(\.callID)) == ["12013223@200.57.7.195", "12015624@200.57.7.195", "D3A26FC3974B44ECB5A96E07282903E3@bestel.com"], "\(store)")
        #expect(try store.listed(["--from", "2005-07-04 09:43", "--to", "2005-07-04 09:44"]).map(\.callID) == ["85216695-42dcdb1d@192.168.1.2"])
        #expect(try store.listed(["--from", "2005-03-01", "--to", "2005-04-01"]).isEmpty)
        // Field filters.
        #expect(Set(try store.listed(Self.wideWindow + ["--status", "403"]).map(\.callID))
                == ["85216695-42dcdb1d@192.168.1.2", "24487391-449bf2a0@192.168.1.2", "578222729-4665d775@578222732-4665d772"], "\(store)")
        // The REGISTER dialog also has messages from voi18062 (and its first one from voi18063).
        #expect(try store.listed(Self.wideWindow + ["--from-user", "voi18062"]).map(\.callID)
                == ["578222729-4665d775@578222732-4665d772", "85216695-42dcdb1d@192.168.1.2"], "\(store)")
        #expect(try store.listed(Self.wideWindow + ["--to-user", "35104724"]).map(\.callID) == ["11894297-4432a9f8@192.168.1.2"])
        var registering = Set<String>()
        for file in Self.captures {
            for row in try TShark.sipFields(TestEnvironment.shared("corpus/" + file), ["sip.Call-ID", "sip.Method"]) where row.last == "REGISTER" {
                registering.insert(row[0])
            }
        }
        #expect(registering.count >= 2)
        #expect(Set(try store.listed(Self.wideWindow + ["--method", "register"]).map(\.callID)) == registering, "\(store)")
        #expect(try store.listed(Self.wideWindow + ["--ip", "200.57.7.195"]).count == 3)
        #expect(try store.listed(Self.wideWindow + ["--limit", "2"]).map(\.callID) == Array(try Self.expectedCalls().prefix(2).map(\.callID)))
        // A Call-ID alone searches every table, whatever the day.
        #expect(try store.listed(["--call-id", "12015624@200.57.7.195"]).map(\.messages) == [try Self.expectedCalls().first { $0.callID == "12015624@200.57.7.195" }?.messages ?? -1])
        // The default window is the last hour: nothing from 2005.
        #expect(try store.listed([]).isEmpty)
        let tooMany = try store.calls(["--limit", "100000"])
        #expect(tooMany.status != 0 && tooMany.stderr.contains("--limit"))
    }

    /// The golden ladder of one corpus call (sngrep_aaa.pcap; the 8 messages tshark shows for this Call-ID).
    static let goldenLadder = """
                             192.168.1.2:5060                 212.242.33.35:5060
                                     |                                 |
        +0.000000                    |-------------INVITE------------->|
        +0.497671                    |-------------INVITE------------->|
        +1.499513                    |-------------INVITE------------->|
        +1.654269                    |<--407 authentication required---|
        +1.726615                    |---------------ACK-------------->|
        +34.129153                   |-------------INVITE------------->|
        +34.333713                   |<-403 Wrong password or domain---|
        +34.386493                   |---------------ACK-------------->|

        """

    @Test(arguments: CallsStore.all)
    func showDrawsTheGoldenLadder(_ engine: CallsStore.Engine, _ layout: CallsStore.Layout) throws {
        let store = try CallsStore(engine, layout)
        defer { store.cleanUp() }
        try store.replay(Self.captures)
        let result = try store.calls(["show", "85216695-42dcdb1d@192.168.1.2"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "Call-ID: 85216695-42dcdb1d@192.168.1.2")
        #expect(lines.dropFirst().first?.hasPrefix("Start:   2005-07-04 09:43:53.794463 UTC   messages: 8") == true)
        #expect(lines.dropFirst(3).joined(separator: "\n") == Self.goldenLadder, "\(store):\n\(result.stdout)")
        let raw = try store.calls(["show", "--raw", "85216695-42dcdb1d@192.168.1.2"])
        #expect(raw.stdout.components(separatedBy: "\n--- #").count == 9)
        #expect(raw.stdout.contains("SIP/2.0 403 Wrong password or domain\n"))
        let missing = try store.calls(["show", "no-such-call"])
        #expect(missing.status == 1 && missing.stderr.contains("no message with Call-ID no-such-call"))
    }

    /// `capd calls pcap` read back by tshark: as many SIP messages, all with the call's Call-ID, as tshark
    /// finds for that Call-ID in the original capture (UDP, TCP on port 6060, IPv6).
    @Test(arguments: [
        ("pcap/sngrep_aaa.pcap", "85216695-42dcdb1d@192.168.1.2", [String]()),
        ("pcap/heplify_sip_ipv4_tcp_fragmented.pcap", "17c0b3b3-dfd2-42ac-9018-6156179021c0", ["-d", "tcp.port==6060,sip"]),
        ("pcap/heplify_sip_ipv6.pcap", "c3eF6f58-363323Cd-8058EB88-10300252@fe80:0:0:0:21a:a0ff:fe07:32e0", []),
    ])
    func pcapDecodesAsTheSameSIPMessages(_ file: String, _ callID: String, _ hint: [String]) throws {
        for (engine, layout) in [(CallsStore.Engine.sqlite, CallsStore.Layout.homer5), (.postgres, .homer7)] {
            let store = try CallsStore(engine, layout)
            defer { store.cleanUp() }
            try store.replay([file])
            let output = store.directory.appendingPathComponent("call.pcap").path
            let result = try store.calls(["pcap", callID, "-o", output])
            #expect(result.status == 0, "\(result.stderr)")
            let decoded = try TShark.sipFields(output, ["sip.Call-ID", "ip.src", "ipv6.src", "udp.srcport"])
            let original = try TShark.sipFields(TestEnvironment.shared("corpus/" + file), ["sip.Call-ID", "ip.src", "ipv6.src", "tcp.srcport", "udp.srcport"], extra: hint)
                .filter { $0.first == callID }
            #expect(decoded.count == original.count && decoded.count > 0, "\(store) \(file): \(decoded.count) vs \(original.count)")
            #expect(decoded.allSatisfy { $0.first == callID }, "\(decoded)")
            // Same addresses and source ports (as a multiset: heplify_sip_ipv6.pcap has frame times past 2038, which
            // capd stores wrapped, so its messages come back in another order).
            let decodedEnds: [String] = decoded.map { row in row[1] + "|" + row[2] + "|" + row[3] }.sorted()
            let originalEnds: [String] = original.map { row in row[1] + "|" + row[2] + "|" + (row[3].isEmpty ? row[4] : row[3]) }.sorted()
            #expect(decodedEnds == originalEnds, "\(store) \(file)")
        }
        // stdout by default.
        let store = try CallsStore(.sqlite, .homer5)
        defer { store.cleanUp() }
        try store.replay(["pcap/sngrep_aaa.pcap"])
        let result = try store.calls(["pcap", "85216695-42dcdb1d@192.168.1.2"])
        #expect(result.status == 0 && result.stdout.contains("SIP/2.0 403 Wrong password or domain\r\n"))
    }
}
