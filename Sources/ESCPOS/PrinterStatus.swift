/// The four real-time status queries, `DLE EOT n` (10 04 n). The printer answers each with one
/// byte even while offline or mid-job, which is why health checks use them.
public enum StatusQueryKind: UInt8, Sendable, Equatable, CaseIterable {
    case printer = 1
    case offlineCause = 2
    case errorCause = 3
    case paperRollSensor = 4

    public var command: [UInt8] { [0x10, 0x04, rawValue] }
}

/// One decoded `DLE EOT` reply. Bits the Epson reference leaves undefined are ignored.
public enum StatusReply: Sendable, Equatable {
    case printer(drawerPin3High: Bool, offline: Bool, waitingForOnlineRecovery: Bool, feedButtonPressed: Bool)
    case offlineCause(coverOpen: Bool, paperBeingFed: Bool, stoppedByPaperEnd: Bool, errorOccurred: Bool)
    case errorCause(cutterError: Bool, unrecoverableError: Bool, autoRecoverableError: Bool)
    case paperRollSensor(nearEnd: Bool, paperOut: Bool)

    /// Decodes `byte` as the answer to `kind`.
    ///
    /// Every reply has bit 1 and bit 4 set and bits 0 and 7 clear; a byte that breaks this is not
    /// a status reply (noise, a reply to something else, or a printer speaking another dialect).
    public static func decode(_ byte: UInt8, for kind: StatusQueryKind) throws(ESCPOSError) -> StatusReply {
        guard byte & 0b1001_0011 == 0b0001_0010 else { throw ESCPOSError(.communicationError) }
        func bit(_ index: UInt8) -> Bool { byte & (1 << index) != 0 }
        switch kind {
        case .printer:
            return .printer(
                drawerPin3High: bit(2), offline: bit(3), waitingForOnlineRecovery: bit(5),
                feedButtonPressed: bit(6))
        case .offlineCause:
            return .offlineCause(
                coverOpen: bit(2), paperBeingFed: bit(3), stoppedByPaperEnd: bit(5), errorOccurred: bit(6))
        case .errorCause:
            return .errorCause(cutterError: bit(3), unrecoverableError: bit(5), autoRecoverableError: bit(6))
        case .paperRollSensor:
            // Each sensor drives two bits that move together; either one set is taken as the
            // condition, the cautious reading of a half-set pair.
            return .paperRollSensor(nearEnd: bit(2) || bit(3), paperOut: bit(5) || bit(6))
        }
    }
}

/// The printer's condition in the device vocabulary (UnifiedPOS), folded from the four replies.
public struct PrinterStatus: Sendable, Equatable, Codable {
    public enum Paper: String, Sendable, Equatable, Codable { case ok, nearEnd, out }
    public enum Cover: String, Sendable, Equatable, Codable { case closed, open }
    public enum Cutter: String, Sendable, Equatable, Codable { case ok, error }

    public var paper: Paper
    public var cover: Cover
    public var cutter: Cutter
    public var online: Bool
    public var drawerPin3High: Bool
    public var unrecoverableError: Bool
    public var autoRecoverableError: Bool

    public init(
        paper: Paper = .ok, cover: Cover = .closed, cutter: Cutter = .ok, online: Bool = true,
        drawerPin3High: Bool = false, unrecoverableError: Bool = false, autoRecoverableError: Bool = false
    ) {
        self.paper = paper
        self.cover = cover
        self.cutter = cutter
        self.online = online
        self.drawerPin3High = drawerPin3High
        self.unrecoverableError = unrecoverableError
        self.autoRecoverableError = autoRecoverableError
    }

    /// Takes in what `reply` says, leaving the fields it does not speak about unchanged.
    public mutating func apply(_ reply: StatusReply) {
        switch reply {
        case let .printer(drawerPin3High, offline, _, _):
            self.drawerPin3High = drawerPin3High
            online = !offline
        case let .offlineCause(coverOpen, _, _, _):
            // The paper-end stop is left to the roll sensor reply, the authority on paper.
            cover = coverOpen ? .open : .closed
        case let .errorCause(cutterError, unrecoverableError, autoRecoverableError):
            cutter = cutterError ? .error : .ok
            self.unrecoverableError = unrecoverableError
            self.autoRecoverableError = autoRecoverableError
        case let .paperRollSensor(nearEnd, paperOut):
            paper = paperOut ? .out : (nearEnd ? .nearEnd : .ok)
        }
    }
}

/// Sans-IO driver of one status poll: asks DLE EOT 1, 2, 3, 4 in turn and folds the replies.
/// The transport sends `command` of each `.send` action, feeds back the byte it reads, and
/// stops at `.finished`. A malformed reply ends the poll with `communicationError`.
public struct StatusQuery: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case send(StatusQueryKind)
        case finished(PrinterStatus)
        case failed(ESCPOSError)
    }

    private enum State: Sendable, Equatable {
        case idle
        case waiting(StatusQueryKind)
        case done
    }

    private var state: State = .idle
    private var status = PrinterStatus()

    public init() {}

    /// Begins a poll, forgetting any earlier one.
    public mutating func start() -> Action {
        status = PrinterStatus()
        state = .waiting(.printer)
        return .send(.printer)
    }

    /// Folds the printer's answer and says what to do next.
    public mutating func received(_ byte: UInt8) -> Action {
        guard case let .waiting(kind) = state else {
            state = .done
            return .failed(ESCPOSError(.unexpectedStatusReply))
        }
        do {
            status.apply(try StatusReply.decode(byte, for: kind))
        } catch {
            state = .done
            return .failed(error)
        }
        guard let next = StatusQueryKind(rawValue: kind.rawValue + 1) else {
            state = .done
            return .finished(status)
        }
        state = .waiting(next)
        return .send(next)
    }
}
