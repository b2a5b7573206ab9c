import ArgumentParser

@main
struct CapdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capd",
        abstract: "SIP capture server: HEP v1/v2/v3 and libpcap in, YAML rules, SQLite/PostgreSQL out.",
        subcommands: [RunCommand.self, CheckCommand.self, CtlCommand.self, ReplayCommand.self, InspectCommand.self,
                      CallsCommand.self]
    )
}
