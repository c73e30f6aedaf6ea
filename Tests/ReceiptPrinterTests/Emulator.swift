import Foundation

/// The emulated printer this test process runs beside when `Devices/simulators/usb/printer.py`
/// started it (see `run-under-umockdev.sh`); nil in a plain `swift test`. The approach of
/// `Tests/USBTransportTests/Emulator.swift`: settings go through `control.json`, the device's
/// bytes come back in `capture.bin`.
struct Emulator {
    struct Settings: Encodable {
        var paperOutAfter: Int?
        var bufferAfterPaperOut: Int?
        var unplugAfter: Int?
    }

    struct NoAcknowledgement: Error {}

    let directory: URL

    static let printer: Emulator? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["UMOCKDEV_DIR"] != nil, environment["KIOSK_USBSIM_DEVICE"] == "printer",
              let directory = environment["KIOSK_USBSIM_DIR"] else { return nil }
        return Emulator(directory: URL(fileURLWithPath: directory))
    }()

    /// Replugs the printer fresh (empty capture) with `settings` and waits for the emulator.
    func reset(_ settings: Settings = Settings()) async throws {
        let id = UUID().uuidString
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        object["id"] = id
        let temporary = directory.appendingPathComponent("control.tmp")
        try JSONSerialization.data(withJSONObject: object).write(to: temporary)
        guard rename(temporary.path, directory.appendingPathComponent("control.json").path) == 0 else {
            throw NoAcknowledgement()
        }
        for _ in 0..<2000 {
            if (try? String(contentsOf: directory.appendingPathComponent("ack"), encoding: .utf8)) == id { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw NoAcknowledgement()
    }

    var capture: [UInt8] {
        (try? [UInt8](Data(contentsOf: directory.appendingPathComponent("capture.bin")))) ?? []
    }
}
