import Access
import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

/// Presents and removes cards on the simulated reader (`devices.mode = "simulated"` only).
public protocol CardSimulator: Sendable {
    var fixtureNames: [String] { get }
    func present(fixture: String) async throws
    func remove() async
}

/// The newest print job of a receipt printer, read back into text from the bytes it was sent
/// (the job store keeps nothing else). ID numbers in it are masked: receipts print them so.
public struct LastReceipt: Sendable, Equatable {
    public var jobID: String
    /// `queued`, `sending`, `printed` or `failed`.
    public var state: String
    public var reference: String
    public var text: String
    /// A technician's test page (`Kiosk-Print-Job-Test: true`), not a citizen's receipt.
    public var isTestPrint: Bool

    public init(jobID: String, state: String, reference: String, text: String, isTestPrint: Bool = false) {
        self.jobID = jobID
        self.state = state
        self.reference = reference
        self.text = text
        self.isTestPrint = isTestPrint
    }
}

/// Previews of the receipts a printer kept, for `GET /v1/devices/{id}/last-receipt`.
public protocol ReceiptPreviews: Sendable {
    func lastReceipt(of device: any Device) async throws -> LastReceiptLookup
}

public enum LastReceiptLookup: Sendable, Equatable {
    case notAPrinter
    case noJob
    case found(LastReceipt)
}

/// Prints a printer's counter slip with the audit log's head, recording the print in the log.
public protocol CounterSlipDesk: Sendable {
    /// Nil when `deviceID` is not a receipt printer.
    func printCounterSlip(deviceID: String, by staffNumber: String) async throws -> CounterSlipPrinted?
}

/// What `POST /v1/devices/{id}/counter-slip` answers.
public struct CounterSlipPrinted: Codable, Sendable, Equatable {
    public var jobId: String
    /// `printed` or `failed` (the job is kept for a reprint, as any).
    public var state: String
    /// The audit log's head printed on the slip, `SEQ:HEX` (`kiosk audit verify --anchor`).
    public var anchor: String

    public init(jobId: String, state: String, anchor: String) {
        self.jobId = jobId
        self.state = state
        self.anchor = anchor
    }
}

/// What the device endpoints need from the terminal.
public struct DeviceServices: Sendable {
    public var manager: DeviceManager
    public var statistics: any StatisticsStore
    public var events: EventBus<TerminalEvent>
    public var simulator: (any CardSimulator)?
    public var printerSimulator: (any PrinterSimulator)?
    public var scannerSimulator: (any ScannerSimulator)?
    public var counterSlips: (any CounterSlipDesk)?
    public var receiptPreviews: (any ReceiptPreviews)?

    public init(manager: DeviceManager, statistics: any StatisticsStore, events: EventBus<TerminalEvent>,
                simulator: (any CardSimulator)?, printerSimulator: (any PrinterSimulator)? = nil,
                receiptPreviews: (any ReceiptPreviews)? = nil, scannerSimulator: (any ScannerSimulator)? = nil,
                counterSlips: (any CounterSlipDesk)? = nil) {
        self.receiptPreviews = receiptPreviews
        self.counterSlips = counterSlips
        self.scannerSimulator = scannerSimulator
        self.manager = manager
        self.statistics = statistics
        self.events = events
        self.simulator = simulator
        self.printerSimulator = printerSimulator
    }

    func device(_ context: KioskRequestContext) async throws -> any Device {
        let id = try context.parameters.require("id")
        guard let device = await manager.device(id: id) else {
            throw APIError(.notFound, code: "deviceNotFound", message: .init(zh: "没有该设备：\(id)", en: "No such device: \(id)"))
        }
        return device
    }
}

/// A device as `GET /v1/devices` lists it.
struct DeviceView: Codable, Sendable {
    let info: DeviceInfo
    let state: DeviceState
    let status: DeviceStatus
    /// A printer's receipts and lines on each of the hall's last 7 days, oldest first.
    let daily: [DailyCount]?

    init(_ device: any Device, offline: Bool, statistics: any StatisticsStore) async {
        // The status first: asking it opens a printer not opened yet, which asks it who it is.
        status = await device.status()
        state = offline ? .offline : await device.state()
        info = await device.currentInfo()
        daily = device.info.kind == .receiptPrinter ? try? await statistics.dailyCounts(deviceID: device.info.id, days: 7) : nil
    }
}

extension KioskRoutes {
    static func addDeviceRoutes(to router: Router<KioskRequestContext>, _ services: DeviceServices) {
        router.get("/v1/devices") { _, _ in
            var views: [DeviceView] = []
            for device in await services.manager.devices() {
                views.append(await DeviceView(device, offline: await services.manager.isOffline(device.info.id), statistics: services.statistics))
            }
            return json(views)
        }

        router.get("/v1/devices/{id}") { _, context in
            let device = try await services.device(context)
            return json(await DeviceView(device, offline: await services.manager.isOffline(device.info.id), statistics: services.statistics))
        }

        router.post("/v1/devices/{id}/health-checks") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["level"])
            let level = body.fields["level"] == nil ? HealthCheckLevel.internal : try HealthCheckLevel(rawValue: body.string("level"))
            guard let level else { throw RequestBody.invalid("level", "internal or external") }
            let device = try await services.device(context)
            return json(await device.healthCheck(level), status: .created)
        }

        router.get("/v1/devices/{id}/statistics") { _, context in
            let device = try await services.device(context)
            return json(try await services.statistics.statistics(deviceID: device.info.id, names: device.statisticNames))
        }

        router.post("/v1/devices/{id}/statistics/{name}/reset") { _, context in
            let device = try await services.device(context)
            let name = try context.parameters.require("name")
            guard device.statisticNames.contains(name) else {
                throw APIError(.notFound, code: "statisticNotFound", message: .init(zh: "没有该计数器：\(name)", en: "No such counter: \(name)"))
            }
            return json(try await services.statistics.reset(name, deviceID: device.info.id))
        }

        // The technician's counter slip: the counters on paper, anchored in the audit log.
        router.post("/v1/devices/{id}/counter-slip") { _, context in
            let device = try await services.device(context)
            guard let staff = context.staff else { throw AccessError(.signInRequired) }
            guard let printed = try await services.counterSlips?.printCounterSlip(deviceID: device.info.id, by: staff.staffNumber.value) else {
                throw APIError(.notFound, code: "notAReceiptPrinter", message: .init(
                    zh: "该设备不是回执打印机：\(device.info.id)", en: "Not a receipt printer: \(device.info.id)"))
            }
            return json(printed, status: .created)
        }

        router.get("/v1/devices/{id}/last-receipt") { _, context in
            let device = try await services.device(context)
            let lookup = try await services.receiptPreviews?.lastReceipt(of: device) ?? .notAPrinter
            switch lookup {
            case .notAPrinter:
                throw APIError(.notFound, code: "notAReceiptPrinter", message: .init(
                    zh: "该设备不是回执打印机：\(device.info.id)", en: "Not a receipt printer: \(device.info.id)"))
            case .noJob:
                throw APIError(.notFound, code: "noPrintJob", message: .init(
                    zh: "该打印机还没有打印任务", en: "This printer has no print job yet"))
            case .found(let receipt):
                var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"]
                headers[.kioskPrintJob] = receipt.jobID
                headers[.kioskPrintJobState] = receipt.state
                headers[.kioskPrintJobReference] = receipt.reference
                headers[.kioskPrintJobTest] = receipt.isTestPrint ? "true" : "false"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: receipt.text)))
            }
        }

        // Server-sent events: device state, status and faults, cards placed and removed.
        router.get("/v1/events") { _, _ in
            let stream = await services.events.subscribe()
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = .sortedKeys
                    try await writer.write(ByteBuffer(string: ": kiosk events\n\n"))
                    for await event in stream {
                        let data = String(decoding: try encoder.encode(event), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "event: \(event.type.rawValue)\ndata: \(data)\n\n"))
                    }
                    try await writer.finish(nil)
                })
        }

        addPrinterSimulatorRoutes(to: router, services.printerSimulator)
        addScannerSimulatorRoutes(to: router, services.scannerSimulator)

        guard let simulator = services.simulator else { return }
        router.get("/v1/simulator/cards") { _, _ in
            json(simulator.fixtureNames)
        }
        router.post("/v1/simulator/cards") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["fixture"])
            let fixture = try body.string("fixture")
            guard simulator.fixtureNames.contains(fixture) else {
                throw APIError(.notFound, code: "unknownCardFixture", message: .init(zh: "没有该测试卡：\(fixture)", en: "No such test card: \(fixture)"))
            }
            try await simulator.present(fixture: fixture)
            return Response(status: .noContent)
        }
        router.delete("/v1/simulator/cards") { _, _ in
            await simulator.remove()
            return Response(status: .noContent)
        }
    }
}

extension HTTPField.Name {
    /// The print job a receipt preview shows, its state and its reference number.
    static let kioskPrintJob = Self("Kiosk-Print-Job")!
    static let kioskPrintJobState = Self("Kiosk-Print-Job-State")!
    static let kioskPrintJobReference = Self("Kiosk-Print-Job-Reference")!
    static let kioskPrintJobTest = Self("Kiosk-Print-Job-Test")!
}
