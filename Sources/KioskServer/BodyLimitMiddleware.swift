import Access
import Hummingbird

/// A request context that knows how much body its handlers may read.
public struct KioskRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set per request by `BodyLimitMiddleware`; Hummingbird's body decoders honour it.
    public var maxUploadSize: Int
    /// The signed-in member of staff, set by `AccessMiddleware`; nil for the citizen at the screen.
    public var staff: AccessToken?
    /// The department system calling with its API key (role `department`), set by `AccessMiddleware`.
    public var department: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        maxUploadSize = 1_048_576
    }
}

/// Refuses a body larger than the configured limit: at once when `Content-Length` says so, and
/// while reading otherwise (the decoders stop at `maxUploadSize`).
public struct BodyLimitMiddleware: RouterMiddleware {
    public typealias Context = KioskRequestContext
    let maxBytes: Int

    public init(maxBytes: Int) { self.maxBytes = maxBytes }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw HTTPError(.contentTooLarge)
        }
        var context = context
        context.maxUploadSize = maxBytes
        return try await next(request, context)
    }
}
