import Foundation
import IDCard
import KioskCore

/// The reader `kiosk serve` drives in simulated mode: it answers GA 467 request frames with
/// real response frames, so everything above the byte link runs as with hardware. Cards are
/// fixtures (`Devices/cards/`); a test or the technician's UI presents and removes them.
public actor SimulatedReader: ReaderConnection {
    public nonisolated let fixtures: [String: CardFixture]
    /// The fixture lying on the reader.
    public private(set) var presented: String?
    /// The status the SAM answers everything with while set (`samSelfTestFailed`, ...).
    public private(set) var samFault: SAMStatus?
    /// Takes requests but never answers, like a reader whose firmware hung.
    public private(set) var isSilent = false
    public private(set) var isUnplugged = false
    /// The last 256 commands received, oldest first, for tests and the technician's view.
    public private(set) var received: [Command] = []
    private var outbox: [UInt8] = []

    /// The SAM identifier every simulated reader reports: `05.01-20250101-0000000001-0000000042`.
    static let samIdentifier: [UInt8] = [5, 0, 1, 0, 0xF5, 0xFD, 0x34, 0x01, 1, 0, 0, 0, 42, 0, 0, 0]

    public init(fixtures: [String: CardFixture]) {
        self.fixtures = fixtures
    }

    /// The reader with every card of `Devices/cards/`.
    public init(cardsDirectory: URL) throws(CardFixtureError) {
        self.init(fixtures: try CardFixture.load(directory: cardsDirectory))
    }

    public nonisolated var fixtureNames: [String] { fixtures.keys.sorted() }

    /// Places the fixture `name` on the reader (replacing any card there).
    public func present(_ name: String) throws(SimulatedReaderError) {
        guard fixtures[name] != nil else { throw SimulatedReaderError(fixture: name) }
        presented = name
    }

    public func remove() {
        presented = nil
    }

    public func setSAMFault(_ status: SAMStatus?) {
        samFault = status
    }

    public func setSilent(_ silent: Bool) {
        isSilent = silent
    }

    /// Pulls (or plugs back) the cable: every call on the link fails as disconnected.
    public func setUnplugged(_ unplugged: Bool) {
        isUnplugged = unplugged
        outbox.removeAll()
    }

    // MARK: ReaderConnection

    public func write(_ frame: [UInt8], timeout: Duration) throws(ReaderLinkError) {
        guard !isUnplugged else { throw .disconnected }
        if let command = Command(frame: frame) {
            if received.count == 256 { received.removeFirst() }
            received.append(command)
        }
        guard !isSilent else { return }
        outbox += answer(to: frame).encoded()
    }

    public func read(timeout: Duration) async throws(ReaderLinkError) -> [UInt8] {
        guard !isUnplugged else { throw .disconnected }
        if outbox.isEmpty {
            // Nothing will come: a silent reader lets the whole timeout pass, as hardware does.
            try? await Task.sleep(for: timeout)
            return []
        }
        defer { outbox.removeAll() }
        return outbox
    }

    public func discardInput() throws(ReaderLinkError) {
        guard !isUnplugged else { throw .disconnected }
        outbox.removeAll()
    }

    public func close() {}

    private func answer(to frame: [UInt8]) -> ResponseFrame {
        guard let command = Command(frame: frame) else { return ResponseFrame(status: .commandError) }
        if let samFault, command != .resetSAM { return ResponseFrame(status: samFault) }
        let card = presented.flatMap { fixtures[$0] }
        switch command {
        case .resetSAM:
            samFault = nil
            return ResponseFrame(status: .success)
        case .samStatus:
            return ResponseFrame(status: .success)
        case .readSAMIdentifier:
            return ResponseFrame(status: .success, data: Self.samIdentifier)
        case .findCard:
            return card == nil ? ResponseFrame(status: .findCardFailed) : ResponseFrame(status: .cardFound, data: [0, 0, 0, 0])
        case .selectCard:
            return card == nil ? ResponseFrame(status: .selectCardFailed) : ResponseFrame(status: .success, data: Array(repeating: 0, count: 8))
        case .readTextAndPhoto:
            guard let card else { return ResponseFrame(status: .readingFailed) }
            return ResponseFrame(status: .success, data: card.readResponseData)
        case .readTextPhotoAndFingerprint:
            guard let card else { return ResponseFrame(status: .readingFailed) }
            return ResponseFrame(status: .success, data: card.readWithFingerprintResponseData)
        case .readAppendedAddress:
            guard let card else { return ResponseFrame(status: .readingFailed) }
            return card.appendedAddresses.isEmpty
                ? ResponseFrame(status: .itemEmpty) : ResponseFrame(status: .success, data: card.appendedAddressData)
        }
    }
}

public struct SimulatedReaderError: KioskError, Equatable {
    public let fixture: String

    public init(fixture: String) {
        self.fixture = fixture
    }

    public var code: String { "unknownCardFixture" }

    public var message: LocalizedText {
        .init(zh: "没有名为 \(fixture) 的模拟证件", en: "There is no simulated card named \(fixture)")
    }
}
