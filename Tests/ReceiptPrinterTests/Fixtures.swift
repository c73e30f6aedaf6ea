import DeviceKit
import ESCPOS
import Foundation
import Logging
import Synchronization
@testable import ReceiptPrinter

/// The repository's root, for the shipped profiles and templates.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func shippedProfiles() throws -> ProfileCatalog {
    try ProfileCatalog.load(directory: repositoryRoot.appendingPathComponent("Devices/profiles").path)
}

func shippedTemplates() throws -> [String: ReceiptTemplate] {
    try ReceiptTemplate.loadAll(directory: repositoryRoot.appendingPathComponent("Forms/receipts").path)
}

/// A valid resident ID number (GB 11643 check character), never a real person's.
let sampleIDNumber = "11010519491231002X"

let filingData = TemplateData([
    "hall": .text("XX区政务服务中心"),
    "matter": .text("居民身份证换领"),
    "reference": .text("A20260315-000123"),
    "applicantIdLabel": .text("身份证号"),
    "applicantId": .text(sampleIDNumber),
    "time": .text("2026-03-15 10:42"),
    "progressCode": .text("P1:S01-20260315-0042:abcdefghijkl"),
    "nextSteps": .list(["凭本回执到3号窗口领取证件", "如需邮寄请拨打12345"]),
])

/// A receipt printer over `connection` with in-memory stores, and the events it publishes.
struct PrinterUnderTest {
    let device: ReceiptPrinterDevice
    let jobs = InMemoryPrintJobStore()
    let statistics = InMemoryStatisticsStore()
    let events = EventBus<DeviceEvent>()
    let stream: AsyncStream<DeviceEvent>

    init(connection: any PrinterConnection, profile: PrinterProfile, id: String = "printer-test") async {
        stream = await events.subscribe()
        device = ReceiptPrinterDevice(
            info: DeviceInfo(id: id, kind: .receiptPrinter, connection: connection.address, profile: profile.id),
            profile: profile, connection: connection, jobs: jobs, statistics: statistics, events: events,
            logger: Logger(label: "test"))
    }

    func counters() async throws -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: try await device.statistics().map { ($0.name, $0.value) })
    }

    /// Every event published so far (the bus keeps the newest 64).
    func publishedEvents() async -> [DeviceEvent] {
        await events.finish()
        var all: [DeviceEvent] = []
        for await event in stream { all.append(event) }
        return all
    }
}

/// A citizen's receipt, a technician's external health check (with its test print) and a
/// reprint of `earlier`, all at once, while the device page asks for the status again and again.
/// Returns the three outcomes and the test print's bytes.
func printAllAtOnce(_ printer: PrinterUnderTest, _ receipt: Receipt, reprinting earlier: PrintJob) async throws
    -> (job: PrintJob, check: HealthCheckResult, again: PrintJob, testPrint: [UInt8]) {
    let jobsDone = Atomic(false)
    let device = printer.device
    let queries = Task {
        while !jobsDone.load(ordering: .relaxed) {
            _ = await device.status()
            await Task.yield()
        }
    }
    async let citizen = device.print(receipt, templateID: "filing-receipt", reference: "A2")
    async let technician = device.healthCheck(.external)
    async let reprint = device.reprint(earlier.id)
    let (job, check, again) = try await (citizen, technician, reprint)
    jobsDone.store(true, ordering: .relaxed)
    await queries.value
    return (job, check, again, try ReceiptRenderer.render(await device.testPrintReceipt, profile: device.profile))
}

/// Where `wire` stops being `exchanges` whole, in any order, with nothing but whole `poll`s
/// between them; nil when it is exactly that.
func firstMixedByte(_ wire: [UInt8], exchanges: [[UInt8]], poll: [UInt8]) -> Int? {
    var rest = wire[...]
    var pending = exchanges
    while !rest.isEmpty {
        if let index = pending.firstIndex(where: { rest.starts(with: $0) }) {
            rest = rest.dropFirst(pending.remove(at: index).count)
        } else if rest.starts(with: poll) {
            rest = rest.dropFirst(poll.count)
        } else {
            return wire.count - rest.count
        }
    }
    return pending.isEmpty ? nil : wire.count
}
