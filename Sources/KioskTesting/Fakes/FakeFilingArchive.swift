import Booking
import FormEngine
import Foundation
import KioskCore
import KioskServer

/// The filing archive in memory, numbering references as the terminal's database does
/// (`SITE-YYYYMMDD-0001`, per site and day) and keeping drafts under short codes with the ID
/// number they were saved with. A test can hold the next recordings (`holdRecordings()`) to see
/// what the terminal does while a filing is being stored.
public actor FakeFilingArchive: FilingArchive {
    public private(set) var filings: [Filing] = []
    private var sequences: [String: Int] = [:]
    private var drafts: [String: (idNumber: ResidentIDNumber, draft: FormDraft, expiresAt: Date)] = [:]
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []
    private var recordingStarted: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing {
        for waiting in recordingStarted { waiting.resume() }
        recordingStarted = []
        if holding { await withCheckedContinuation { held.append($0) } }
        let key = site + "|" + day
        let next = (sequences[key] ?? 0) + 1
        // Built before the number is taken, so a refused filing leaves no gap, as in the database.
        let filing = try build("\(site)-\(day)-\(String(format: "%04d", next))")
        sequences[key] = next
        filings.append(filing)
        return filing
    }

    /// Replaces the stored filing with its correction, when `version` is the stored one's next.
    public func resubmitFiling(reference: String, version: Int, build: @escaping @Sendable (Int) throws -> Filing) async throws -> Filing {
        guard let index = filings.firstIndex(where: { $0.reference == reference }), filings[index].filingVersion + 1 == version
        else { throw FakeArchiveRefusal(reference: reference, version: version) }
        let filing = try build(version)
        filings[index] = filing
        return filing
    }

    public func saveDraft(_ draft: FormDraft, idNumber: ResidentIDNumber, now: Date, days: Int) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        var code: String
        repeat { code = BookingCode.random(using: &generator).description } while drafts[code] != nil
        drafts[code] = (idNumber, draft, now.addingTimeInterval(Double(days) * 86_400))
        return code
    }

    public func takeDraft(code: String, idNumber: ResidentIDNumber, now: Date) async throws -> FormDraft? {
        guard let saved = drafts[code], saved.idNumber == idNumber, saved.expiresAt >= now else { return nil }
        drafts[code] = nil
        return saved.draft
    }

    /// The drafts kept, by code.
    public var draftCodes: [String] { drafts.keys.sorted() }

    /// Recordings from now on wait in `recordFiling` until `releaseRecordings()`.
    public func holdRecordings() { holding = true }

    public func releaseRecordings() {
        holding = false
        for waiting in held { waiting.resume() }
        held = []
    }

    /// Returns when the next recording has begun (a filing is being stored).
    public func recordingBegins() async {
        await withCheckedContinuation { recordingStarted.append($0) }
    }
}

/// A correction the fake archive refuses: no such filing, or not its next version.
public struct FakeArchiveRefusal: Error {
    public let reference: String
    public let version: Int
}
