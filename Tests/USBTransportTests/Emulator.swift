import Foundation
import USBTransport

/// The emulated device this test process runs beside, when `Devices/simulators/usb/printer.py`
/// or `reader.py` started it (see `run-under-umockdev.sh`); nil in a plain `swift test`.
struct Emulator {
    /// What a test asks of the device; nil fields keep the emulator's defaults.
    struct Settings: Encodable {
        var paperOutAfter: Int?
        var bufferAfterPaperOut: Int?
        var unplugAfter: Int?
        var silent: Bool?
        var stall: Bool?
        var card: Bool?
    }

    struct NoAcknowledgement: Error {}

    let kind: String
    let directory: URL

    static let current: Emulator? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["UMOCKDEV_DIR"] != nil, let kind = environment["KIOSK_USBSIM_DEVICE"],
              let directory = environment["KIOSK_USBSIM_DIR"] else { return nil }
        return Emulator(kind: kind, directory: URL(fileURLWithPath: directory))
    }()

    static let printer = current.flatMap { $0.kind == "printer" ? $0 : nil }
    static let reader = current.flatMap { $0.kind == "reader" ? $0 : nil }

    /// Replugs the device fresh (empty capture and event log) with `settings`, and waits until
    /// the emulator says it is done.
    func reset(_ settings: Settings = Settings()) async throws {
        let id = UUID().uuidString
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        object["id"] = id
        let temporary = directory.appendingPathComponent("control.tmp")
        try JSONSerialization.data(withJSONObject: object).write(to: temporary)
        // rename(2): the emulator never reads a half-written file.
        guard rename(temporary.path, directory.appendingPathComponent("control.json").path) == 0 else {
            throw NoAcknowledgement()
        }
        for _ in 0..<2000 {
            if (try? String(contentsOf: directory.appendingPathComponent("ack"), encoding: .utf8)) == id { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw NoAcknowledgement()
    }

    /// Every byte the device received since the last reset.
    var capture: [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent("capture.bin")))) ?? []
    }

    /// What the device saw happen since the last reset ("claim 0", "detach 0 usblp", ...).
    var events: [String] {
        ((try? String(contentsOf: directory.appendingPathComponent("events.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }
}
