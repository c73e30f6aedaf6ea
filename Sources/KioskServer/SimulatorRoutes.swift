import DeviceKit
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// The simulated receipt printer's controls (`devices.mode = "simulated"` only), for
/// technicians and UI tests: run it out of paper, open its cover, jam its cutter.
public protocol PrinterSimulator: Sendable {
    /// The printer as it is now, asked through its device so a change is noticed the way a
    /// status poll notices it (events, counters, state).
    func state() async -> SimulatedPrinterState
    /// Applies `change`, then reports the printer as its device sees it.
    func apply(_ change: SimulatedPrinterChange) async -> SimulatedPrinterState
}

/// The simulated code scanner's trigger (`devices.mode = "simulated"` only): the text arrives as
/// a scanner's bytes do, and takes their path (framing, the flood gate, the screen's event).
public protocol ScannerSimulator: Sendable {
    var deviceID: String { get }
    func scan(_ text: String) async
}

/// What `POST /v1/simulator/printer` may change; nil leaves a part as it is.
public struct SimulatedPrinterChange: Sendable, Equatable {
    /// `ok` loads a full roll, `nearEnd` leaves the roll at the near-end sensor, `out` empties it.
    public var paper: DeviceStatus.Paper?
    /// Exact lines left on the roll (0 is out), to make paper run out in the middle of a job.
    public var paperLines: Int?
    public var cover: DeviceStatus.Cover?
    public var cutter: DeviceStatus.Cutter?

    public init(paper: DeviceStatus.Paper? = nil, paperLines: Int? = nil, cover: DeviceStatus.Cover? = nil,
                cutter: DeviceStatus.Cutter? = nil) {
        self.paper = paper
        self.paperLines = paperLines
        self.cover = cover
        self.cutter = cutter
    }

    public var isEmpty: Bool { paper == nil && paperLines == nil && cover == nil && cutter == nil }
}

/// The simulated printer as `GET /v1/simulator/printer` reports it.
public struct SimulatedPrinterState: Codable, Sendable, Equatable {
    public var deviceId: String
    public var state: DeviceState
    public var status: DeviceStatus
    public var paperLinesRemaining: Int
    /// Bytes taken in since the terminal started, parts of failed jobs included.
    public var bytesAccepted: Int
    public var jobsCompleted: Int
    public var cuts: Int

    public init(deviceId: String, state: DeviceState, status: DeviceStatus, paperLinesRemaining: Int, bytesAccepted: Int,
                jobsCompleted: Int, cuts: Int) {
        self.deviceId = deviceId
        self.state = state
        self.status = status
        self.paperLinesRemaining = paperLinesRemaining
        self.bytesAccepted = bytesAccepted
        self.jobsCompleted = jobsCompleted
        self.cuts = cuts
    }
}

extension SimulatedPrinterChange {
    /// Reads the body of `POST /v1/simulator/printer`; refuses an empty change and a change
    /// that sets the paper both ways.
    init(_ body: RequestBody) throws {
        func value<Value: RawRepresentable<String>>(_ key: String, _ expected: String) throws -> Value? {
            guard body.fields[key] != nil else { return nil }
            guard let value = Value(rawValue: try body.string(key)) else { throw RequestBody.invalid(key, expected) }
            return value
        }
        self.init(paper: try value("paper", "ok, nearEnd or out"), cover: try value("cover", "open or closed"),
                  cutter: try value("cutter", "ok or error"))
        if let lines = body.fields["paperLines"] {
            guard case .number(let number) = lines, number >= 0, number <= 1_000_000, number == number.rounded() else {
                throw RequestBody.invalid("paperLines", "a whole number of lines from 0 to 1000000")
            }
            guard paper == nil else {
                throw APIError(.badRequest, code: "conflictingFields", message: .init(
                    zh: "paper 与 paperLines 只能给出一个", en: "Give either paper or paperLines, not both"))
            }
            paperLines = Int(number)
        }
        guard !isEmpty else {
            throw APIError(.badRequest, code: "nothingToChange", message: .init(
                zh: "请至少给出 paper、paperLines、cover 或 cutter 之一",
                en: "Give at least one of paper, paperLines, cover or cutter"))
        }
    }
}

extension KioskRoutes {
    static let noSimulatedPrinter = APIError(.notFound, code: "noSimulatedPrinter", message: .init(
        zh: "此终端没有模拟打印机（仅 devices.mode = \"simulated\" 时提供）",
        en: "This terminal has no simulated printer (only with devices.mode = \"simulated\")"))

    /// Registered on every terminal, so a technician calling it on real hardware is told why
    /// it does nothing rather than getting an unknown route.
    static func addPrinterSimulatorRoutes(to router: Router<KioskRequestContext>, _ simulator: (any PrinterSimulator)?) {
        router.get("/v1/simulator/printer") { _, _ in
            guard let simulator else { throw noSimulatedPrinter }
            return json(await simulator.state())
        }
        router.post("/v1/simulator/printer") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["paper", "paperLines", "cover", "cutter"])
            guard let simulator else { throw noSimulatedPrinter }
            let change = try SimulatedPrinterChange(body)
            return json(await simulator.apply(change))
        }
    }

    static let noSimulatedScanner = APIError(.notFound, code: "noSimulatedScanner", message: .init(
        zh: "此终端没有模拟扫码器（仅 devices.mode = \"simulated\" 时提供）",
        en: "This terminal has no simulated code scanner (only with devices.mode = \"simulated\")"))

    /// A technician's control, never the public screen's: a scan is what starts a check-in or
    /// opens a filing's progress, and only a scanner in the terminal's hand makes one.
    static func addScannerSimulatorRoutes(to router: Router<KioskRequestContext>, _ simulator: (any ScannerSimulator)?) {
        router.post("/v1/simulator/scanner") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["text"])
            guard let simulator else { throw noSimulatedScanner }
            let text = try body.string("text")
            // Longer than a scanner's longest code by a margin, so the overlong path can be tried.
            guard text.utf8.count <= 4_096 else { throw RequestBody.invalid("text", "at most 4096 bytes") }
            await simulator.scan(text)
            return json(SimulatedScan(deviceId: simulator.deviceID, bytes: text.utf8.count), status: .accepted)
        }
    }
}

/// What `POST /v1/simulator/scanner` answers: the scan is on its way (its outcome comes as a
/// `scan` event, or a counter, as a real scanner's would).
struct SimulatedScan: Codable, Sendable {
    var deviceId: String
    var bytes: Int
}
