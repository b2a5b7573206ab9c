import Testing
import Tables
@testable import Store

@Suite struct TableNameTests {
    // 2023-11-14 22:13:20.123456 UTC
    let t: Int64 = 1_700_000_000_123_456

    // Expansion and validation of templates are tested with the type itself (RulesTests/TableTemplateTests);
    // here: what the writer's resolver does with them.
    @Test func resolverExpandsInUTC() throws {
        let resolver = TableNameResolver()
        #expect(try resolver.resolve("sip_capture_call_%Y%m%d", microTimestamp: t) == "sip_capture_call_20231114")
        #expect(try resolver.resolve("homer_%m_%d", microTimestamp: t) == "homer_11_14")
        #expect(try resolver.resolve("sip_capture", microTimestamp: t) == "sip_capture")
        #expect(try resolver.resolve("x_%Y%m%d_%H", microTimestamp: t) == "x_20231114_22")
    }

    @Test func resolverRejectsNamesThatAreNotTableNames() {
        let resolver = TableNameResolver()
        for template in ["bad-name", "t_%Y-%m-%d", String(repeating: "a", count: 64), "", "select", "sqlite_x", "t_%F", "t_%"] {
            #expect(throws: StoreError.self, "\(template)") { try resolver.resolve(template, microTimestamp: t) }
        }
    }

    @Test func receiveTimeNamesTheTableWhenTheAgentClockIsOff() {
        var row = SIPCaptureRow(table: "t_%Y%m%d", microTimestamp: t, receiveMicroTimestamp: t + 9 * 60_000_000)
        #expect(StoreRow.sip(row).namingMicroTimestamp == t)
        row.receiveMicroTimestamp = t + 11 * 60_000_000
        #expect(StoreRow.sip(row).namingMicroTimestamp == row.receiveMicroTimestamp)
        row.receiveMicroTimestamp = t - 86_400_000_000
        #expect(StoreRow.sip(row).namingMicroTimestamp == row.receiveMicroTimestamp)
    }

    @Test func resolverCachesPerHourButNotForMinuteTemplates() throws {
        let resolver = TableNameResolver()
        #expect(try resolver.resolve("a_%Y%m%d", microTimestamp: t) == "a_20231114")
        #expect(try resolver.resolve("a_%Y%m%d", microTimestamp: t + 7_200_000_000) == "a_20231115")
        #expect(try resolver.resolve("b_%H%M", microTimestamp: t) == "b_2213")
        #expect(try resolver.resolve("b_%H%M", microTimestamp: t + 60_000_000) == "b_2214")
        #expect(try !TableTemplate(parsing: "b_%H%M").isHourGranular)
    }

    @Test func utcFormattingMatchesStrftime() {
        for micros: Int64 in [0, 1_700_000_000_123_456, 951_782_400_000_001, 4_102_444_799_999_999, -1] {
            let seconds = TableName.floorDiv(micros, 1_000_000)
            let expected = (try? TableTemplate(parsing: "%Y-%m-%d %H:%M:%S"))?.expand(epochSeconds: seconds) ?? ""
            #expect(UTCTime.format(micros).prefix(19) == Substring(expected))
        }
        #expect(UTCTime.format(1_700_000_000_123_456) == "2023-11-14 22:13:20.123456")
    }

    @Test func retentionReadsTheDayBackFromTheName() {
        #expect(Retention.day(of: "sip_capture_call_20231114", template: "sip_capture_call_%Y%m%d") == "20231114")
        #expect(Retention.day(of: "t_2023_318", template: "t_%Y_%j") == "20231114")
        #expect(Retention.day(of: "sip_capture_call_2023111", template: "sip_capture_call_%Y%m%d") == nil)
        #expect(Retention.day(of: "sip_capture", template: "sip_capture_%Y%m%d") == nil)
        #expect(Retention.day(of: "homer_11_14", template: "homer_%m_%d") == nil)  // no year: never dropped
        #expect(Retention.isExpired(table: "a_20231113", templates: ["a_%Y%m%d"], cutoffDay: "20231114"))
        #expect(!Retention.isExpired(table: "a_20231114", templates: ["a_%Y%m%d"], cutoffDay: "20231114"))
        #expect(Retention.cutoffDay(days: 1, nowMicroTimestamp: t) == "20231114")
        #expect(Retention.cutoffDay(days: 3, nowMicroTimestamp: t) == "20231112")
    }

    @Test func settingsURLs() throws {
        #expect(try StoreLocation(url: "sqlite://capd.db") == .sqlite(path: "capd.db"))
        #expect(try StoreLocation(url: "sqlite:///var/lib/capd.db") == .sqlite(path: "/var/lib/capd.db"))
        #expect(try StoreLocation(url: "postgres://u:p@127.0.0.1:5432/homer") == .postgres(conninfo: "postgres://u:p@127.0.0.1:5432/homer"))
        #expect(try StoreLocation(url: "host=/tmp dbname=x") == .postgres(conninfo: "host=/tmp dbname=x"))
        #expect(throws: StoreError.self) { try StoreLocation(url: "mysql://x") }
        #expect(throws: StoreError.self) { try StoreLocation(url: "sqlite://") }
    }
}
