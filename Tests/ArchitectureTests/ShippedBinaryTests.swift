import Testing

/// What the shipped `kiosk` is made of, as SwiftPM reads the manifest: a terminal in a service
/// hall carries no test harness (the test kit's fakes, its private PostgreSQL and cupsd, the
/// benchmarks' worker commands). Those live in `kiosk-bench`, built beside it.
@Suite("The shipped kiosk links no test harness")
struct ShippedBinaryTests {
    /// Every module `name` is linked with, itself included.
    static func closure(of name: String, in modules: [ArchitectureDocumentTests.Target]) -> Set<String> {
        let byName = Dictionary(uniqueKeysWithValues: modules.map { ($0.name, $0) })
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            pending += byName[next]?.targetDependencies ?? []
        }
        return seen
    }

    @Test func kioskLinksNeitherTheTestKitNorTheBenchmarks() async throws {
        let modules = try await ArchitectureDocumentTests.modules()
        let linked = Self.closure(of: "kiosk", in: modules)
        #expect(linked.contains("KioskApp"), "the closure is read from the manifest: \(linked.sorted())")
        #expect(!linked.contains("KioskTesting"))
        #expect(!linked.contains("KioskBench"))
    }

    @Test func theBenchmarksAreAnExecutableOfTheirOwn() async throws {
        let modules = try await ArchitectureDocumentTests.modules()
        let bench = try #require(modules.first { $0.name == "kiosk-bench" })
        #expect(bench.type == "executable")
        #expect(Self.closure(of: "kiosk-bench", in: modules).contains("KioskTesting"))
    }
}
