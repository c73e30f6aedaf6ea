import IDCard
import KioskCore
import SerialTransport
import USBTransport

/// The byte link to one reader: USB bulk endpoints, a serial line, or the simulated reader.
/// Framing, timeouts and stale answers are `ReaderLink`'s business, so every connection
/// goes through the same `FrameDecoder` path.
public protocol ReaderConnection: Sendable {
    /// Writes a whole request frame.
    func write(_ frame: [UInt8], timeout: Duration) async throws(ReaderLinkError)
    /// The bytes that arrive within `timeout`: returns as soon as some are there, empty when
    /// none came.
    func read(timeout: Duration) async throws(ReaderLinkError) -> [UInt8]
    /// Drops whatever arrived and was not read (a late answer after a timeout).
    func discardInput() async throws(ReaderLinkError)
    func close() async
}

/// A failure of the link itself (not of the SAM or card): the transport's code and message,
/// and whether the reader is gone.
public struct ReaderLinkError: KioskError, Equatable {
    public let code: String
    public let message: LocalizedText
    /// Unplugged or vanished: the device goes offline and reconnects later.
    public let isDisconnected: Bool

    public init(code: String, message: LocalizedText, isDisconnected: Bool) {
        self.code = code
        self.message = message
        self.isDisconnected = isDisconnected
    }

    public init(_ error: USBError) {
        self.init(code: "usb." + error.code, message: error.message,
                  isDisconnected: error.kind == .noDevice || error.kind == .notFound)
    }

    public init(_ error: SerialError) {
        self.init(code: "serial." + error.code, message: error.message,
                  isDisconnected: error.kind == .disconnected || error.kind == .notFound)
    }

    /// The operating system refused the device to the kiosk user: `deviceAccessDenied`.
    public var isAccessDenied: Bool { code == "usb.access" || code == "serial.access" }

    public static let disconnected = ReaderLinkError(
        code: "readerDisconnected", message: .init(zh: "读卡器已断开", en: "The card reader is disconnected"),
        isDisconnected: true)
}

/// One connection with its frame decoder: sends a command and waits for its answer.
///
/// After a timeout or a corrupt frame the next exchange first drops what is still on the
/// line, so a late answer is never taken for the answer to the following command.
actor ReaderLink {
    let connection: any ReaderConnection
    private var decoder = FrameDecoder()
    private var stale = false

    init(_ connection: any ReaderConnection) {
        self.connection = connection
    }

    /// The session event the exchange ends in: a response, a framing error or a timeout.
    /// Throws only when the link itself failed.
    func exchange(_ command: Command, timeout: Duration) async throws(ReaderLinkError) -> ReaderSession.Event {
        if stale {
            try await connection.discardInput()
            decoder.reset()
            stale = false
        }
        try await connection.write(command.frame, timeout: timeout)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else {
                stale = true
                return .responseTimeout
            }
            for result in decoder.feed(try await connection.read(timeout: remaining)) {
                switch result {
                case .success(let frame):
                    // A reader answers one frame per command; anything after it is noise.
                    decoder.reset()
                    return .response(frame)
                case .failure(let error) where error.code == .discardedBytes:
                    continue   // line noise before the preamble: the answer may still come
                case .failure(let error):
                    stale = true
                    return .frameError(error)
                }
            }
        }
    }

    func close() async {
        await connection.close()
    }
}
