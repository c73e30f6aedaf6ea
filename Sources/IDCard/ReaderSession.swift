/// The reader's polling protocol as a pure state machine. The transport feeds it events
/// (poll ticks, decoded responses, framing errors, timeouts) and performs the one action each
/// returns; it never decides anything itself, so every path is testable without hardware.
///
/// One command is outstanding at a time: ticks that arrive while an answer is awaited are
/// ignored, and a timeout or corrupt frame counts as that command failing.
public struct ReaderSession: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Read fingerprints as well (`30 10`), for fingerprint comparison.
        public var readsFingerprint: Bool
        /// Read addresses appended after issue (`30 03`) after the main read.
        public var readsAppendedAddress: Bool
        /// Ticks to wait after a SAM fault before checking the SAM again.
        public var backOffTicks: Int
        /// Consecutive timeouts or corrupt frames that make the reader count as faulty.
        public var communicationFailureLimit: Int

        public init(readsFingerprint: Bool = false, readsAppendedAddress: Bool = false,
                    backOffTicks: Int = 10, communicationFailureLimit: Int = 3) {
            self.readsFingerprint = readsFingerprint
            self.readsAppendedAddress = readsAppendedAddress
            self.backOffTicks = max(1, backOffTicks)
            self.communicationFailureLimit = max(1, communicationFailureLimit)
        }
    }

    public enum Event: Sendable, Hashable {
        /// The poll timer fired.
        case tick
        case response(ResponseFrame)
        case frameError(FrameError)
        /// No response arrived within the transport's deadline.
        case responseTimeout
    }

    public enum Notification: Sendable, Hashable {
        /// The SAM answered its status check: reader usable.
        case samReady
        case cardPresented(CardData)
        case cardRemoved
        /// A card is on the reader but could not be read; it must be placed again.
        case readFailed(ReaderError)
        /// The SAM or the link to it failed; the session backs off, then checks again.
        case samFault(ReaderError)
    }

    public enum Action: Sendable, Hashable {
        case none
        case send(Command)
        case notify(Notification)
    }

    public enum State: Sendable, Hashable {
        case checkingSAMDue
        case awaitingSAMStatus
        case noCard
        case finding
        case selecting
        case reading
        case readingAppendedAddress(CardData)
        /// A card lies on the reader; `presented` is false after a failed read, so its
        /// removal is not announced.
        case cardPresent(presented: Bool)
        case confirmingPresenceFind(presented: Bool)
        case confirmingPresenceSelect(presented: Bool)
        case backingOff(remainingTicks: Int)
    }

    public let configuration: Configuration
    public private(set) var state: State = .checkingSAMDue
    private var communicationFailures = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func next(_ event: Event) -> Action {
        switch event {
        case .tick:
            return tick()
        case .response(let frame):
            communicationFailures = 0
            return respond(to: frame)
        case .frameError, .responseTimeout:
            return communicationFailed()
        }
    }

    private mutating func tick() -> Action {
        switch state {
        case .checkingSAMDue:
            state = .awaitingSAMStatus
            return .send(.samStatus)
        case .noCard:
            state = .finding
            return .send(.findCard)
        case .cardPresent(let presented):
            state = .confirmingPresenceFind(presented: presented)
            return .send(.findCard)
        case .backingOff(let remaining):
            if remaining > 1 {
                state = .backingOff(remainingTicks: remaining - 1)
                return .none
            }
            state = .awaitingSAMStatus
            return .send(.samStatus)
        case .awaitingSAMStatus, .finding, .selecting, .reading, .readingAppendedAddress,
             .confirmingPresenceFind, .confirmingPresenceSelect:
            return .none
        }
    }

    /// Whether a command is outstanding.
    public var isAwaitingResponse: Bool {
        switch state {
        case .checkingSAMDue, .noCard, .cardPresent, .backingOff: false
        case .awaitingSAMStatus, .finding, .selecting, .reading, .readingAppendedAddress,
             .confirmingPresenceFind, .confirmingPresenceSelect: true
        }
    }

    private mutating func respond(to frame: ResponseFrame) -> Action {
        // An answer nobody asked for (a late reply after a timeout) is ignored.
        guard isAwaitingResponse else { return .none }
        guard let status = frame.status else {
            return fault(ReaderError(.unknownStatus(frame.sw3)))
        }
        if let error = status.error, error.recommendedAction == .maintenance || error.recommendedAction == .reset {
            return fault(error)
        }
        switch state {
        case .awaitingSAMStatus:
            guard status == .success else { return fault(ReaderError(.status(status))) }
            state = .noCard
            return .notify(.samReady)
        case .finding:
            guard status == .cardFound else {
                state = .noCard
                return .none
            }
            state = .selecting
            return .send(.selectCard)
        case .selecting:
            guard status == .success else {
                state = .noCard
                return .none
            }
            state = .reading
            return .send(configuration.readsFingerprint ? .readTextPhotoAndFingerprint : .readTextAndPhoto)
        case .reading:
            guard status == .success else {
                state = .cardPresent(presented: false)
                return .notify(.readFailed(ReaderError(.status(status))))
            }
            let card: CardData
            do {
                card = try CardData(readResponse: frame.data)
            } catch {
                state = .cardPresent(presented: false)
                return .notify(.readFailed(ReaderError(.malformedData)))
            }
            if configuration.readsAppendedAddress {
                state = .readingAppendedAddress(card)
                return .send(.readAppendedAddress)
            }
            state = .cardPresent(presented: true)
            return .notify(.cardPresented(card))
        case .readingAppendedAddress(let card):
            // The appended address is optional: `91` (none) or a failure still presents the card.
            state = .cardPresent(presented: true)
            return .notify(.cardPresented(status == .success ? card.addingAppendedAddresses(from: frame.data) : card))
        case .confirmingPresenceFind(let presented):
            if status == .cardFound {
                state = .cardPresent(presented: presented)
                return .none
            }
            // A card already read is often halted and ignores "find" while still lying
            // there; "select" tells the two apart.
            state = .confirmingPresenceSelect(presented: presented)
            return .send(.selectCard)
        case .confirmingPresenceSelect(let presented):
            if status == .success {
                state = .cardPresent(presented: presented)
                return .none
            }
            state = .noCard
            return presented ? .notify(.cardRemoved) : .none
        case .checkingSAMDue, .noCard, .cardPresent, .backingOff:
            return .none
        }
    }

    private mutating func communicationFailed() -> Action {
        guard isAwaitingResponse else { return .none }
        communicationFailures += 1
        if communicationFailures >= configuration.communicationFailureLimit {
            return fault(ReaderError(.noResponse))
        }
        switch state {
        case .awaitingSAMStatus:
            state = .checkingSAMDue
        case .reading, .readingAppendedAddress:
            state = .cardPresent(presented: false)
            return .notify(.readFailed(ReaderError(.noResponse)))
        case .confirmingPresenceFind(let presented), .confirmingPresenceSelect(let presented):
            state = .cardPresent(presented: presented)
        default:
            state = .noCard
        }
        return .none
    }

    private mutating func fault(_ error: ReaderError) -> Action {
        communicationFailures = 0
        state = .backingOff(remainingTicks: configuration.backOffTicks)
        return .notify(.samFault(error))
    }
}
