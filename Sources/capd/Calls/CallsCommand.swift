import ArgumentParser
import Foundation
import Store

/// `capd calls`: find stored calls; `show` draws one as a ladder, `pcap` writes it as a capture.
struct CallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "Search the store for calls; show one as a ladder diagram or write it as a pcap.",
        subcommands: [CallsListCommand.self, CallsShowCommand.self, CallsPcapCommand.self],
        defaultSubcommand: CallsListCommand.self
    )
}

/// `capd calls [filters]`: one line per call, earliest first.
struct CallsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "One line per call: start, Call-ID, from, to, first method, final status, duration, messages, nodes.",
        discussion: """
            Searches the window (default: the last hour; with --call-id alone: every table) and returns at most \
            --limit calls (default \(CallFilter.defaultLimit), at most \(CallFilter.maxLimit)), earliest first. \
            A call matches when one of its messages in the window matches every filter given.
            """
    )

    @OptionGroup var store: CallsStoreOptions
    @OptionGroup var time: CallsTimeOptions

    @Option(name: .customLong("call-id"), help: "Call-ID.") var callID: String?
    @Option(name: .customLong("from-user"), help: "User part of From.") var fromUser: String?
    @Option(name: .customLong("to-user"), help: "User part of To.") var toUser: String?
    @Option(name: .customLong("method"), help: "Request method (INVITE, BYE, ...).") var method: String?
    @Option(name: .customLong("status"), help: "Reply status code (486, ...).") var status: String?
    @Option(name: .customLong("ip"), help: "Source or destination address.") var ip: String?
    @Option(name: .customLong("limit"), help: "Most calls listed (1...\(CallFilter.maxLimit)).") var limit = CallFilter.defaultLimit
    @Flag(name: .customLong("json"), help: "A JSON array instead of text.") var json = false

    func validate() throws {
        guard (1...CallFilter.maxLimit).contains(limit) else {
            throw ValidationError("--limit must be 1...\(CallFilter.maxLimit)")
        }
        if let status, Int(status) == nil { throw ValidationError("--status must be a number like 486") }
    }

    func run() throws {
        let window: TimeWindow? = (callID != nil && !time.isGiven) ? nil : try time.window(now: CallsTimeOptions.now())
        let filter = CallFilter(window: window, callID: callID, fromUser: fromUser, toUser: toUser, method: method,
                                status: status, ip: ip, limit: limit)
        let calls: [CallSummary]
        do {
            calls = try store.open().search(filter)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("capd calls: \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(json ? CallListing.json(calls) : CallListing.text(calls), terminator: "")
    }
}

/// `capd calls show CALL-ID [--raw]`.
struct CallsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "A call's messages as a ladder diagram, with its RTCP/QoS reports and log lines; --raw adds the messages."
    )

    @OptionGroup var store: CallsStoreOptions
    @Flag(name: .customLong("raw"), help: "Print every SIP message in full under the ladder.") var raw = false
    @Argument(help: "Call-ID.") var callID: String

    func run() throws {
        let record = try CallLookup.find(callID, store: store)
        print(LadderText(record: record).render(raw: raw), terminator: "")
    }
}

/// `capd calls pcap CALL-ID > call.pcap`.
struct CallsPcapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pcap",
        abstract: "Write a call's SIP messages as a pcap (Ethernet/IP/UDP) to standard output or -o FILE."
    )

    @OptionGroup var store: CallsStoreOptions
    @Option(name: [.short, .customLong("output")], help: "File to write (default: standard output).") var output: String?
    @Argument(help: "Call-ID.") var callID: String

    func run() throws {
        let record = try CallLookup.find(callID, store: store)
        let pcap = CallPcap(messages: record.messages)
        for reason in pcap.skipped { FileHandle.standardError.write(Data("capd calls pcap: skipped \(reason)\n".utf8)) }
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(pcap.bytes)) else {
                FileHandle.standardError.write(Data("capd calls pcap: cannot write \(output)\n".utf8))
                throw ExitCode(1)
            }
        } else {
            FileHandle.standardOutput.write(Data(pcap.bytes))
        }
    }
}

enum CallLookup {
    static func find(_ callID: String, store: CallsStoreOptions) throws -> CallRecord {
        let record: CallRecord?
        do {
            record = try store.open().call(callID)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("capd calls: \(error)\n".utf8))
            throw ExitCode(1)
        }
        guard let record else {
            FileHandle.standardError.write(Data("capd calls: no message with Call-ID \(callID)\n".utf8))
            throw ExitCode(1)
        }
        return record
    }
}
