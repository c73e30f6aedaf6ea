// swift-tools-version: 6.1
// kiosk — the backend of a self-service terminal in a government service hall.
// Layers point inward: pure domain modules, thin adapters over C libraries and the database,
// the HTTP server, one composition root (KioskApp) and a thin CLI. See docs/ARCHITECTURE.md.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "kiosk",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kiosk", targets: ["kiosk"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // HTTPS of the listener (through HummingbirdTLS); named here because KioskApp checks the
        // certificate and key with NIOSSL itself before anything listens.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // District mode: the shared store of bookings and filings (StoragePostgres).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Webhooks to department systems (HummingbirdTesting already builds it).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure domain: values, errors, personal-data masking. Foundation only.
        .target(name: "KioskCore", swiftSettings: strict),
        // The condition language of filings (JSONLogic with a few documented extensions).
        .target(name: "JSONLogic", swiftSettings: strict),
        // Filings as data: form model, YAML loader with exact lines, static checks, materials,
        // the session state machine.
        .target(
            name: "FormEngine",
            dependencies: ["KioskCore", "JSONLogic", "Booking", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        // The filing after the terminal: lifecycle states and transitions, the legal clock in
        // working days, 容缺 and 告知承诺 follow-up, 好差评 per filing, supervision, the monthly report.
        .target(name: "Filings", dependencies: ["KioskCore", "Booking", "FormEngine"], swiftSettings: strict),
        // The resident ID card SAM protocol (GA 467) and card data decoding, sans-IO.
        .target(name: "IDCard", dependencies: ["KioskCore"], swiftSettings: strict),
        // The official holiday calendar, opening hours, services and appointment slots.
        .target(name: "Booking", dependencies: ["KioskCore"], swiftSettings: strict),
        // Receipt-printer commands (ESC/POS), receipt layout and status decoding, sans-IO.
        .target(name: "ESCPOS", swiftSettings: strict),
        // The device model (states, status, faults with recommended actions, health checks,
        // statistics, events) and the manager that discovers devices.
        .target(
            name: "DeviceKit",
            dependencies: [
                "KioskCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // The terminal's keys: one master key and a district key, kept outside the database,
        // the keys derived from them (HKDF), and sealing of what the database keeps about people.
        .target(
            name: "Secrets",
            dependencies: ["KioskCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        // Staff accounts, PINs, tokens, roles per endpoint, override reasons, the audit chain.
        .target(
            name: "Access",
            dependencies: [
                "KioskCore", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // kiosk.conf: a small TOML reader that keeps line numbers, and the typed configuration
        // (hours and services are decoded into the Booking types).
        .target(name: "KioskConfig", dependencies: ["KioskCore", "Booking"], swiftSettings: strict),

        // Adapters: C libraries behind [system] module maps, wrapped by thin transports.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .target(name: "USBTransport", dependencies: ["CLibUSB", "KioskCore"], swiftSettings: strict),
        // Debian's libcups2-dev ships no cups.pc; the module map links libcups by name.
        .systemLibrary(name: "CCUPS", providers: [.apt(["libcups2-dev"])]),
        .target(name: "CUPSTransport", dependencies: ["CCUPS", "KioskCore"], swiftSettings: strict),
        .target(name: "SerialTransport", dependencies: ["KioskCore"], swiftSettings: strict),
        // Speech: the synthesizer protocol, WAV and the cache (pure), and libespeak-ng behind it.
        .target(name: "Speech", swiftSettings: strict),
        .systemLibrary(name: "CESpeakNG", pkgConfig: "espeak-ng", providers: [.apt(["libespeak-ng-dev"])]),
        .target(name: "ESpeakSynthesis", dependencies: ["CESpeakNG", "Speech"], swiftSettings: strict),
        // The receipt printer on the device layer: USB, CUPS and simulated printers, profiles,
        // receipt templates, print jobs stored before they are sent.
        .target(
            name: "ReceiptPrinter",
            dependencies: [
                "DeviceKit", "ESCPOS", "USBTransport", "CUPSTransport", "KioskCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        // The 2D code scanner on the device layer: serial (CDC-ACM) and keyboard-mode (evdev) scanners.
        .target(
            name: "CodeScanner",
            dependencies: [
                "DeviceKit", "SerialTransport", "KioskCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        // The ID-card reader on the device layer: USB, serial and simulated readers, the reader loop.
        .target(
            name: "CardReader",
            dependencies: [
                "DeviceKit", "IDCard", "USBTransport", "SerialTransport", "KioskCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "Storage",
            dependencies: [
                "KioskCore", "FormEngine", "Filings", "Booking", "DeviceKit", "Access", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict),
        // District mode: the same stores on PostgreSQL, shared by every terminal of the district.
        .target(
            name: "StoragePostgres",
            dependencies: [
                "Storage", "KioskCore", "Booking", "FormEngine", "Filings", "Secrets",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "KioskServer",
            dependencies: [
                "KioskCore", "FormEngine", "Filings", "JSONLogic", "Booking", "DeviceKit", "Access", "ESCPOS", "Speech",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The reference touch UI: plain HTML, CSS and JavaScript served under /ui/, copied
            // as they are (no build step) and shipped beside the binary as its resource bundle.
            resources: [.copy("Resources/ui")],
            // -Osize in release: Swift 6.3.1's -O crashes (signal 11, LLVM's coroutine splitting in
            // emitSetAndGetSwiftErrorValueAround) on a route closure of `addFilingRoutes`.
            swiftSettings: strict + [.unsafeFlags(["-Osize"], .when(configuration: .release))]),

        // The printed papers: each paper's data contract and wording (办件回执, 容缺受理告知书,
        // 告知承诺书, 一次性告知书, 预约凭条) beside the receipt templates, the forms whose
        // templates are checked against them, and the receipt desk that prints them.
        .target(
            name: "Papers",
            dependencies: [
                "Booking", "DeviceKit", "ESCPOS", "Filings", "FormEngine", "JSONLogic", "KioskCore", "KioskServer", "ReceiptPrinter", "Storage",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // District mode on the terminal: filings and walk-in tickets kept in the outbox while the
        // district store is unreachable, the drainer that sends them, the district's health.
        .target(
            name: "District",
            dependencies: [
                "Booking", "FormEngine", "Hosting", "KioskConfig", "KioskCore", "KioskServer", "Secrets", "Storage", "StoragePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // The terminal as a process on its machine: start-up errors, keys and the serve lock, TLS
        // and calendar files, logs (JSON, journald), systemd's notification protocol and the
        // bounded stop, and the upkeep services the group runs (booking maintenance, audit
        // anchors, the session watch).
        .target(
            name: "Hosting",
            dependencies: [
                "Access", "Booking", "DeviceKit", "FormEngine", "KioskConfig", "KioskCore", "KioskServer", "Papers", "ReceiptPrinter", "Secrets",
                "Storage", "StoragePostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // The terminal's devices as the configuration asks for them: providers from the profiles,
        // the pinned printer, the USB event loop, events forwarded to the screen, the simulators'
        // controls, print jobs kept in the terminal's file, udev rules and device references.
        .target(
            name: "Peripherals",
            dependencies: [
                "Booking", "CardReader", "CodeScanner", "CUPSTransport", "DeviceKit", "ESCPOS", "Filings", "Hosting", "IDCard", "KioskConfig", "KioskCore",
                "KioskServer", "ReceiptPrinter", "Storage", "USBTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // Department systems: the signed webhooks (Standard Webhooks) that push each
        // department's change feed, with retries and the dead-letter list.
        .target(
            name: "DepartmentSystems",
            dependencies: [
                "Filings", "Hosting", "KioskServer", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // What the terminal tells technicians from afar: its gauges and counters on /metrics
        // (devices, outbox, queue, sessions), with bounded labels and no personal data.
        .target(
            name: "Telemetry",
            dependencies: [
                "Booking", "DeviceKit", "Hosting", "KioskCore", "KioskServer", "Peripherals", "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // A technician's questions to the devices (`kiosk devices`, `kiosk diag`): answered by the
        // running server on its local admin socket, or by the CLI when no server runs.
        .target(
            name: "Diagnostics",
            dependencies: [
                "DeviceKit", "Hosting", "KioskConfig", "KioskCore", "Peripherals",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),

        // Composition root and CLI.
        .target(
            name: "KioskApp",
            dependencies: [
                "Access", "Booking", "DepartmentSystems", "DeviceKit", "Diagnostics", "District", "ESpeakSynthesis", "Filings", "FormEngine",
                "Hosting", "KioskConfig", "KioskCore", "KioskServer", "Papers", "Peripherals", "ReceiptPrinter", "Secrets", "Speech", "Storage",
                "StoragePostgres", "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "KioskBench",
            dependencies: [
                "JSONLogic", "IDCard", "Booking", "ESCPOS", "FormEngine", "Filings", "Storage", "StoragePostgres", "KioskCore", "KioskTesting",
                "ReceiptPrinter", "DeviceKit", "KioskApp", "KioskServer", "Secrets", "District", "DepartmentSystems",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "kiosk",
            dependencies: [
                "KioskApp", "Hosting", "Peripherals", "Papers", "Diagnostics", "District", "FormEngine", "Filings", "JSONLogic", "KioskConfig", "KioskCore", "DeviceKit",
                "ReceiptPrinter", "CardReader", "Booking", "Storage", "StoragePostgres", "Access", "Secrets",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // The benchmarks (`kiosk-bench NAME`): beside `kiosk`, never in it, since some start a
        // private PostgreSQL or worker processes from the test kit.
        .executableTarget(
            name: "kiosk-bench",
            dependencies: [
                "KioskBench", "KioskConfig", "Secrets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // What tests are made of, the way HummingbirdTesting ships it: fakes of the project's own
        // protocols (filing archive, receipt desk, booking ledger, staff, devices), a
        // ServerDependencies builder (TestTerminal), a manual clock, and the real components tests
        // start (private cupsd and PostgreSQL, the umockdev emulator's controls, a raw HTTP client).
        .target(
            name: "KioskTesting",
            dependencies: [
                "KioskCore", "Booking", "FormEngine", "DeviceKit", "Access", "Secrets", "KioskServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),

        // Tests: one target per module, plus the CLI driven as a process.
        .testTarget(name: "KioskCoreTests", dependencies: ["KioskCore"]),
        .testTarget(name: "JSONLogicTests", dependencies: ["JSONLogic"], exclude: ["Fixtures"]),
        .testTarget(name: "IDCardTests", dependencies: ["IDCard"]),
        .testTarget(name: "FormEngineTests", dependencies: ["FormEngine", "JSONLogic", "KioskCore", "Booking"]),
        .testTarget(name: "BookingTests", dependencies: ["Booking", "KioskCore"]),
        .testTarget(name: "FilingsTests", dependencies: ["Filings", "FormEngine", "Booking", "KioskCore", "JSONLogic"]),
        .testTarget(name: "ESCPOSTests", dependencies: ["ESCPOS"]),
        // Runs twice in `make test`: alone (emulator tests skip) and beside each umockdev device.
        .testTarget(name: "USBTransportTests", dependencies: ["USBTransport", "ESCPOS", "IDCard", "KioskTesting"]),
        // Starts its own private cupsd with a capture backend.
        .testTarget(name: "CUPSTransportTests", dependencies: ["CUPSTransport", "ESCPOS", "KioskTesting"]),
        .testTarget(name: "DeviceKitTests", dependencies: ["DeviceKit", "KioskTesting"]),
        .testTarget(name: "AccessTests", dependencies: ["Access", "KioskCore", "Secrets", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "KioskTesting", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "ReceiptPrinterTests",
            dependencies: [
                "ReceiptPrinter", "DeviceKit", "ESCPOS", "KioskCore", "USBTransport", "CUPSTransport", "KioskTesting",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SerialTransportTests", dependencies: ["SerialTransport"]),
        .testTarget(name: "ESpeakSynthesisTests", dependencies: ["ESpeakSynthesis", "Speech", "KioskTesting"]),
        .testTarget(
            name: "CardReaderTests",
            dependencies: [
                "CardReader", "DeviceKit", "IDCard", "KioskCore", "USBTransport", "KioskTesting",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "CodeScannerTests",
            dependencies: ["CodeScanner", "DeviceKit", "KioskTesting", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "KioskConfigTests", dependencies: ["KioskConfig", "KioskTesting", "Booking"]),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "StoragePostgres", "Access", "Booking", "KioskCore", "DeviceKit", "KioskTesting", "Secrets",
                "Filings", "FormEngine", "JSONLogic",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]),
        .testTarget(
            name: "KioskServerTests",
            dependencies: [
                "KioskServer", "KioskApp", "District", "Hosting", "Peripherals", "Papers", "CodeScanner", "DepartmentSystems", "Telemetry", "Diagnostics", "KioskTesting", "Storage", "StoragePostgres", "KioskCore", "Access", "Booking", "DeviceKit", "Secrets",
                "Filings",
                "ReceiptPrinter", "ESCPOS", "FormEngine", "JSONLogic", "Speech", "ESpeakSynthesis",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
            ]),
        // docs/ARCHITECTURE.md's module table and layers against this manifest.
        .testTarget(name: "ArchitectureTests", dependencies: ["KioskTesting"]),
        .testTarget(
            name: "KioskCLITests",
            dependencies: [
                "kiosk", "kiosk-bench", "KioskBench", "KioskTesting", "Storage", "StoragePostgres", "Booking", "Access", "Secrets",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]),
    ]
)
