import DeviceKit
import IDCard
import KioskCore

/// What happened at the card slot. Carries the card itself, so it goes only to the
/// subscriber that asked (the citizen's filing session), never to a log or a metric; its
/// description shows the masked card only.
public enum CardEvent: Sendable, Equatable, CustomStringConvertible {
    /// A card was placed and read: once per placement. `checkFailures` lists why the card
    /// should not be accepted without a person looking at it (expired, number fails its
    /// check, ...); empty for a card that passes.
    case cardPresented(CardData, checkFailures: [CardCheckFailure])
    case cardRemoved
    /// A card lies on the reader but could not be read; it must be placed again.
    case readFailed(DeviceFault)

    public var description: String {
        switch self {
        case .cardPresented(let card, let failures):
            "cardPresented(\(card.text), checkFailures: \(failures.map(\.code.rawValue)))"
        case .cardRemoved: "cardRemoved"
        case .readFailed(let fault): "readFailed(\(fault.code))"
        }
    }
}

extension DeviceFault {
    /// The reader's error in the device vocabulary, with the action the protocol core
    /// recommends.
    public init(_ error: ReaderError) {
        self.init(code: error.codeName, message: .init(zh: error.messageZH, en: error.messageEN),
                  action: DeviceKit.RecommendedAction(error.recommendedAction))
    }
}

extension DeviceKit.RecommendedAction {
    public init(_ action: IDCard.RecommendedAction) {
        self = switch action {
        case .retry: .retry
        case .clear: .clear
        case .maintenance: .maintenance
        case .reset: .reset
        }
    }
}
