import FormEngine
import Foundation
import KioskCore

/// What became of a receipt: printed, or failed and kept for a reprint. The filing itself is
/// stored before printing starts, so a failed print never loses it.
public struct PrintOutcome: Codable, Sendable, Equatable {
    public var jobId: String?
    /// `printed`, `failed` or `noPrinter`.
    public var state: String
    /// The fault's code when it failed (`paperOut`, `coverOpen`, `deviceOffline`, ...).
    public var reason: String?

    public init(jobId: String?, state: String, reason: String?) {
        self.jobId = jobId
        self.state = state
        self.reason = reason
    }
}

/// Prints receipts on the terminal's receipt printer.
public protocol ReceiptDesk: Sendable {
    func printFilingReceipt(_ filing: Filing) async -> PrintOutcome
    /// Prints the 一次性告知书: every material still missing for `matter`, with where to get it.
    func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome
    /// Prints a kept job again; nil when there is no such job.
    func reprint(jobID: String) async -> PrintOutcome?
}
