import Booking
import Filings
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import DepartmentSystems
import KioskApp
import KioskTesting
import Logging
import Secrets
import Storage
import Synchronization

/// Issue 16: webhook deliveries to a department's system on loopback (an in-process
/// Hummingbird receiver that checks every signature), ≥ 1,000 deliveries/s, and none lost
/// across an outage of the receiver.
enum WebhookBenchmarks {
    static let filings = 3000
    static let duringOutage = 1000

    static func run() -> [Figure] {
        measuredFigures("webhooks") { try await measure() }
    }

    /// What the receiver saw: verified ids (in order) and refusals.
    final class Receiver: Sendable {
        let verified = Mutex<[String]>([])
        let badSignatures = Mutex(0)
        let failing = Mutex(false)
        let refusedWhileDown = Mutex(0)
    }

    static func measure() async throws -> [Figure] {
        let scratch = try ScratchDirectory(prefix: "kiosk-bench-webhooks")
        let store = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: .random())
        try store.migrate()
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let lifecycle = FilingLifecycle(calendar: try OfficialCalendar(years: []), timeZone: zone)
        let ledger = SQLiteFilingLedger(store: store, lifecycle: lifecycle)
        let departments = DepartmentStore(store: store)

        let receiver = Receiver()
        let port = Mutex(0)
        let issued = Mutex<IssuedDepartment?>(nil)
        let router = Router()
        router.post("/hooks") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            guard let id = request.headers[HTTPField.Name("webhook-id")!],
                  let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!].flatMap(Int.init),
                  let signature = request.headers[HTTPField.Name("webhook-signature")!],
                  let secret = issued.withLock({ $0?.webhookSecret }),
                  let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))),
                  WebhookSigner(secret: key).signature(id: id, timestamp: timestamp, body: Data(body.readableBytesView)) == signature else {
                receiver.badSignatures.withLock { $0 += 1 }
                return Response(status: .badRequest)
            }
            if receiver.failing.withLock({ $0 }) {
                receiver.refusedWhileDown.withLock { $0 += 1 }
                return Response(status: .serviceUnavailable)
            }
            receiver.verified.withLock { $0.append(id) }
            return Response(status: .noContent)
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                      onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } })
        let server = Task { try await application.runService() }
        defer { server.cancel() }
        while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(10)) }

        issued.withLock { $0 = nil }
        let department = try departments.add(id: "amr", name: "amr", webhookURL: "http://127.0.0.1:\(port.withLock { $0 })/hooks",
                                             now: Date())
        issued.withLock { $0 = department }
        try await file(filings, store: store, lifecycle: lifecycle, from: 0)

        let clock = Mutex(Date())
        let pusher = WebhookPusher(departments: departments, ledger: ledger, firstRetry: 1, longestWait: 1,
                                   now: { clock.withLock { $0 } }, logger: Logger(label: "bench"))
        let started = ContinuousClock.now
        var delivered = 0
        while delivered < filings {
            let round = await pusher.round()
            if round == 0 { break }
            delivered += round
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

        // The outage: new filings while the receiver answers 503 for a few rounds, then recovers.
        receiver.failing.withLock { $0 = true }
        try await file(duringOutage, store: store, lifecycle: lifecycle, from: filings)
        for _ in 0..<5 {
            _ = await pusher.round()
            clock.withLock { $0 = $0.addingTimeInterval(2) }
        }
        receiver.failing.withLock { $0 = false }
        for _ in 0..<50 {
            clock.withLock { $0 = $0.addingTimeInterval(2) }
            if await pusher.round() == 0, receiver.verified.withLock({ $0.count }) >= filings + duringOutage { break }
        }
        let verified = receiver.verified.withLock { $0 }
        let lost = filings + duringOutage - Set(verified).count
        return [
            Figure(name: "webhooks: signed deliveries to a loopback receiver, one department (\(filings) filings)",
                   value: Double(delivered) / seconds, unit: "/s", target: "≥ 1000/s"),
            Figure(name: "webhooks: filings lost across a receiver outage (\(duringOutage) filed while it answered 503 \(receiver.refusedWhileDown.withLock { $0 }) times)",
                   value: Double(lost), unit: "", target: "0"),
            Figure(name: "webhooks: deliveries verified twice (same webhook-id)", value: Double(verified.count - Set(verified).count), unit: ""),
            Figure(name: "webhooks: deliveries whose signature did not verify", value: Double(receiver.badSignatures.withLock { $0 }), unit: "",
                   target: "0"),
        ]
    }

    /// `count` filings of the department, recorded as the terminal records them.
    static func file(_ count: Int, store: SQLiteStore, lifecycle: FilingLifecycle, from first: Int) async throws {
        let submitted = Date().formatted(.iso8601)
        for index in first..<(first + count) {
            _ = try await store.recordFiling(site: "S01", day: "20261205", build: { reference in
                let json = """
                    {"formID":"permit","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"许可","en":"Permit"},
                     "department":{"zh-CN":"局","en":"Bureau"},"departmentID":"amr","timeLimitDays":5,"version":1,
                     "submittedAt":"\(submitted)","answers":{"name":"张\(index)","mobile":"13812345678"},
                     "materials":[{"materialID":"proof","name":{"zh-CN":"证明","en":"Proof"},"status":"provided"}],
                     "deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
                    """
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                return try decoder.decode(Filing.self, from: Data(json.utf8))
            }, open: { filing in
                lifecycle.open(filing, hall: "S01", terminal: "T01", idHash: nil, idMasked: nil)
            }, calendar: lifecycle.calendar)
        }
    }
}
