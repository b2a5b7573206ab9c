import ArgumentParser

/// `-c FILE` and `--store URL`: the configuration file and its store URL replacement, as `capd run`, `capd replay`
/// and `capd calls` take them.
struct ConfigStoreOptions: ParsableArguments {
    static let defaultConfig = "rules/default.yaml"

    @Option(name: [.short, .customLong("config")], help: "Configuration file.")
    var config = ConfigStoreOptions.defaultConfig

    @Option(name: .customLong("store"), help: "Store URL (sqlite://PATH, postgres://...); replaces store.url.")
    var store: String?
}
