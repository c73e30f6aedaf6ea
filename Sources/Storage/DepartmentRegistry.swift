import Access
import Filings
import Foundation

/// Where department systems' API keys and webhooks are kept, chosen once by the composition
/// root: the terminal's SQLite file (`DepartmentStore`), or in district mode the district's
/// PostgreSQL (`PostgresDepartments`), where one key serves every terminal of the district.
public protocol DepartmentRegistry: WebhookTargetStore {
    /// Which store this is, for `kiosk departments` to say what it changed (no password).
    var storeName: String { get }
    func add(id: String, name: String, webhookURL: String?, now: Date) async throws -> IssuedDepartment
    /// Throws `DepartmentError(.departmentNotFound)` for an unknown or already revoked department.
    func revoke(id: String, now: Date) async throws
    func list() async throws -> [DepartmentListing]
    /// The department a presented API key belongs to; nil for anything else (malformed, made
    /// up, revoked), all alike. Throws when the store cannot answer: never a guess.
    func authenticate(_ apiKey: String) async throws -> String?
    /// The webhook dead letters, newest first, for the supervision desk.
    func deadLetters(limit: Int) async throws -> [DeadLetter]
}

/// What the webhook pusher needs of where departments are kept: the targets it may push now
/// and where each one's deliveries stand.
public protocol WebhookTargetStore: Sendable {
    /// The departments with a webhook URL and a live key that this terminal pushes now.
    func webhookTargets() async throws -> [WebhookTarget]
    /// Deliveries arrived through `change`: the cursor moves past it and the failure count is
    /// cleared. False when this terminal no longer pushes the department (another took it over):
    /// the pusher then stops sending its changes.
    @discardableResult
    func delivered(_ departmentID: String, through change: Int64) async throws -> Bool
    /// A delivery failed: the next attempt waits `retryAt`.
    func failed(_ departmentID: String, at now: Date, retryAt: Date, error: String) async throws
    /// A delivery given up (its last try counted): on the dead-letter list, and passed over.
    func deadLetter(_ departmentID: String, webhookID: String, reference: String, change: Int64, now: Date) async throws
}

/// The text of a department's API key, `kdk1.<department>.<secret>`, alike in both stores.
public enum DepartmentKeyText {
    public static let prefix = "kdk1."

    /// 1–32 letters, digits, `-` or `_`.
    public static func validID(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count) && id.utf8.allSatisfy {
            (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D || $0 == 0x5F
        }
    }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A new key for `id` (256 random bits).
    public static func issue(_ id: String) -> String { prefix + id + "." + Base64URL.encode(randomBytes(32)) }

    /// The department a well-formed key names; nil for anything malformed.
    public static func departmentID(of apiKey: String) -> String? {
        guard apiKey.utf8.count <= 128, apiKey.hasPrefix(prefix) else { return nil }
        let parts = apiKey.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, validID(String(parts[0])) else { return nil }
        return String(parts[0])
    }

    /// Refuses a bad id or a webhook URL that is not http(s).
    public static func check(id: String, webhookURL: String?) throws(DepartmentError) {
        guard validID(id) else { throw DepartmentError(.invalidDepartmentID) }
        if let webhookURL {
            guard let url = URL(string: webhookURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw DepartmentError(.invalidWebhookURL)
            }
        }
    }

    /// The `whsec_` text of a webhook secret's bytes.
    public static func webhookSecret(_ bytes: Data) -> String { "whsec_" + bytes.base64EncodedString() }
}
