import KioskTesting
import Testing

/// Runs the whole suite inside one private cupsd (see `KioskTesting.PrivateCUPSD`).
struct PrivateCUPSDTrait: SuiteTrait, TestScoping {
    static let queues = ["receipt", "paper-out", "hold"]

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let daemon = try PrivateCUPSD.start(queues: Self.queues)
        defer { daemon.stop() }
        try await PrivateCUPSD.$current.withValue(daemon) { try await function() }
    }
}

extension Trait where Self == PrivateCUPSDTrait {
    static var privateCUPSD: Self { Self() }
}

/// The suite's daemon; a test that runs outside the suite's scope fails instead of skipping.
func daemon() throws -> PrivateCUPSD {
    guard let daemon = PrivateCUPSD.current else { throw PrivateCUPSD.SetupFailure("no private cupsd in scope") }
    return daemon
}
