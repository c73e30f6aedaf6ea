import Foundation
import ServiceLifecycle

/// Asks each connected device of `kinds` for its status every `interval`, so a printer that ran
/// out of paper or had its cover opened since the last citizen shows it (in `/readyz`, the
/// events, the metrics and on the screen) before the next one reaches the end of a filing.
///
/// A device's `status()` never disturbs a job: a printer answers the status its job saw last
/// while one is under way, and holds its turn for the query otherwise (see
/// `ReceiptPrinterDevice`). Offline devices are left to the manager's rescan.
public struct IdleStatusPoller: Service {
    let manager: DeviceManager
    let kinds: Set<DeviceKind>
    let interval: Duration

    public init(manager: DeviceManager, kinds: Set<DeviceKind> = [.receiptPrinter], interval: Duration) {
        self.manager = manager
        self.kinds = kinds
        self.interval = interval
    }

    public func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await pollOnce()
            }
        }
    }

    /// One round: every connected device of `kinds` asked once.
    public func pollOnce() async {
        for device in await manager.devices() where kinds.contains(device.info.kind) {
            guard !(await manager.isOffline(device.info.id)) else { continue }
            _ = await device.status()
        }
    }
}
