import Foundation
import KioskTesting
import Testing

/// `docs/ARCHITECTURE.md` is the newcomer's map of the modules; these tests hold it to the
/// territory, `Package.swift` as SwiftPM reads it (`swift package describe --type json`): every
/// module in the table with exactly the modules and products it imports, and every module in
/// exactly one layer, importing only from earlier layers.
@Suite("docs/ARCHITECTURE.md matches Package.swift")
struct ArchitectureDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Target: Decodable, Sendable {
        let name: String
        let type: String
        let targetDependencies: [String]?
        let productDependencies: [String]?

        enum CodingKeys: String, CodingKey {
            case name, type
            case targetDependencies = "target_dependencies"
            case productDependencies = "product_dependencies"
        }
    }

    struct Description: Decodable {
        let targets: [Target]
    }

    /// What the document says one row of the module table imports.
    struct Imports: Equatable, CustomStringConvertible {
        var modules: Set<String>
        var products: Set<String>

        var description: String { "modules \(modules.sorted()), products \(products.sorted())" }
    }

    enum DocumentError: Error, CustomStringConvertible {
        case swiftNotFound
        case describeFailed(String)
        case sectionMissing(String)
        case malformedRow(String)

        var description: String {
            switch self {
            case .swiftNotFound: "no swift executable on PATH (nor in /opt/swift/usr/bin)"
            case .describeFailed(let output): "swift package describe failed: \(output)"
            case .sectionMissing(let heading): "docs/ARCHITECTURE.md has no section \(heading)"
            case .malformedRow(let row): "a row that names no module: \(row)"
            }
        }
    }

    /// The package's modules (test targets left out), as SwiftPM reads the manifest: read once,
    /// on a thread of its own, as SwiftPM may compile every dependency's manifest first on a
    /// fresh machine, and a wait that long on the cooperative pool's thread stalls every test.
    static func modules() async throws -> [Target] { try await described.value }

    private static let described = Task { try await offPool { try describe() } }

    /// The lock is ignored: `swift test` holds it while this runs, and describing reads nothing it guards.
    private static func describe() throws -> [Target] {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/opt/swift/usr/bin"]
        guard let swift = paths.map({ $0 + "/swift" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw DocumentError.swiftNotFound
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swift)
        process.arguments = ["package", "--package-path", root.path, "--ignore-lock", "describe", "--type", "json"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DocumentError.describeFailed(String(decoding: problems, as: UTF8.self)) }
        return try JSONDecoder().decode(Description.self, from: data).targets.filter { $0.type != "test" }
    }

    static func document() throws -> [Substring] {
        try String(contentsOf: root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The lines of the section under `heading`, up to the next heading of its level or above.
    static func section(_ heading: String, in lines: [Substring]) throws -> ArraySlice<Substring> {
        guard let start = lines.firstIndex(where: { $0 == heading }) else { throw DocumentError.sectionMissing(heading) }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") || $0.hasPrefix("# ") } ?? lines.endIndex
        return lines[(start + 1)..<end]
    }

    /// The names in backticks in `text`.
    static func quoted(_ text: Substring) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The module table: `| `Module` (, `Module`) | holds | `Module`, … ; Product, … |`, "—" for none.
    static func table() throws -> [String: Imports] {
        var rows: [String: Imports] = [:]
        for line in try section("## Modules", in: document()) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { throw DocumentError.malformedRow(String(line)) }
            let names = quoted(Substring(cells[1]))
            guard !names.isEmpty else { throw DocumentError.malformedRow(String(line)) }
            let parts = cells[3] == "—" ? [] : cells[3].split(separator: ";", maxSplits: 1).map { $0 }
            let modules = parts.first.map(quoted) ?? []
            let products = parts.count > 1
                ? parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : []
            for name in names { rows[name] = Imports(modules: Set(modules), products: Set(products)) }
        }
        return rows
    }

    /// The layers: numbered lines `N. `Module`, …` under "## Layers".
    static func layers() throws -> [String: [Int]] {
        var layers: [String: [Int]] = [:]
        for line in try section("## Layers", in: document()) {
            guard let dot = line.firstIndex(of: "."), let number = Int(line[..<dot]) else { continue }
            for name in quoted(line[dot...]) { layers[name, default: []].append(number) }
        }
        return layers
    }

    @Test func everyModuleIsInTheTableWithExactlyWhatItImports() async throws {
        let modules = try await Self.modules()
        let table = try Self.table()
        #expect(modules.count > 10)
        for module in modules {
            let actual = Imports(modules: Set(module.targetDependencies ?? []), products: Set(module.productDependencies ?? []))
            guard let documented = table[module.name] else {
                Issue.record("\(module.name) is missing from the module table; it imports \(actual)")
                continue
            }
            #expect(documented == actual, "\(module.name): the table says \(documented), Package.swift \(actual)")
        }
        let unknown = Set(table.keys).subtracting(modules.map(\.name))
        #expect(unknown.isEmpty, "the table names modules Package.swift does not have: \(unknown.sorted())")
    }

    @Test func everyModuleIsInOneLayerAndImportsOnlyEarlierLayers() async throws {
        let modules = try await Self.modules()
        let layers = try Self.layers()
        for module in modules {
            guard let placed = layers[module.name], placed.count == 1, let layer = placed.first else {
                Issue.record("\(module.name) must be in exactly one layer (it is in \(layers[module.name] ?? []))")
                continue
            }
            for dependency in module.targetDependencies ?? [] {
                let inner = layers[dependency]?.first ?? .max
                #expect(inner < layer, "\(module.name) (layer \(layer)) imports \(dependency) (layer \(inner)): not inward")
            }
        }
        let unknown = Set(layers.keys).subtracting(modules.map(\.name))
        #expect(unknown.isEmpty, "the layers name modules Package.swift does not have: \(unknown.sorted())")
    }
}
