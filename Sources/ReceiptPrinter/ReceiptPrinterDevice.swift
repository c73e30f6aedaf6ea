import DeviceKit
import ESCPOS
import Foundation
import KioskCore
import Logging

/// A receipt printer in the device vocabulary: state (`idle`, `busy`, `error`, `offline`),
/// status, exclusive claim, health checks, statistics and events, over any `PrinterConnection`.
///
/// Every receipt goes through the job store: stored before its first byte is sent, marked
/// `sending`, then `printed` or `failed(reason)`. A failed job is kept and `reprint` sends it
/// again, so a fault never loses the receipt of a filing. Jobs are sent one at a time, in the
/// order they arrive.
public actor ReceiptPrinterDevice: Device {
    public nonisolated let info: DeviceInfo
    public nonisolated let profile: PrinterProfile
    public nonisolated let connection: any PrinterConnection
    public nonisolated var statisticNames: [String] { StatisticNames.receiptPrinter }
    let jobs: any PrintJobStore
    let counters: any StatisticsStore
    let events: EventBus<DeviceEvent>
    let logger: Logger

    private var currentState: DeviceState = .idle
    private var lastStatus = DeviceStatus(paper: .ok, cover: .closed, cutter: .ok)
    private var exclusive = Claim()
    /// The printer's turn: every exchange with it — a citizen's receipt, a reprint, a
    /// technician's test print and health check, a status query — holds it, so bytes of two
    /// never mix on the wire. Others wait in `waiting`, in order; a status query does not wait
    /// (it answers the last status seen instead). On top of it, `exclusive` (the claim) lets
    /// one owner keep the printer across turns: other owners' jobs then fail `deviceClaimed`.
    private var inUse = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(
        info: DeviceInfo, profile: PrinterProfile, connection: any PrinterConnection, jobs: any PrintJobStore,
        statistics: any StatisticsStore, events: EventBus<DeviceEvent>, logger: Logger
    ) {
        self.info = info
        self.profile = profile
        self.connection = connection
        self.jobs = jobs
        self.counters = statistics
        self.events = events
        var logger = logger
        logger[metadataKey: "device.id"] = "\(info.id)"
        self.logger = logger
    }

    // MARK: Device

    public func state() -> DeviceState { currentState }

    /// `info` with the printer's `GS I` answers (from when the connection last claimed it) and
    /// the profile's capabilities.
    public func currentInfo() async -> DeviceInfo {
        var current = info
        current.capabilities = DeviceCapabilities(profile)
        if let identity = await connection.identity() {
            current.reported = ReportedIdentity(manufacturer: identity.manufacturer, model: identity.model, firmware: identity.firmware)
            current.firmware = identity.firmware ?? current.firmware
        }
        return current
    }

    /// Asks the printer now; when it cannot be reached, the last known status (and the state
    /// says why). While a job or check runs, the status it saw last: a query of our own in
    /// between would put its bytes among the job's and take its replies. The query holds the
    /// printer's turn while it runs, so a job that arrives meanwhile waits for it.
    public func status() async -> DeviceStatus {
        guard takeTurnIfFree() else { return lastStatus }
        defer { endTurn() }
        do {
            await observe(try await connection.status())
        } catch {
            await enter(fault: error)
        }
        return lastStatus
    }

    public func lastKnownStatus() -> DeviceStatus { lastStatus }

    public func claim(owner: String) throws(DeviceFault) {
        try exclusive.claim(by: owner)
    }

    public func release(owner: String) {
        exclusive.release(by: owner)
    }

    /// Waits for a job being sent to end, so the check's queries do not mix with it; the test
    /// print then waits its turn like any other job.
    public func healthCheck(_ level: HealthCheckLevel) async -> HealthCheckResult {
        var steps = await checkSteps(level)
        if level == .external && steps.allSatisfy(\.passed) {
            steps.append(await testPrint())
        }
        return HealthCheckResult(deviceID: info.id, level: level, steps: steps)
    }

    private func checkSteps(_ level: HealthCheckLevel) async -> [HealthCheckResult.Step] {
        await takeTurn()
        defer { endTurn() }
        if level == .external, let holder = exclusive.owner {
            return [.failed("claim", .claimed(by: holder), label: .init(zh: "占用", en: "claim"))]
        }
        let status: DeviceStatus
        do {
            status = try await connection.status()
            await observe(status)
        } catch {
            await enter(fault: error)
            return [.failed("communication", error, label: .init(zh: "通信", en: "communication"))]
        }
        return [
            .init(name: "communication", passed: true, detail: "status query answered",
                  message: .init(zh: "通信：打印机应答正常", en: "communication: the printer answers")),
            Self.paperStep(status.paper), Self.coverStep(status.cover), Self.cutterStep(status.cutter),
        ]
    }

    private static func paperStep(_ paper: DeviceStatus.Paper?) -> HealthCheckResult.Step {
        let label = LocalizedText(zh: "纸张", en: "paper")
        return switch paper {
        case .out?: .failed("paper", .paperOut, label: label)
        case .nearEnd?:
            .init(name: "paper", passed: true, detail: "paper nearEnd",
                  message: .init(zh: "纸张：纸卷将尽，请备好新纸卷", en: "paper: the roll is near its end; have a new roll ready"))
        case .ok?: .init(name: "paper", passed: true, detail: "paper ok", message: .init(zh: "纸张：正常", en: "paper: ok"))
        case nil:
            .init(name: "paper", passed: true, detail: "paper unknown",
                  message: .init(zh: "纸张：此打印机不报告纸张状态", en: "paper: this printer does not report it"))
        }
    }

    private static func coverStep(_ cover: DeviceStatus.Cover?) -> HealthCheckResult.Step {
        switch cover {
        case .open?: .failed("cover", .coverOpen, label: .init(zh: "纸仓盖", en: "cover"))
        case .closed?: .init(name: "cover", passed: true, detail: "cover closed", message: .init(zh: "纸仓盖：已关闭", en: "cover: closed"))
        case nil:
            .init(name: "cover", passed: true, detail: "cover unknown",
                  message: .init(zh: "纸仓盖：此打印机不报告其状态", en: "cover: this printer does not report it"))
        }
    }

    private static func cutterStep(_ cutter: DeviceStatus.Cutter?) -> HealthCheckResult.Step {
        switch cutter {
        case .error?: .failed("cutter", .cutterError, label: .init(zh: "切刀", en: "cutter"))
        case .ok?: .init(name: "cutter", passed: true, detail: "cutter ok", message: .init(zh: "切刀：正常", en: "cutter: ok"))
        case nil:
            .init(name: "cutter", passed: true, detail: "cutter unknown",
                  message: .init(zh: "切刀：此打印机不报告其状态", en: "cutter: this printer does not report it"))
        }
    }

    // MARK: Printing

    /// Lays `receipt` out for this printer as a job; nothing is stored or sent yet.
    public nonisolated func job(for receipt: Receipt, templateID: String, reference: String) throws(DeviceFault) -> PrintJob {
        let bytes: [UInt8]
        do {
            bytes = try ReceiptRenderer.render(receipt, profile: profile)
        } catch {
            throw .receiptNotRenderable
        }
        return PrintJob(deviceID: info.id, templateID: templateID, reference: reference, bytes: bytes,
                        counts: ReceiptCounts(receipt, profile: profile))
    }

    /// Renders, stores and prints `receipt`; see `print(_:owner:)`.
    public func print(_ receipt: Receipt, templateID: String, reference: String, owner: String? = nil) async throws(DeviceFault) -> PrintJob {
        try await print(try job(for: receipt, templateID: templateID, reference: reference), owner: owner)
    }

    /// Stores `job`, then sends it. Returns the job as it ended: `printed`, or `failed` with
    /// the fault's code (and then kept for `reprint`). Throws only when the job cannot be
    /// stored, in which case nothing was sent.
    public func print(_ job: PrintJob, owner: String? = nil) async throws(DeviceFault) -> PrintJob {
        do {
            try await jobs.insert(job)
        } catch {
            logger.error("print job not stored", metadata: ["job.id": "\(job.id)", "error": "\(error)"])
            throw .jobNotStored
        }
        return await send(job, owner: owner)
    }

    /// Sends a stored job of this printer again (a failed one once the fault is cleared, or a
    /// printed one the citizen lost). Only a reprint that prints changes the stored job's state:
    /// one that fails (paper out again, the printer claimed) is answered as failed and counted
    /// in `attempts`, but a printed receipt stays `printed` and a failed one keeps its first
    /// fault — what the job was is never overwritten by a later try.
    public func reprint(_ id: UUID, owner: String? = nil) async throws(DeviceFault) -> PrintJob {
        let stored: PrintJob?
        do {
            stored = try await jobs.job(id)
        } catch {
            throw .jobNotStored
        }
        guard let stored, stored.deviceID == info.id else { throw .jobNotFound }
        return await send(stored, owner: owner, keepingStateOnFailure: stored.state)
    }

    public func recentJobs(limit: Int = 20) async throws -> [PrintJob] {
        try await jobs.recentJobs(deviceID: info.id, limit: limit)
    }

    public func statistics() async throws -> [Statistic] {
        try await counters.statistics(deviceID: info.id, names: statisticNames)
    }

    public func resetStatistic(_ name: String) async throws -> Statistic {
        try await counters.reset(name, deviceID: info.id)
    }

    /// `kept`: a reprint's stored state, which only a successful print replaces.
    private func send(_ job: PrintJob, owner: String?, keepingStateOnFailure kept: PrintJob.State? = nil) async -> PrintJob {
        await takeTurn()
        defer { endTurn() }
        var job = job
        job.attempts += 1
        if let holder = exclusive.owner, holder != owner {
            await record(&job, .failed(reason: DeviceFault.claimed(by: holder).code), storing: kept)
            return job
        }
        if kept == nil { await record(&job, .sending) }
        await enter(.busy)
        do {
            let status = try await connection.send(job.bytes, title: job.reference)
            await record(&job, .printed)
            await count(job.counts, job: true)
            await enter(.idle)
            await observe(status)
        } catch {
            logger.warning("print job failed", metadata: ["job.id": "\(job.id)", "fault": "\(error.code)"])
            await record(&job, .failed(reason: error.code), storing: kept)
            await add(["jobsFailed": 1])
            if error == .cutterError { await add(["failedPaperCuts": Int64(job.counts.cuts)]) }
            await enter(fault: error)
        }
        return job
    }

    /// The page an external health check prints.
    var testPrintReceipt: Receipt {
        Receipt([
            .text("打印测试 Test print", style: TextStyle(bold: true), alignment: .center),
            .separator,
            .keyValue(label: "设备 Device", value: info.id),
            .keyValue(label: "型号 Profile", value: profile.name),
            .text("0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ 中文打印正常"),
            .cut,
        ])
    }

    /// The test page: a job like any other (stored, counted, the last receipt a technician
    /// previews, waiting its turn), marked by its template `PrintJob.testPrintTemplateID`.
    private func testPrint() async -> HealthCheckResult.Step {
        let label = LocalizedText(zh: "测试打印", en: "test print")
        let receipt = testPrintReceipt
        let printed: PrintJob
        do {
            printed = try await print(receipt, templateID: PrintJob.testPrintTemplateID, reference: PrintJob.testPrintReference)
        } catch {
            return .failed("testPrint", error, label: label)
        }
        guard printed.state == .printed else {
            let reason = printed.state.failureReason ?? "unknown"
            return .failed("testPrint", DeviceFault.printerFault(code: reason) ?? .communicationError, label: label)
        }
        return .init(name: "testPrint", passed: true, detail: "printed \(printed.bytes.count) bytes, job \(printed.id)",
                     message: .init(zh: "测试打印：已打印测试页，请核对字迹清晰、切纸正常",
                                    en: "test print: the test page is printed; check that it is legible and cut cleanly"))
    }

    // MARK: State, status, counters, events

    /// The turn now, or false while someone else holds it.
    private func takeTurnIfFree() -> Bool {
        guard !inUse else { return false }
        inUse = true
        return true
    }

    private func takeTurn() async {
        guard inUse else {
            inUse = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func endTurn() {
        if waiting.isEmpty {
            inUse = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    /// Sets `job`'s state and stores it, or stores `stored` instead (a failed reprint keeps the
    /// job's earlier state; only its attempts grow).
    private func record(_ job: inout PrintJob, _ state: PrintJob.State, storing stored: PrintJob.State? = nil) async {
        job.state = state
        job.updatedAt = Date()
        do {
            try await jobs.update(job.id, state: stored ?? state, attempts: job.attempts, at: job.updatedAt)
        } catch {
            logger.error("print job state not stored", metadata: ["job.id": "\(job.id)", "job.state": "\(state.name)"])
        }
    }

    private func enter(_ state: DeviceState) async {
        guard state != currentState else { return }
        currentState = state
        await events.publish(.stateChanged(deviceID: info.id, state))
    }

    /// Takes in a fresh status and moves between `idle` and `error` (a busy printer stays busy
    /// until its job ends).
    private func observe(_ status: DeviceStatus) async {
        await take(status)
        guard currentState != .busy else { return }
        if let fault = DeviceFault.blocking(status) {
            if currentState != .error { await events.publish(.fault(deviceID: info.id, fault)) }
            await enter(.error)
        } else {
            await enter(.idle)
        }
    }

    /// Counts the conditions that began and publishes the change.
    private func take(_ status: DeviceStatus) async {
        let previous = lastStatus
        lastStatus = status
        var began: [String: Int64] = [:]
        if status.paper == .out && previous.paper != .out { began["paperOutCount"] = 1 }
        if status.paper == .nearEnd && previous.paper == .ok { began["paperNearEndCount"] = 1 }
        if status.cover == .open && previous.cover != .open { began["coverOpenCount"] = 1 }
        await add(began)
        if status != previous { await events.publish(.statusChanged(deviceID: info.id, status)) }
    }

    /// A fault met while talking to the printer: counted, published with its recommended
    /// action, and reflected in the state and status.
    private func enter(fault: DeviceFault) async {
        if fault == .communicationError { await add(["communicationErrors": 1]) }
        await events.publish(.fault(deviceID: info.id, fault))
        if fault == .offline {
            await enter(.offline)
            return
        }
        await enter(.error)
        var status = (try? await connection.status()) ?? lastStatus
        switch fault {
        case .paperOut: status.paper = .out
        case .coverOpen: status.cover = .open
        case .cutterError: status.cutter = .error
        default: break
        }
        await take(status)
    }

    private func count(_ counts: ReceiptCounts, job: Bool) async {
        var amounts: [String: Int64] = [
            "receiptLinesPrinted": Int64(counts.lines), "receiptCharactersPrinted": Int64(counts.characters),
            "paperCuts": Int64(counts.cuts),
        ]
        if job { amounts["jobsPrinted"] = 1 }
        await add(amounts)
        do {
            try await counters.addToday([DailyCounts.receipts: 1, DailyCounts.lines: Int64(counts.lines)], deviceID: info.id)
        } catch {
            logger.error("daily counts not stored", metadata: ["error": "\(error)"])
        }
    }

    private func add(_ amounts: [String: Int64]) async {
        let amounts = amounts.filter { $0.value != 0 }
        guard !amounts.isEmpty else { return }
        do {
            try await counters.add(amounts, deviceID: info.id)
        } catch {
            logger.error("statistics not stored", metadata: ["error": "\(error)"])
        }
    }
}

extension DeviceCapabilities {
    /// What a printer profile says, in the device vocabulary.
    public init(_ profile: PrinterProfile) {
        self.init(
            paperWidthDots: profile.paperWidthDots,
            // 203 dpi is 8 dots a millimetre; the printable width is a few millimetres short of
            // the paper's (576 dots: 72 mm printable on 80 mm paper).
            paperWidthMillimetres: profile.paperWidthDots <= 384 ? 58 : 80,
            columns: profile.columns.fontA, cutter: profile.features.cutter.rawValue, qrCode: profile.features.qrCode,
            barcodes: profile.features.barcodes.map(\.rawValue), codePage: profile.codePage.rawValue,
            chineseText: profile.features.gb18030, rasterImage: profile.features.rasterImage)
    }
}
