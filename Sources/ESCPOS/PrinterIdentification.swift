/// What a printer says about itself when asked with `GS I n` (transmit printer ID).
/// A field is nil when the printer did not answer that question.
public struct PrinterIdentity: Sendable, Equatable {
    public var manufacturer: String?
    public var model: String?
    public var firmware: String?

    public init(manufacturer: String? = nil, model: String? = nil, firmware: String? = nil) {
        self.manufacturer = manufacturer
        self.model = model
        self.firmware = firmware
    }

    /// The printer answered none of the questions (many clones ignore `GS I`).
    public var isEmpty: Bool { manufacturer == nil && model == nil && firmware == nil }
}

/// The sans-IO core of the `GS I` exchange: it says what to send, takes what came back, and
/// ends with a `PrinterIdentity`. The transport writes, reads with its timeout, and calls
/// `timedOut()` when the read brought nothing.
///
/// Asked: `GS I 66` (manufacturer), `GS I 67` (model name), `GS I 65` (firmware version), each
/// answered as Epson's "printer information B": `5F`, printable ASCII, `00`. Bytes before the
/// `5F` (a stale status byte) are skipped. A printer that lets the first question time out is
/// taken not to know `GS I` at all: the rest is not asked, so such a printer costs one timeout.
public struct IdentityQuery: Sendable {
    public enum Item: UInt8, Sendable, CaseIterable {
        case firmware = 65, manufacturer = 66, model = 67

        /// `GS I n`.
        public var command: [UInt8] { [0x1D, 0x49, rawValue] }
    }

    public enum Action: Sendable, Equatable {
        /// Write these bytes, then read the reply.
        case send([UInt8])
        /// Read once more: the reply has not ended yet.
        case receive
        case finished(PrinterIdentity)
    }

    /// Longer replies are not an identity (and are not kept).
    static let maximumLength = 80
    static let header: UInt8 = 0x5F

    public static let order: [Item] = [.manufacturer, .model, .firmware]

    private var pending = IdentityQuery.order
    private var identity = PrinterIdentity()
    private var reply: [UInt8] = []
    private var started = false
    private var anyAnswer = false

    public init() {}

    public mutating func start() -> Action {
        next()
    }

    public mutating func received(_ bytes: [UInt8]) -> Action {
        for byte in bytes {
            if !started {
                started = byte == Self.header
                continue
            }
            guard byte != 0 else { return answered(String(decoding: reply, as: UTF8.self)) }
            guard (0x20...0x7E).contains(byte), reply.count < Self.maximumLength else { return answered(nil) }
            reply.append(byte)
        }
        return .receive
    }

    /// The read brought nothing within the transport's timeout.
    public mutating func timedOut() -> Action {
        guard anyAnswer else { return .finished(identity) }
        return answered(nil)
    }

    private mutating func answered(_ text: String?) -> Action {
        anyAnswer = true
        let value = text.map { $0.trimmingSpaces() }.flatMap { $0.isEmpty ? nil : $0 }
        switch pending.removeFirst() {
        case .manufacturer: identity.manufacturer = value
        case .model: identity.model = value
        case .firmware: identity.firmware = value
        }
        return next()
    }

    private mutating func next() -> Action {
        reply = []
        started = false
        guard let item = pending.first else { return .finished(identity) }
        return .send(item.command)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars = scalars.dropFirst() }
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
