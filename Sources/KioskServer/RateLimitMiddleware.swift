import Access
import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

/// Refuses requests beyond a terminal's rate on the endpoints that can be abused from the
/// screen: booking (holding every slot of a day), printing (emptying the paper roll), calling
/// staff and reading aloud. A
/// refusal is 429 with `Retry-After`; nothing is done. (Sign-in is budgeted by the access store,
/// which knows whose failures they are.)
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = KioskRequestContext
    /// Which bucket each endpoint draws from.
    static let buckets: [Endpoint: String] = [
        Endpoint("POST", "/v1/holds"): "booking", Endpoint("POST", "/v1/bookings"): "booking",
        Endpoint("POST", "/v1/bookings/{code}/cancel"): "booking", Endpoint("POST", "/v1/bookings/{code}/reschedule"): "booking",
        Endpoint("POST", "/v1/tickets"): "booking",
        Endpoint("POST", "/v1/bookings/{code}/slip"): "printing", Endpoint("POST", "/v1/print-jobs/{job}/reprint"): "printing",
        Endpoint("POST", "/v1/policies/print"): "printing",
        // The call-staff button (staff are not flooded: one call stays open per terminal) and
        // reading aloud (each screen read is synthesised: the CPU is the terminal's).
        Endpoint("POST", "/v1/help-requests"): "help", Endpoint("GET", "/v1/sessions/{id}/speech"): "speech",
        Endpoint("GET", "/v1/speech"): "speech",
    ]

    let limiter: RateLimiter
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HEAD is GET without the body: it is synthesised, counted and refused the same.
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let path = context.endpointPath, let bucket = Self.buckets[Endpoint(method, path)],
              let wait = await limiter.take(bucket, at: now()) else {
            return try await next(request, context)
        }
        return Self.tooManyRequests(wait: wait)
    }

    static func tooManyRequests(wait: TimeInterval, code: String = "rateLimited",
                                messages: LocalizedText = .init(zh: "操作过于频繁，请稍后再试",
                                                                en: "Too many requests from this terminal; try again shortly")) -> Response {
        var response = ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: .tooManyRequests, code: code, messages: messages))
        response.headers[.retryAfter] = String(max(Int(wait.rounded(.up)), 1))
        return response
    }
}

/// At most `limit` misses in any `period`: the times of the latest misses, oldest first. Pure;
/// the caller passes the time.
public struct MissWindow: Sendable, Hashable {
    public let limit: Int
    public let period: TimeInterval
    private var misses: [Date] = []

    public init(limit: Int, per period: TimeInterval = 60) {
        precondition(limit > 0 && period > 0, "a miss limit needs a positive limit and period")
        self.limit = limit
        self.period = period
    }

    /// Nil while fewer than `limit` misses fall within the last `period`; otherwise how long
    /// until the oldest of them leaves it.
    public mutating func wait(at now: Date) -> TimeInterval? {
        misses.removeAll { now.timeIntervalSince($0) >= period }
        guard misses.count >= limit, let oldest = misses.first else { return nil }
        return period - now.timeIntervalSince(oldest)
    }

    public mutating func recordMiss(at now: Date) {
        misses.append(now)
        if misses.count > limit { misses.removeFirst(misses.count - limit) }
    }
}

/// The terminal's misses on the endpoints that take a booking or draft code, or a rating token:
/// guessing them is how a stranger would find someone's booking.
public actor CodeGuessLimiter {
    private var window: MissWindow

    public init(missesPerMinute: Int) { window = MissWindow(limit: missesPerMinute) }

    public func wait(at now: Date) -> TimeInterval? { window.wait(at: now) }
    public func recordMiss(at now: Date) { window.recordMiss(at: now) }
}

/// Throttles guessing per terminal: after `limits.code_misses_per_minute` requests on a
/// code-bearing endpoint found nothing (404 `bookingNotFound`, `draftNotFound`, a malformed
/// code, a wrong rating proof), every code-bearing request is refused with 429
/// `tooManyMisses` and `Retry-After` until the oldest miss is a minute old. Hits are never
/// counted, so a citizen who types their code right is not slowed by anyone else's hits.
struct CodeGuessMiddleware: RouterMiddleware {
    typealias Context = KioskRequestContext
    static let endpoints: Set<Endpoint> = [
        Endpoint("POST", "/v1/bookings/lookup"), Endpoint("GET", "/v1/bookings/{code}.ics"),
        Endpoint("POST", "/v1/bookings/{code}/cancel"), Endpoint("POST", "/v1/bookings/{code}/reschedule"),
        Endpoint("POST", "/v1/bookings/{code}/slip"), Endpoint("POST", "/v1/check-ins"),
        Endpoint("POST", "/v1/drafts/resume"), Endpoint("POST", "/v1/tickets/{id}/rating"),
        // A filing's reference with an ID number, or a receipt's QR code.
        Endpoint("POST", "/v1/progress/lookup"), Endpoint("POST", "/v1/filings/{reference}/rating"),
        Endpoint("POST", "/v1/filings/{reference}/deferred/{material}/hand-in"), Endpoint("POST", "/v1/filings/{reference}/correction"),
    ]
    /// What a miss answers with: the thing was not found, the code was not a code, or the proof was wrong.
    static let missCodes: Set<String> = [
        "bookingNotFound", "draftNotFound", "invalidBookingCode", "ticketNotFound", "ratingNotAllowed", "filingNotFound",
    ]

    let limiter: CodeGuessLimiter
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HEAD is GET without the body: it counts, and is refused, the same.
        let method = request.method == .head ? "GET" : request.method.rawValue
        guard let path = context.endpointPath, Self.endpoints.contains(Endpoint(method, path)) else {
            return try await next(request, context)
        }
        if let wait = await limiter.wait(at: now()) {
            return RateLimitMiddleware.tooManyRequests(wait: wait, code: "tooManyMisses", messages: .init(
                zh: "本终端查询失败次数过多，请稍后再试或联系工作人员",
                en: "Too many codes not found at this terminal; try again shortly or ask a member of staff"))
        }
        do {
            return try await next(request, context)
        } catch let error as any KioskError where Self.missCodes.contains(error.code) {
            await limiter.recordMiss(at: now())
            throw error
        }
    }
}
