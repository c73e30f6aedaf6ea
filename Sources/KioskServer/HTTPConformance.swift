import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Prometheus

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
/// the connection opening (or of the previous answer's sending, on a kept-alive connection), else the
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
            // The next request on this connection has its own time from when this answer has
            // gone out, not from when it was handed over: a client still taking a large answer
            // is the send deadline's (`ResponseSendDeadline`), and one that takes it is not cut.
            let sent = promise ?? context.eventLoop.makePromise()
            context.write(data, promise: sent)
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            sent.futureResult.assumeIsolated().whenSuccess {
                let (handler, context) = loopBound.value
                handler.arm(context)
            }
            return
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

/// Cuts clients that stop taking their answer. While the connection holds bytes it cannot pass
/// on (the channel is unwritable: the client's window and the socket buffers are full), the
/// client must take some within `timeout`, else the connection closes. Taking some starts a new
/// period, so a client that reads, however slowly, is not cut; one that stopped is, and the
/// close ends the write its handler task waits on (a streamed answer, such as an event stream,
/// would otherwise wait for it forever).
///
/// What the client takes is seen in the kernel: when the socket last sent new data (it sends
/// none into a closed window). NIO's own buffer alone would hide it while the kernel's, which
/// Linux grows to megabytes, drains; where the kernel does not tell, that buffer going down is
/// what counts.
final class ResponseSendDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    let logger: Logger
    let cuts: Prometheus.Counter
    private var deadline: Scheduled<Void>?
    /// The bytes NIO held when the period began.
    private var waiting = 0

    init(timeout: TimeAmount, logger: Logger, cuts: Prometheus.Counter) {
        self.timeout = timeout
        self.logger = logger
        self.cuts = cuts
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { stop() } else { start(context, for: timeout) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { stop() }

    private func stop() {
        deadline?.cancel()
        deadline = nil
    }

    private func start(_ context: ChannelHandlerContext, for period: TimeAmount) {
        deadline?.cancel()
        waiting = Self.waiting(context)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: period) {
            let (handler, context) = loopBound.value
            handler.deadline = nil
            if let idle = Self.sinceDataSent(context) {
                if idle < handler.timeout { return handler.start(context, for: handler.timeout - idle) }
            } else if Self.waiting(context) < handler.waiting {
                return handler.start(context, for: handler.timeout)
            }
            handler.cuts.increment()
            // Nothing of the request or the answer: a path's query or a body may be personal.
            handler.logger.notice("closed a connection whose client stopped reading its answer", metadata: [
                "http.write_timeout_seconds": "\(handler.timeout.nanoseconds / 1_000_000_000)",
                "http.bytes_waiting": "\(Self.waiting(context))",
            ])
            context.close(promise: nil)
        }
    }

    /// What NIO holds that the socket has not taken yet.
    static func waiting(_ context: ChannelHandlerContext) -> Int {
        (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    /// How long ago the socket last sent new data, from the kernel's `TCP_INFO` (asked on the
    /// channel's loop, it answers at once); nil where the channel cannot tell.
    static func sinceDataSent(_ context: ChannelHandlerContext) -> TimeAmount? {
        #if os(Linux)
        guard let socket = context.channel as? any SocketOptionProvider else { return nil }
        var since: TimeAmount?
        socket.getTCPInfo().assumeIsolated().whenSuccess { since = .milliseconds(Int64($0.tcpi_last_data_sent)) }
        return since
        #else
        return nil
        #endif
    }
}

extension KioskRoutes {
    /// HTTP/1.1 as the terminal serves it: problem documents for what the parser refuses, a
    /// read deadline per request (`http.read_timeout_seconds`) and a send deadline for answers
    /// (`http.write_timeout_seconds`), whose cuts are logged and counted in `metrics`
    /// (`kiosk_http_write_timeouts_total`).
    public static func http1(readTimeout: Duration, writeTimeout: Duration, logger: Logger,
                             metrics: PrometheusCollectorRegistry) -> HTTPServerBuilder {
        let cuts = metrics.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "kiosk", subsystem: "http", metricName: "write_timeouts", unitName: "total",
            helpText: "Connections closed because the client stopped reading its answer (http.write_timeout_seconds)"))
        return .http1(configuration: .init(additionalChannelHandlers: [
            ProtocolErrorHandler(), RequestReadDeadline(timeout: TimeAmount(readTimeout)),
            ResponseSendDeadline(timeout: TimeAmount(writeTimeout), logger: logger, cuts: cuts),
        ]))
    }
}
