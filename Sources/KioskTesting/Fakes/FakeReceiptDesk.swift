import Booking
import FormEngine
import Foundation
import KioskCore
import KioskServer

/// The receipt printer desk in memory: remembers every paper asked for and answers with the
/// state the test chooses (`answer`), keeping slips and reprints to one print per request key
/// and to `PrintLimits`, as the terminal's desk does.
public actor FakeReceiptDesk: ReceiptDesk {
    public enum Paper: Sendable, Equatable {
        case filingReceipt(reference: String)
        case materialsNotice(formID: String)
        case policySheets(policyIDs: [String])
        case bookingSlip(code: BookingCode)
        case reprint(jobID: String)
    }

    /// Every paper sent to the printer, in order.
    public private(set) var printed: [Paper] = []
    /// What the next prints become; `failed` carries `reason`.
    public var answer: PrintOutcome.State
    public var reason: String?
    private let limits: PrintLimits
    private var jobs: [String: Int] = [:]
    private var slips: [BookingCode: Int] = [:]
    private var answered: [String: (target: String, outcome: PrintOutcome?)] = [:]

    public init(answer: PrintOutcome.State = .printed, reason: String? = nil, limits: PrintLimits = PrintLimits()) {
        self.answer = answer
        self.reason = reason
        self.limits = limits
    }

    public func set(answer: PrintOutcome.State, reason: String? = nil) {
        self.answer = answer
        self.reason = reason
    }

    public func printFilingReceipt(_ filing: Filing) async -> PrintOutcome {
        var outcome = send(.filingReceipt(reference: filing.reference))
        outcome.papers = ["filing-receipt"]
        return outcome
    }

    public func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome {
        send(.materialsNotice(formID: formID))
    }

    public func printPolicySheets(_ policies: [Policy], on day: String) async -> PrintOutcome {
        var outcome = send(.policySheets(policyIDs: policies.map(\.id)))
        outcome.papers = policies.map { _ in "policy-sheet" }
        return outcome
    }

    public func printBookingSlip(_ slip: BookingSlip, requestKey: String) async throws(PrintRefused) -> PrintOutcome {
        try once(requestKey, target: "slip:\(slip.code)") { () throws(PrintRefused) -> PrintOutcome? in
            guard slips[slip.code, default: 0] < limits.slipsPerBooking else { throw PrintRefused(.slipLimitReached) }
            slips[slip.code, default: 0] += 1
            return send(.bookingSlip(code: slip.code))
        } ?? .noPrinter
    }

    public func reprint(jobID: String, requestKey: String) async throws(PrintRefused) -> PrintOutcome? {
        try once(requestKey, target: "reprint:\(jobID)") { () throws(PrintRefused) -> PrintOutcome? in
            guard let attempts = jobs[jobID] else { return nil }
            guard attempts - 1 < limits.reprintsPerJob else { throw PrintRefused(.reprintLimitReached) }
            jobs[jobID] = attempts + 1
            printed.append(.reprint(jobID: jobID))
            return PrintOutcome(jobId: jobID, state: answer, reason: answer == .failed ? reason : nil)
        }
    }

    private func send(_ paper: Paper) -> PrintOutcome {
        guard answer != .noPrinter else { return .noPrinter }
        let id = UUID().uuidString
        jobs[id] = 1
        printed.append(paper)
        return PrintOutcome(jobId: id, state: answer, reason: answer == .failed ? reason : nil)
    }

    private func once(_ key: String, target: String,
                      _ print: () throws(PrintRefused) -> PrintOutcome?) throws(PrintRefused) -> PrintOutcome? {
        if let earlier = answered[key] {
            guard earlier.target == target else { throw PrintRefused(.idempotencyKeyReused) }
            return earlier.outcome
        }
        let outcome = try print()
        if outcome != nil { answered[key] = (target, outcome) }
        return outcome
    }
}
