// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "capd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "capd", targets: ["capd"]),
        .library(name: "HEP", targets: ["HEP"]),
        .library(name: "Rules", targets: ["Rules"]),
        .library(name: "Tables", targets: ["Tables"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // Admin plane HTTP server (/metrics, /healthz, /mi); the receive path stays off NIO.
        // Default traits off: capd needs neither swift-configuration support nor the full-Foundation extras.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // capd's metric families and `/metrics` (swift-prometheus); capd-bench compares the update cost with
        // swift-metrics' API on top of it (docs/architecture.md).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // Thin shims over Debian's system libraries.
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLibPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev", "libdbus-1-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CLibSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // recvmmsg/sendmmsg and friends need _GNU_SOURCE, which Glibc's module does not expose.
        .target(name: "CSocket"),
        // The one shape of every long-running loop: a named joinable thread with a stop flag and a wake-up.
        .target(name: "Service"),

        // Call affinity: the rendezvous hash that relay groups and the sharded store share.
        .target(name: "Affinity"),
        // Pure codecs: HEP v1/v2/v3 and the SIP message view.
        .target(name: "HEP", dependencies: ["CZlib"]),
        // OpenSSL contexts and sessions over non-blocking sockets (HEP over TLS in and out, `capd check`).
        .target(name: "TLS", dependencies: ["CLibSSL"]),
        // Table-name templates (strftime in UTC) and the table-name rules shared by the config checker and the store.
        .target(name: "Tables", dependencies: ["Affinity"]),
        // YAML rules -> validated AST -> compiled decision tree; BPF generation.
        .target(name: "Rules", dependencies: ["HEP", "Tables", "Affinity", "CLibYAML", "CLibPcap", "TLS"]),
        // I/O in (HEP listeners, libpcap, pcap files, reassembly) and out (HEP relay).
        .target(name: "Capture", dependencies: ["HEP", "Affinity", "CLibPcap", "CSocket", "TLS", "Service"]),
        // Sinks: SQLite (embedded default) and PostgreSQL (libpq).
        .target(name: "Store", dependencies: [
            "HEP", "Tables", "Affinity", "CLibPQ", "CLibSQLite3", "CZlib", "Service", .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "capd",
            dependencies: [
                "HEP", "Rules", "Capture", "Store", "Tables", "TLS", "Affinity", "CSocket", "Service",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Benchmarks (`make bench`): one file per area, each printing figures next to a same-run baseline.
        .executableTarget(name: "capd-bench", dependencies: [
            "HEP", "Rules", "Capture", "Store", "CSocket",
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),

        // Shared by the test targets: a throwaway PostgreSQL cluster of one test's own.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HEPTests", dependencies: ["HEP"]),
        .testTarget(name: "AffinityTests", dependencies: ["Affinity"]),
        .testTarget(name: "ServiceTests", dependencies: ["Service"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "HEP", "Tables", "CLibPcap", "CLibSQLite3", "TestSupport"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "HEP", "TLS"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "HEP", "Tables", "TestSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "capdTests", dependencies: ["capd", "HEP", "CLibSQLite3", "TestSupport"]),
    ]
)
