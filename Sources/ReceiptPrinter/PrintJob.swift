import DeviceKit
import ESCPOS
import Foundation

/// One receipt on its way to a printer. It is stored before its first byte is sent and kept
/// after it fails, so a receipt is never lost: staff reprint it once the fault is cleared.
///
/// Columns carry no personal data: the template, the reference number, the counts. The bytes
/// are what the printer gets, where an ID number only ever appears masked.
public struct PrintJob: Sendable, Equatable, Identifiable {
    public enum State: Sendable, Equatable {
        case queued
        case sending
        case printed
        /// The fault's code (`paperOut`, `deviceOffline`, ...).
        case failed(reason: String)

        public var name: String {
            switch self {
            case .queued: "queued"
            case .sending: "sending"
            case .printed: "printed"
            case .failed: "failed"
            }
        }

        public var failureReason: String? {
            if case .failed(let reason) = self { reason } else { nil }
        }

        /// The inverse of `name` and `failureReason`, for stores.
        public init?(name: String, failureReason: String?) {
            switch (name, failureReason) {
            case ("queued", nil): self = .queued
            case ("sending", nil): self = .sending
            case ("printed", nil): self = .printed
            case ("failed", let reason?): self = .failed(reason: reason)
            default: return nil
            }
        }
    }

    public let id: UUID
    public let deviceID: String
    public let templateID: String
    /// The filing's or booking's reference number; also the CUPS job title.
    public let reference: String
    public let bytes: [UInt8]
    public let counts: ReceiptCounts
    public var state: State
    /// Sends tried, reprints included.
    public var attempts: Int
    public let createdAt: Date
    public var updatedAt: Date

    /// The template of the test page a technician's external health check prints: a job like
    /// any other, marked by this template.
    public static let testPrintTemplateID = "testPrint"
    /// Its reference (and CUPS job title).
    public static let testPrintReference = "test print"

    public var isTestPrint: Bool { templateID == Self.testPrintTemplateID }

    public init(
        id: UUID = UUID(), deviceID: String, templateID: String, reference: String, bytes: [UInt8],
        counts: ReceiptCounts, state: State = .queued, attempts: Int = 0, createdAt: Date = Date(), updatedAt: Date? = nil
    ) {
        self.id = id
        self.deviceID = deviceID
        self.templateID = templateID
        self.reference = reference
        self.bytes = bytes
        self.counts = counts
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// What a receipt puts on paper, for the statistics: printed lines (feeds before a cut
/// included), characters of text (spaces excluded), and cuts.
public struct ReceiptCounts: Sendable, Equatable, Codable {
    public var lines: Int
    public var characters: Int
    public var cuts: Int

    public init(lines: Int, characters: Int, cuts: Int) {
        self.lines = lines
        self.characters = characters
        self.cuts = cuts
    }

    /// Counted on the same layout the bytes come from (the renderer's preview), so the counters
    /// agree with the paper.
    public init(_ receipt: Receipt, profile: PrinterProfile) {
        let cutsPerBlock = profile.features.cutter == .none ? 0 : 1
        var lines = ReceiptRenderer.preview(receipt, profile: profile).split(separator: "\n", omittingEmptySubsequences: false)
            .count - 1
        var characters = 0
        var cuts = 0
        for block in receipt.blocks {
            switch block {
            case .text(let text, _, _):
                characters += text.count { !$0.isWhitespace }
            case .keyValue(let label, let value, _):
                characters += label.count { !$0.isWhitespace } + value.count { !$0.isWhitespace }
            case .cut:
                lines -= 1   // the preview's cut mark is not a printed line
                cuts += cutsPerBlock
            case .separator, .blank, .qrCode, .barcode:
                break
            }
        }
        self.init(lines: lines, characters: characters, cuts: cuts)
    }
}

/// Where print jobs are kept. `Storage.DeviceStore` keeps them in SQLite; tests and the
/// simulated terminal use `InMemoryPrintJobStore`.
public protocol PrintJobStore: Sendable {
    func insert(_ job: PrintJob) async throws
    func update(_ id: UUID, state: PrintJob.State, attempts: Int, at time: Date) async throws
    func job(_ id: UUID) async throws -> PrintJob?
    /// Newest first; of one device when `deviceID` is given.
    func recentJobs(deviceID: String?, limit: Int) async throws -> [PrintJob]
}

public actor InMemoryPrintJobStore: PrintJobStore {
    private var jobs: [UUID: PrintJob] = [:]
    private var order: [UUID] = []

    public init() {}

    public func insert(_ job: PrintJob) {
        if jobs[job.id] == nil { order.append(job.id) }
        jobs[job.id] = job
    }

    public func update(_ id: UUID, state: PrintJob.State, attempts: Int, at time: Date) {
        jobs[id]?.state = state
        jobs[id]?.attempts = attempts
        jobs[id]?.updatedAt = time
    }

    public func job(_ id: UUID) -> PrintJob? { jobs[id] }

    public func recentJobs(deviceID: String?, limit: Int) -> [PrintJob] {
        Array(order.reversed().compactMap { jobs[$0] }.filter { deviceID == nil || $0.deviceID == deviceID }.prefix(limit))
    }
}
