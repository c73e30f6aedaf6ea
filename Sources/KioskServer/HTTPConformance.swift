import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import KioskCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// A known path asked with a method it does not have is 405 with `Allow`, not 404: the client
/// learns what it may do there (RFC 9110 §15.5.6). HEAD is allowed wherever GET is (the router
/// generates it).
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = KioskRequestContext
    let policy: EndpointPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let allowed = Self.methods(for: request.uri.path, in: policy.endpoints)
            guard !allowed.isEmpty else { throw error }
            var response = ProblemMiddleware<BasicRequestContext>.response(for: ProblemMiddleware<BasicRequestContext>.problem(for: .methodNotAllowed))
            response.headers[.allow] = allowed.joined(separator: ", ")
            return response
        }
    }

    /// The methods of the declared endpoints whose template matches `path`, HEAD with GET.
    static func methods(for path: String, in endpoints: [Endpoint]) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods = Set<String>()
        for endpoint in endpoints where matches(segments, endpoint.path) {
            methods.insert(endpoint.method)
            if endpoint.method == "GET" { methods.insert("HEAD") }
        }
        return methods.sorted()
    }

    /// `{}` (a parameter) matches any one segment; `{name}.ics` any segment with that suffix.
    static func matches(_ segments: [Substring], _ template: String) -> Bool {
        let parts = template.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == segments.count else { return false }
        return zip(parts, segments).allSatisfy { part, segment in
            if part == "{}" { return true }
            if part.hasPrefix("{"), let close = part.firstIndex(of: "}") {
                let suffix = part[part.index(after: close)...]
                return segment.count > suffix.count && segment.hasSuffix(suffix)
            }
            return part == segment
        }
    }
}

/// Answers what the HTTP parser refuses with a problem document instead of an empty 400:
/// 431 `headersTooLarge` for a header block over the limit, 400 `badRequest` otherwise; then
/// the connection closes (the request cannot be read past the fault).
final class ProtocolErrorHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var responding = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !responding else {
            context.close(promise: nil)
            return
        }
        let problem = parserError == .headerOverflow
            ? Problem(status: .init(code: 431, reasonPhrase: "Request Header Fields Too Large"), code: "headersTooLarge",
                      messages: .init(zh: "请求头过大", en: "The request's header fields are too large"))
            : ProblemMiddleware<BasicRequestContext>.problem(for: .badRequest)
        Self.answer(problem, context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responding = true
        case .end: responding = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    /// Writes `problem` as the whole answer, then closes the connection.
    static func answer(_ problem: Problem, context: ChannelHandlerContext) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)) ?? Data()
        let head = HTTPResponse(status: .init(code: problem.status), headerFields: [
            .contentType: Problem.contentType, .contentLength: String(body.count), .connection: "close",
        ])
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}

/// Cuts clients that send slowly: a request's head and body must arrive within `timeout` of
/// the connection opening (or of the previous answer, on a kept-alive connection), else the
/// connection closes — with 408 `requestTimeout` when a request had begun (its head read), and
/// silently when none had (an idle or a half-sent head). A trickle of bytes does not keep it
/// open, unlike an idle timeout that each byte resets.
final class RequestReadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    private var deadline: Scheduled<Void>?
    private var responding = false
    private var requestBegun = false

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestBegun = true
        case .end:
            // The whole request is in: the handler's time to answer is not the client's to spend.
            requestBegun = false
            deadline?.cancel()
            deadline = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            responding = true
        case .end:
            responding = false
            // The next request on this connection has its own time from now.
            arm(context)
        case .body:
            break
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.deadline = nil
            guard !handler.responding else { return }
            guard handler.requestBegun else {
                context.close(promise: nil)
                return
            }
            ProtocolErrorHandler.answer(Problem(status: .requestTimeout, code: "requestTimeout", messages: .init(
                zh: "请求发送超时", en: "The request was not received in time")), context: context)
        }
    }
}

extension KioskRoutes {
    /// HTTP/1.1 as the terminal serves it: problem documents for what the parser refuses, and
    /// a read deadline per request (`http.read_timeout_seconds`).
    public static func http1(readTimeout: Duration) -> HTTPServerBuilder {
        let nanoseconds = readTimeout.components.seconds * 1_000_000_000 + readTimeout.components.attoseconds / 1_000_000_000
        return .http1(configuration: .init(
            additionalChannelHandlers: [ProtocolErrorHandler(), RequestReadDeadline(timeout: .nanoseconds(nanoseconds))]))
    }
}
