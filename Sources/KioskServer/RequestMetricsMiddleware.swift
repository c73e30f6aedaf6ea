import Hummingbird
import Metrics

/// Counts requests and their durations per route template and status.
///
/// The route is the template (`/v1/bookings/{code}`), never the requested path, so a booking code
/// or an ID number typed into a URL can never become a metric label.
public struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) { self.factory = factory }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let route = context.endpointPath ?? "NotFound"
            let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
            Counter(label: "kiosk_http_requests_total", dimensions: dimensions, factory: factory).increment()
            let elapsed = ContinuousClock.now - start
            Metrics.Timer(label: "kiosk_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
                .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
