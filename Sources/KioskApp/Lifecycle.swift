import District
import Booking
import Filings
import FormEngine
import Foundation
import DepartmentSystems
import Hosting
import KioskConfig
import KioskCore
import KioskServer
import Logging
import Peripherals
import Secrets
import ServiceLifecycle
import Storage
import StoragePostgres

/// The filing after the terminal (issue 16): where its lifecycle is kept, how the receipt's QR
/// code is keyed, and the round that announces warnings and forgets answers past retention.
extension KioskApplication {
    /// The lifecycle's rules from `[filings]`, on the official calendar of the hall's zone.
    static func filingLifecycle(_ configuration: Configuration, calendar: OfficialCalendar) -> FilingLifecycle {
        let settings = configuration.filings
        return FilingLifecycle(
            calendar: calendar,
            rules: LifecycleRules(warningPercent: settings.warningPercent, reminderWorkingDays: settings.reminderWorkingDays,
                                  followUpWorkingDays: settings.followUpWorkingDays, badRatingThreshold: settings.badRatingThreshold,
                                  badRatingWindowDays: settings.badRatingWindowDays),
            timeZone: configuration.timeZone)
    }

    /// The terminal's SQLite file on its own; in district mode the district's PostgreSQL, which
    /// matches applicants with the district's ID key like the booking store.
    static func filingLedger(_ configuration: Configuration, store: SQLiteStore, district: PostgresStore?,
                             lifecycle: FilingLifecycle) -> any FilingLedger {
        guard let district else { return SQLiteFilingLedger(store: store, lifecycle: lifecycle) }
        let keys = store.keys
        return PostgresFilingLedger(store: district, lifecycle: lifecycle) {
            HMACIDHasher(key: try await TerminalSecrets.districtKey(keys, store: district, configuration: configuration))
        }
    }

    /// The monthly report as `kiosk report monthly` makes it: the same store and the same core
    /// (`FilingLedger.monthlyReport`) as `GET /v1/reports/monthly`, so the figures are the same.
    public static func monthlyReport(_ configuration: Configuration, month: ReportMonth, filter: DeskFilter, now: Date,
                                     logger: Logger) async throws -> MonthlyReport {
        let store = try openStore(configuration)
        try store.migrate()
        let lifecycle = filingLifecycle(configuration, calendar: try CalendarFiles(configuration).load())
        guard let district = try DistrictTerminal.openStore(configuration, logger: logger) else {
            return try await filingLedger(configuration, store: store, district: nil, lifecycle: lifecycle)
                .monthlyReport(month, filter: filter, today: lifecycle.day(now), generatedAt: now)
        }
        return try await district.withRunning {
            try await filingLedger(configuration, store: store, district: district, lifecycle: lifecycle)
                .monthlyReport(month, filter: filter, today: lifecycle.day(now), generatedAt: now)
        }
    }

    /// The code of a receipt's QR: the reference and a token keyed with the district's ID key
    /// (any hall of the district checks it) or, on a terminal of its own, the terminal's.
    static func progressCodes(_ key: SecretKey) -> @Sendable (String) -> ProgressCode {
        { reference in
            let code = key.authenticationCode(for: Data(("kiosk.progress-code:" + reference).utf8))
            return ProgressCode(reference: reference, token: base32(code.prefix(7)))
        }
    }

    /// RFC 4648 base 32, lower case, without padding: 7 bytes make 12 characters (56 bits).
    static func base32(_ bytes: some Collection<UInt8>) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var text = ""
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[(buffer >> bits) & 31])
            }
        }
        if bits > 0 { text.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return text
    }

    var lifecycleServices: LifecycleServices {
        var services = LifecycleServices(ledger: filingLedger, progressCode: progressCode, notices: receipts,
                                         audit: { [access] entry, now in _ = try await access.appendAudit(entry, now: now) },
                                         events: devices.events)
        services.deadLetters = { [departmentRegistry] in try await departmentRegistry.deadLetters(limit: 100) }
        return services
    }

    /// Every second: each department's new changes to its webhook URL (`kiosk departments add --webhook-url`).
    public var webhookPusher: WebhookPusher {
        WebhookPusher(departments: departmentRegistry, ledger: filingLedger, logger: logger)
    }

    /// Every `filings.sweep_seconds`: warnings, missed 容缺 due dates and overdue follow-ups
    /// (audited, announced on `/v1/events`), then the answers past retention.
    public var lifecycleWatch: LifecycleWatch {
        LifecycleWatch(services: lifecycleServices, store: store, districtMode: district != nil,
                       grace: TimeInterval(configuration.filings.retentionGraceDays) * 86_400,
                       interval: .seconds(configuration.filings.sweepSeconds), logger: logger)
    }
}

/// Filings on a terminal of its own: the filing and its lifecycle recorded in one transaction of
/// the terminal's SQLite file.
struct StandaloneFilingArchive: FilingArchive {
    let store: SQLiteStore
    let lifecycle: FilingLifecycle
    let terminalID: String
    let now: @Sendable () -> Date

    func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing {
        let store = store, lifecycle = lifecycle, terminalID = terminalID
        return try await store.recordFiling(site: site, day: day, build: build, open: { filing in
            let applicant = filing.applicantIDNumber
            return lifecycle.open(filing, hall: site, terminal: terminalID, idHash: applicant.map { store.idHasher().hash($0) },
                                  idMasked: applicant?.masked)
        }, calendar: lifecycle.calendar)
    }

    func resubmitFiling(reference: String, version: Int, build: @escaping @Sendable (Int) throws -> Filing) async throws -> Filing {
        try await store.resubmitFiling(reference: reference, build: { stored in
            guard stored == version else { throw LifecycleRefusal(.versionMismatch, String(version)) }
            return try build(stored)
        }, lifecycle: lifecycle, now: now())
    }

    func saveDraft(_ draft: FormDraft, idNumber: ResidentIDNumber, now: Date, days: Int) async throws -> String {
        try await store.saveDraft(draft, idNumber: idNumber, now: now, days: days)
    }

    func takeDraft(code: String, idNumber: ResidentIDNumber, now: Date) async throws -> FormDraft? {
        try await store.takeDraft(code: code, idNumber: idNumber, now: now)
    }
}
