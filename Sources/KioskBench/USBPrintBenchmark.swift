import DeviceKit
import ESCPOS
import Foundation
import Logging
import ReceiptPrinter

/// From "print" to the last byte accepted by a USB printer, through the real libusb path:
/// chunked bulk writes with a status poll between chunks. Here it needs the printer emulated
/// by umockdev, so it runs as
/// `python3 Devices/simulators/usb/printer.py -- .build/release/kiosk-bench usbprint`;
/// on a terminal with a real printer it measures that printer.
public enum USBPrintBenchmark {
    static let receipts = 50

    public static func run() -> [Figure] {
        measuredFigures("usbprint") { await measure() }
    }

    private static func measure() async -> [Figure] {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let catalog = try? ProfileCatalog.load(directory: root.appendingPathComponent("Devices/profiles").path),
              let template = try? ReceiptTemplate.load(contentsOf: root.appendingPathComponent("Forms/receipts/filing-receipt.yaml").path),
              let receipt = try? template.render(data: ReceiptPrinterBenchmarks.standardData)
        else { return [Figure(name: "usbprint: the shipped profiles or template could not be read", value: 0, unit: "")] }
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "bench"))
        let provider = USBPrinterProvider(catalog: catalog, environment: environment)
        guard let printer = await provider.discover().lazy.compactMap({ $0 as? ReceiptPrinterDevice }).first else {
            return [Figure(name: "usbprint: no USB receipt printer (run it beside Devices/simulators/usb/printer.py)", value: 0, unit: "")]
        }
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for index in 0..<receipts {
            let start = clock.now
            guard let job = try? await printer.print(receipt, templateID: "filing-receipt", reference: "BENCH-\(index)"),
                  job.state == .printed else {
                return [Figure(name: "usbprint: receipt \(index) did not print", value: 0, unit: "")]
            }
            samples.append(clock.now - start)
        }
        samples.sort()
        func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }
        return [
            Figure(name: "usbprint.receipt.median", value: milliseconds(samples[samples.count / 2]), unit: "ms"),
            Figure(name: "usbprint.receipt.p95", value: milliseconds(samples[samples.count * 95 / 100]), unit: "ms"),
        ]
    }
}
