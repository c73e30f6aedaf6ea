import AsyncHTTPClient
import Crypto
import Filings
import Foundation
import Hosting
import KioskServer
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Storage

/// Standard Webhooks 1.0 signatures: `v1,` and the base64 HMAC-SHA256 of
/// `<webhook-id>.<webhook-timestamp>.<body>` under the secret's bytes (`whsec_<base64>`).
public struct WebhookSigner: Sendable {
    let secret: Data

    public init(secret: Data) { self.secret = secret }

    public func signature(id: String, timestamp: Int, body: some DataProtocol) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }
}

/// The body of a webhook, as Standard Webhooks lays it out: what happened, when, and the data:
/// the same filing view the pull returns.
struct WebhookPayload: Encodable {
    let type = "filing.changed"
    let timestamp: Date
    let data: DepartmentFilingView
}

/// Pushes each department's change feed to its webhook URL, oldest change first.
///
/// The feed is the lifecycle's change sequence, the same the pull pages through, and the
/// department's row remembers how far deliveries have come: nothing is queued twice and nothing
/// is lost when the receiver is down. A failed delivery is retried with the same `webhook-id`
/// after an exponentially growing wait (`firstRetry` doubling, at most `longestWait`); after
/// `retryWindow` (24 h) it goes to the dead-letter list (the supervision desk shows it) and the
/// feed moves on. A department's deliveries stay in order: nothing after a failing one is sent.
/// The cursor is saved after each batch and at least every `saveEvery` within one, so a crash may
/// send part of a batch again with the same ids (receivers deduplicate on `webhook-id`, as the
/// specification asks). In district mode the departments live in the district store, and each
/// is pushed by the one terminal holding its lease (`PostgresDepartments`): a save that finds
/// the lease gone stops this terminal's pushes of that department.
public struct WebhookPusher: ServiceLifecycle.Service {
    let departments: any WebhookTargetStore
    let ledger: any FilingLedger
    let client: HTTPClient
    let interval: Duration
    let timeout: TimeAmount
    let firstRetry: TimeInterval
    let longestWait: TimeInterval
    let retryWindow: TimeInterval
    let batch: Int
    let now: @Sendable () -> Date
    let logger: Logger

    public init(departments: any WebhookTargetStore, ledger: any FilingLedger, client: HTTPClient = .shared, interval: Duration = .seconds(1),
                timeout: TimeAmount = .seconds(10), firstRetry: TimeInterval = 5, longestWait: TimeInterval = 3600,
                retryWindow: TimeInterval = 24 * 3600, batch: Int = 200, now: @escaping @Sendable () -> Date = Date.init,
                logger: Logger) {
        self.departments = departments
        self.ledger = ledger
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.firstRetry = firstRetry
        self.longestWait = longestWait
        self.retryWindow = retryWindow
        self.batch = batch
        self.now = now
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await round() }
    }

    /// The wait before attempt `attempts + 1`: `firstRetry`·2^(attempts−1), at most `longestWait`.
    func wait(afterAttempts attempts: Int) -> TimeInterval {
        min(longestWait, firstRetry * pow(2, Double(max(0, min(attempts - 1, 30)))))
    }

    /// One round over every department with a webhook, the departments side by side (each
    /// one's deliveries in order); the deliveries that arrived.
    @discardableResult
    public func round() async -> Int {
        let targets: [WebhookTarget]
        do {
            targets = try await departments.webhookTargets()
        } catch {
            logger.error("webhook targets unreadable", metadata: ["error.type": "\(type(of: error))"])
            return 0
        }
        let due = targets.filter { ($0.nextAttemptAt ?? .distantPast) <= now() }
        return await withTaskGroup(of: Int.self) { group in
            for target in due { group.addTask { await push(target) } }
            return await group.reduce(0, +)
        }
    }

    /// Sends the department's changes after its cursor until the feed is empty or one fails;
    /// the cursor is saved when it returns.
    func push(_ target: WebhookTarget) async -> Int {
        let signer = WebhookSigner(secret: target.secret)
        var cursor = target.pushedThrough
        var sent = 0
        while true {
            let changes: [DepartmentChange]
            do {
                changes = try await ledger.departmentChanges(target.departmentID, after: cursor, limit: batch)
            } catch {
                logger.warning("department feed unreadable", metadata: ["department.id": "\(target.departmentID)"])
                await save(cursor, of: target)
                return sent
            }
            if changes.isEmpty {
                await save(cursor, of: target)
                return sent
            }
            var saved = ContinuousClock.now
            for change in changes {
                // A long batch renews the district lease before it can lapse (see `saveEvery`).
                if ContinuousClock.now - saved > Self.saveEvery {
                    guard await save(cursor, of: target) else { return sent }
                    saved = ContinuousClock.now
                }
                let webhookID = "kiosk_\(target.departmentID)_\(change.change)"
                do {
                    guard let view = try await DepartmentFilingView.load(change, ledger: ledger, department: target.departmentID) else {
                        cursor = change.change
                        continue
                    }
                    try await deliver(view, id: webhookID, to: target.url, signer: signer)
                    cursor = change.change
                    sent += 1
                } catch {
                    await failed(target, change: change, webhookID: webhookID, cursor: cursor, error: error)
                    return sent
                }
            }
            guard await save(cursor, of: target) else { return sent }
        }
    }

    /// How often a long batch saves its cursor: well inside the district lease (60 s), with a
    /// delivery's own timeout (10 s) on top.
    static let saveEvery: Duration = .seconds(15)

    /// Saves the department's cursor if it moved; false when the pushes must stop (this terminal
    /// lost the department to another, or the cursor could not be saved).
    @discardableResult
    func save(_ cursor: Int64, of target: WebhookTarget) async -> Bool {
        guard cursor > target.pushedThrough else { return true }
        do {
            guard try await departments.delivered(target.departmentID, through: cursor) else {
                logger.warning("webhook pushes of this department stopped here: another terminal took it over, or it was revoked",
                               metadata: ["department.id": "\(target.departmentID)"])
                return false
            }
            return true
        } catch {
            logger.error("webhook cursor not saved", metadata: ["department.id": "\(target.departmentID)"])
            return false
        }
    }

    /// A delivery failed after `cursor`: retried later, or given up (dead letter) once the
    /// department has been failing for the retry window. The cursor is saved either way (after
    /// the failure: deliveries that arrived this round clear it, as before).
    func failed(_ target: WebhookTarget, change: DepartmentChange, webhookID: String, cursor: Int64, error: any Error) async {
        let reason = Self.describe(error)
        let now = now()
        if let since = target.failingSince, now.timeIntervalSince(since) >= retryWindow {
            await save(cursor, of: target)
            do {
                try await departments.deadLetter(target.departmentID, webhookID: webhookID, reference: change.reference,
                                                 change: change.change, now: now)
                logger.error("webhook given up after the retry window",
                             metadata: ["department.id": "\(target.departmentID)", "webhook.id": "\(webhookID)"])
            } catch {
                logger.error("dead letter not saved", metadata: ["department.id": "\(target.departmentID)"])
            }
            return
        }
        do {
            try await departments.failed(target.departmentID, at: now,
                                         retryAt: now.addingTimeInterval(wait(afterAttempts: target.attempts + 1)), error: reason)
        } catch {
            logger.error("webhook failure not saved", metadata: ["department.id": "\(target.departmentID)"])
        }
        await save(cursor, of: target)
        logger.warning("webhook failed; retried later",
                       metadata: ["department.id": "\(target.departmentID)", "webhook.id": "\(webhookID)", "error": "\(reason)"])
    }

    /// One POST, signed; any status but 2xx is a failure.
    func deliver(_ view: DepartmentFilingView, id: String, to url: String, signer: WebhookSigner) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let body = try encoder.encode(WebhookPayload(timestamp: Date(), data: view))
        // The timestamp is the wall clock's: receivers refuse one far from their own.
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.headers.add(name: "webhook-id", value: id)
        request.headers.add(name: "webhook-timestamp", value: String(timestamp))
        request.headers.add(name: "webhook-signature", value: signer.signature(id: id, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: timeout)
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else { throw WebhookRefused(status: Int(response.status.code)) }
    }

    /// What went wrong, without the URL or the body.
    static func describe(_ error: any Error) -> String {
        if let refused = error as? WebhookRefused { return "HTTP \(refused.status)" }
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: type(of: error))
    }
}

struct WebhookRefused: Error {
    let status: Int
}
