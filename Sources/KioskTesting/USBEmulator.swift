import Foundation

/// The emulated USB device this test process runs beside, when `Devices/simulators/usb/printer.py`,
/// `reader.py` or `touchscreen.py` started it (see `run-under-umockdev.sh`); nil in a plain `swift test`.
/// Settings go in through `control.json` (a replug) or `live.json` (no replug); what the device
/// received comes back in `capture.bin`, what it saw happen in `events.log`.
public struct USBEmulator: Sendable {
    /// What a test asks of the device on a replug; nil fields keep the emulator's defaults.
    public struct Settings: Encodable, Sendable {
        public var paperOutAfter: Int?
        public var bufferAfterPaperOut: Int?
        public var unplugAfter: Int?
        public var silent: Bool?
        public var stall: Bool?
        /// `GS I` goes unanswered (printer).
        public var noIdentity: Bool?
        public var card: Bool?
        /// A status byte every command but reset SAM gets while set (reader).
        public var samStatus: UInt8?
        /// The cable is pulled when a read command arrives (reader).
        public var unplugOnRead: Bool?

        public init(paperOutAfter: Int? = nil, bufferAfterPaperOut: Int? = nil, unplugAfter: Int? = nil, silent: Bool? = nil,
                    stall: Bool? = nil, noIdentity: Bool? = nil, card: Bool? = nil, samStatus: UInt8? = nil,
                    unplugOnRead: Bool? = nil) {
            self.paperOutAfter = paperOutAfter
            self.bufferAfterPaperOut = bufferAfterPaperOut
            self.unplugAfter = unplugAfter
            self.silent = silent
            self.stall = stall
            self.noIdentity = noIdentity
            self.card = card
            self.samStatus = samStatus
            self.unplugOnRead = unplugOnRead
        }
    }

    /// What changes while the device stays plugged in.
    public struct Live: Encodable, Sendable {
        public var card: Bool?

        public init(card: Bool? = nil) { self.card = card }
    }

    public struct NoAcknowledgement: Error {}

    public let kind: String
    public let directory: URL

    public static let current: USBEmulator? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["UMOCKDEV_DIR"] != nil, let kind = environment["USBSIM_DEVICE"],
              let directory = environment["USBSIM_DIR"] else { return nil }
        return USBEmulator(kind: kind, directory: URL(fileURLWithPath: directory))
    }()

    public static let printer = current.flatMap { $0.kind == "printer" ? $0 : nil }
    public static let reader = current.flatMap { $0.kind == "reader" ? $0 : nil }
    /// A HID touch controller of a printer vendor (0483:91d1, `usbhid` bound): not the terminal's.
    public static let touchscreen = current.flatMap { $0.kind == "touchscreen" ? $0 : nil }

    /// Replugs the device fresh (empty capture and event log) with `settings`, and waits until
    /// the emulator says it is done.
    public func reset(_ settings: Settings = Settings()) async throws {
        let id = UUID().uuidString
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        object["id"] = id
        try write(object, to: "control.json")
        for _ in 0..<2000 {
            if (try? String(contentsOf: directory.appendingPathComponent("ack"), encoding: .utf8)) == id { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw NoAcknowledgement()
    }

    /// Changes the device without a replug (a card placed or taken off); read before its next command.
    public func set(_ live: Live) throws {
        try write(try JSONSerialization.jsonObject(with: JSONEncoder().encode(live)) as? [String: Any] ?? [:], to: "live.json")
    }

    /// Every byte the device received since the last reset.
    public var capture: [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent("capture.bin")))) ?? []
    }

    /// What the device saw happen since the last reset ("claim 0", "detach 0 usblp", ...).
    public var events: [String] {
        ((try? String(contentsOf: directory.appendingPathComponent("events.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// rename(2): the emulator never reads a half-written file.
    private func write(_ object: [String: Any], to name: String) throws {
        let temporary = directory.appendingPathComponent(name + ".tmp")
        try JSONSerialization.data(withJSONObject: object).write(to: temporary)
        guard rename(temporary.path, directory.appendingPathComponent(name).path) == 0 else { throw NoAcknowledgement() }
    }
}
