import Access
import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

/// Refuses requests beyond a terminal's rate on the endpoints that can be abused from the
/// screen: booking (holding every slot of a day). A refusal is 429 with `Retry-After`; nothing
/// is done. (Sign-in is budgeted by the access store, which knows whose failures they are.)
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = KioskRequestContext
    /// Which bucket each endpoint draws from.
    static let buckets: [Endpoint: String] = [
        Endpoint("POST", "/v1/holds"): "booking", Endpoint("POST", "/v1/bookings"): "booking",
        Endpoint("POST", "/v1/bookings/{code}/cancel"): "booking", Endpoint("POST", "/v1/bookings/{code}/reschedule"): "booking",
        Endpoint("POST", "/v1/tickets"): "booking",
    ]

    let limiter: RateLimiter
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let path = context.endpointPath, let bucket = Self.buckets[Endpoint(request.method.rawValue, path)],
              let wait = await limiter.take(bucket, at: now()) else {
            return try await next(request, context)
        }
        var response = ProblemMiddleware<BasicRequestContext>.response(for: Problem(
            status: .tooManyRequests, code: "rateLimited",
            messages: .init(zh: "操作过于频繁，请稍后再试", en: "Too many requests from this terminal; try again shortly")))
        response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
        return response
    }
}
