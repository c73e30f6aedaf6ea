import DeviceKit
import Logging
import USBTransport

/// USB devices arriving and leaving, from libusb hotplug, so the device manager rescans at
/// once; where libusb has no hotplug it returns and the manager's periodic rescan does the work.
/// Callbacks arrive only while `context.runEventLoop()` runs.
public struct USBHotplugChanges: DeviceChangeSource {
    let context: USBContext
    let logger: Logger

    public init(context: USBContext, logger: Logger) {
        self.context = context
        self.logger = logger
    }

    public func watch(_ changed: @escaping @Sendable () async -> Void) async {
        guard USBContext.supportsHotplug else {
            logger.info("USB hotplug not supported here; devices are found by the periodic rescan")
            return
        }
        do {
            // Changes only: the manager lists the bus itself when it starts, so the arrivals
            // libusb would replay for attached devices would only cause extra rescans.
            for await _ in try context.hotplugEvents(enumerate: false) { await changed() }
        } catch {
            logger.warning("USB hotplug unavailable; devices are found by the periodic rescan", metadata: ["error": "\(error.code)"])
        }
    }
}
