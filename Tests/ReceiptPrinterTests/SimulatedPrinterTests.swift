import DeviceKit
import ESCPOS
import Foundation
import Logging
import Testing
@testable import ReceiptPrinter

@Suite struct SimulatedPrinterTests {
    let simulator = SimulatedPrinter()
    let profile: PrinterProfile
    let receipt: Receipt

    init() throws {
        profile = try #require(try shippedProfiles().profile(id: "xprinter-80")).printer
        receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
    }

    func printer() async -> PrinterUnderTest { await PrinterUnderTest(connection: simulator, profile: profile) }

    @Test func printsAReceiptStoresItAndCountsIt() async throws {
        let printer = await printer()
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(job.state == .printed)
        #expect(job.attempts == 1)
        #expect(job.bytes == (try ReceiptRenderer.render(receipt, profile: profile)))
        #expect(await simulator.lastReceipt == job.bytes)
        #expect(await simulator.cuts == 1)
        #expect(await simulator.bytesAccepted == job.bytes.count)
        #expect(await simulator.jobsCompleted == 1)
        #expect(await printer.jobs.job(job.id)?.state == .printed)
        #expect(try await printer.device.recentJobs().map(\.id) == [job.id])

        // 17 lines (texts, rows, rules, the QR code as one) and 4 fed before the cut; the
        // characters of the texts and rows without spaces (the QR content is not text).
        #expect(job.counts == ReceiptCounts(lines: 21, characters: 159, cuts: 1))
        let counters = try await printer.counters()
        #expect(counters["receiptLinesPrinted"] == 21)
        #expect(counters["receiptCharactersPrinted"] == 159)
        #expect(counters["paperCuts"] == 1)
        #expect(counters["jobsPrinted"] == 1)
        #expect(counters["jobsFailed"] == 0)
        #expect(await printer.device.state() == .idle)
        #expect(await printer.publishedEvents() == [
            .stateChanged(deviceID: "printer-test", .busy), .stateChanged(deviceID: "printer-test", .idle),
        ])
    }

    @Test func paperRunningOutMidJobFailsTheJobKeepsItAndReprintsItOnceLoaded() async throws {
        let printer = await printer()
        await simulator.runOutOfPaper(afterLines: 5)
        let failed = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(failed.state == .failed(reason: "paperOut"))
        let partial = await simulator.lastReceipt
        #expect(!partial.isEmpty && partial.count < failed.bytes.count)
        #expect(Array(failed.bytes.prefix(partial.count)) == partial)
        #expect(await simulator.bytesAccepted == partial.count)
        #expect(await simulator.jobsCompleted == 0)
        #expect(await printer.jobs.job(failed.id) == failed)
        #expect(await printer.device.state() == .error)
        #expect(await printer.device.status().paper == .out)

        await simulator.loadPaper()
        let reprinted = try await printer.device.reprint(failed.id)
        #expect(reprinted.id == failed.id)
        #expect(reprinted.state == .printed)
        #expect(reprinted.attempts == 2)
        #expect(await simulator.lastReceipt == failed.bytes)
        #expect(await printer.device.state() == .idle)

        let counters = try await printer.counters()
        #expect(counters["paperOutCount"] == 1)
        #expect(counters["jobsFailed"] == 1)
        #expect(counters["jobsPrinted"] == 1)
        #expect(counters["paperCuts"] == 1)
        let events = await printer.publishedEvents()
        let id = "printer-test"
        #expect(events == [
            .stateChanged(deviceID: id, .busy),
            .fault(deviceID: id, .paperOut),
            .stateChanged(deviceID: id, .error),
            .statusChanged(deviceID: id, DeviceStatus(paper: .out, cover: .closed, cutter: .ok)),
            .stateChanged(deviceID: id, .busy),
            .stateChanged(deviceID: id, .idle),
            .statusChanged(deviceID: id, DeviceStatus(paper: .ok, cover: .closed, cutter: .ok)),
        ])
        #expect(DeviceFault.paperOut.action == .clear)
    }

    @Test func anOpenCoverStopsPrintingBeforeTheFirstByte() async throws {
        let printer = await printer()
        await simulator.openCover()
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "coverOpen"))
        #expect(await simulator.lastReceipt.isEmpty)
        #expect(try await printer.counters()["coverOpenCount"] == 1)
        #expect(await printer.publishedEvents().contains(.fault(deviceID: "printer-test", .coverOpen)))
        #expect(DeviceFault.coverOpen.action == .clear)

        await simulator.closeCover()
        #expect(await printer.device.status().cover == .closed)
        #expect(await printer.device.state() == .idle)
    }

    @Test func aJammedCutterNeedsMaintenanceAndCountsTheFailedCut() async throws {
        let printer = await printer()
        await simulator.jamCutter()
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "cutterError"))
        let counters = try await printer.counters()
        #expect(counters["failedPaperCuts"] == 1)
        #expect(counters["paperCuts"] == 0)
        let faults = await printer.publishedEvents().compactMap { event -> DeviceFault? in
            if case .fault(_, let fault) = event { fault } else { nil }
        }
        #expect(faults == [.cutterError])
        #expect(faults.first?.action == .maintenance)
    }

    @Test func anUnpluggedPrinterIsOfflineAndItsJobWaitsForAReprint() async throws {
        let printer = await printer()
        await simulator.disconnect()
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "deviceOffline"))
        #expect(await printer.device.state() == .offline)
        await simulator.reconnect()
        #expect(try await printer.device.reprint(job.id).state == .printed)
        #expect(await printer.device.state() == .idle)
        let events = await printer.publishedEvents()
        #expect(events.contains(.fault(deviceID: "printer-test", .offline)))
        #expect(events.contains(.stateChanged(deviceID: "printer-test", .offline)))
    }

    @Test func aCommunicationErrorIsCountedAndRecommendsARetry() async throws {
        struct Garbled: PrinterConnection {
            let address = "test"
            func send(_ bytes: [UInt8], title: String) throws(DeviceFault) -> DeviceStatus { throw .communicationError }
            func status() throws(DeviceFault) -> DeviceStatus { DeviceStatus(paper: .ok, cover: .closed, cutter: .ok) }
        }
        let printer = await PrinterUnderTest(connection: Garbled(), profile: profile)
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "communicationError"))
        #expect(try await printer.counters()["communicationErrors"] == 1)
        #expect(DeviceFault.communicationError.action == .retry)
    }

    @Test func aJobThatCannotBeStoredIsNotPrinted() async throws {
        struct BrokenStore: PrintJobStore {
            struct Failure: Error {}
            func insert(_ job: PrintJob) throws { throw Failure() }
            func update(_ id: UUID, state: PrintJob.State, attempts: Int, at time: Date) throws { throw Failure() }
            func job(_ id: UUID) throws -> PrintJob? { throw Failure() }
            func recentJobs(deviceID: String?, limit: Int) throws -> [PrintJob] { throw Failure() }
        }
        let device = ReceiptPrinterDevice(
            info: DeviceInfo(id: "p", kind: .receiptPrinter, connection: "simulated"), profile: profile,
            connection: simulator, jobs: BrokenStore(), statistics: InMemoryStatisticsStore(), events: EventBus(),
            logger: Logger(label: "test"))
        let error = await #expect(throws: DeviceFault.self) {
            try await device.print(receipt, templateID: "filing-receipt", reference: "A1")
        }
        #expect(error == .jobNotStored)
        #expect(await simulator.lastReceipt.isEmpty)
    }

    @Test func reprintingAnUnknownJobFails() async throws {
        let printer = await printer()
        let error = await #expect(throws: DeviceFault.self) { try await printer.device.reprint(UUID()) }
        #expect(error == .jobNotFound)
    }

    @Test func jobsPrintOneAtATimeInFull() async throws {
        let printer = await printer()
        async let first = printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        async let second = printer.device.print(receipt, templateID: "filing-receipt", reference: "A2")
        let jobs = try await [first, second]
        #expect(jobs.map(\.state) == [.printed, .printed])
        #expect(await simulator.cuts == 2)
        #expect(try await printer.counters()["jobsPrinted"] == 2)
    }

    @Test func paperNearEndIsCountedOnceAndStillPrints() async throws {
        let printer = await printer()
        await simulator.loadPaper(lines: SimulatedPrinter.nearEndLines + 30)
        #expect(try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1").state == .printed)
        #expect(try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A2").state == .printed)
        #expect(await printer.device.status().paper == .nearEnd)
        #expect(try await printer.counters()["paperNearEndCount"] == 1)
        #expect(await printer.device.state() == .idle)
    }

    @Test func theInternalCheckOnlyAsksAndTheExternalOnePrintsATestReceipt() async throws {
        let printer = await printer()
        let internalCheck = await printer.device.healthCheck(.internal)
        #expect(internalCheck.passed)
        #expect(internalCheck.steps.map(\.name) == ["communication", "paper", "cover", "cutter"])
        #expect(await simulator.lastReceipt.isEmpty)
        #expect(await simulator.paperLines == SimulatedPrinter.fullRoll)

        let external = await printer.device.healthCheck(.external)
        #expect(external.passed)
        #expect(external.steps.map(\.name) == ["communication", "paper", "cover", "cutter", "testPrint"])
        #expect(await simulator.cuts == 1)
        let testReceipt = await simulator.lastReceipt
        #expect(testReceipt.firstRange(of: Array("Test print".utf8)) != nil)
        let counters = try await printer.counters()
        // A test print is a job like any other, marked as a test: stored, counted, previewable.
        #expect(counters["paperCuts"] == 1)
        #expect(counters["jobsPrinted"] == 1)
        let jobs = try await printer.device.recentJobs()
        #expect(jobs.count == 1)
        #expect(jobs.first?.isTestPrint == true && jobs.first?.state == .printed)
        #expect(jobs.first?.reference == PrintJob.testPrintReference)
        #expect(external.steps.last?.message.zh == "测试打印：已打印测试页，请核对字迹清晰、切纸正常")

        await simulator.runOutOfPaper()
        let noPaper = await printer.device.healthCheck(.external)
        #expect(!noPaper.passed)
        #expect(noPaper.steps.map(\.name) == ["communication", "paper", "cover", "cutter"])
        #expect(noPaper.text.en
            == "check failed: paper: the printer is out of paper; load a new roll; staff can clear it as the message says, then try again")
        #expect(noPaper.text.zh == "检查未通过：纸张：打印机缺纸，请装入新纸卷。工作人员可按提示处理后重试")
        #expect(await simulator.cuts == 1)
    }

    @Test func aClaimKeepsOthersOut() async throws {
        let printer = await printer()
        try await printer.device.claim(owner: "technician")
        let error = await #expect(throws: DeviceFault.self) { try await printer.device.claim(owner: "kiosk") }
        #expect(error?.code == "deviceClaimed")
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "deviceClaimed"))
        #expect(try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A2", owner: "technician").state == .printed)
        #expect(await printer.device.healthCheck(.external).steps.map(\.name) == ["claim"])
        await printer.device.release(owner: "technician")
        #expect(try await printer.device.reprint(job.id).state == .printed)
    }

    @Test func theSimulatorFollowsThePaperThroughEveryCommand() {
        let bytes: [UInt8] = [0x1B, 0x40, 0x1B, 0x74, 0x00, 0x41, 0x0A, 0x1B, 0x64, 0x03]
            + [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]                     // QR print
            + [0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x3C, 0x00] + Array(repeating: 0x0A, count: 60)   // 60-dot image of LF bytes
            + [0x1D, 0x56, 0x01]
        var reader = CommandReader(bytes)
        var lines = 0
        var cuts = 0
        var commands = 0
        while let command = reader.next() {
            lines += command.lines
            cuts += command.isCut ? 1 : 0
            commands += 1
        }
        #expect(lines == 1 + 3 + CommandReader.qrLines + 2)
        #expect(cuts == 1)
        #expect(commands == 8)
    }

    @Test func theSimulatedProviderKeepsItsOneDevice() async throws {
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "test"))
        let providers = try makeDeviceProviders(
            mode: .simulated, devicesDirectory: repositoryRoot.appendingPathComponent("Devices").path, environment: environment)
        #expect(providers.count == 1)
        let first = await providers[0].discover()
        let second = await providers[0].discover()
        #expect(first.map(\.info.id) == ["printer-simulated"])
        let firstDevice = try #require(first.first as? ReceiptPrinterDevice)
        let secondDevice = try #require(second.first as? ReceiptPrinterDevice)
        #expect(firstDevice === secondDevice)
        #expect(first.first?.info.profile == "generic-escpos")
        #expect(first.first?.statisticNames == StatisticNames.receiptPrinter)

        let missing = #expect(throws: DefinitionFileError.self) {
            try makeDeviceProviders(mode: .usb, devicesDirectory: "/nonexistent", environment: environment)
        }
        #expect(missing?.code == "genericProfileMissing")
    }
}
