import FormEngine
import Foundation
import Hummingbird
import KioskCore
import Logging

/// An RFC 9457 problem document, the body of every error response.
///
/// `code` is the stable, machine-readable name a client matches on; `messages` carries the
/// human text in both languages, so the terminal's UI shows whichever the citizen chose.
public struct Problem: Codable, Sendable, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var code: String
    public var detail: String
    public var messages: LocalizedText
    /// Every field error of a step at once, for `validationFailed`.
    public var validation: ValidationReport?
    /// Every problem of the files a reload read, for `reloadRefused`.
    public var problems: [String]?

    public init(status: HTTPResponse.Status, code: String, messages: LocalizedText) {
        self.type = "https://kiosk.invalid/problems/\(code)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.code = code
        self.detail = messages.en
        self.messages = messages
    }

    public static let contentType = "application/problem+json"
}

/// An error a route throws on purpose: it knows its HTTP status and its problem code.
public struct APIError: KioskError, HTTPResponseError {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: LocalizedText

    public init(_ status: HTTPResponse.Status, code: String, message: LocalizedText) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
    }
}

/// Turns every error that escapes a route into `application/problem+json`.
///
/// Errors the framework raises (no such route, body too large) get fixed codes; errors we do not
/// know become a 500 whose body says nothing about the cause, because an unknown error may carry
/// data we must not show. Only the error's type and code reach the log.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(for: Problem(status: error.status, code: error.code, messages: error.message))
        } catch let error as any HTTPResponseError {
            if let known = error as? any KioskError {
                return Self.response(for: Problem(status: error.status, code: known.code, messages: known.message))
            }
            return Self.response(for: Self.problem(for: error.status))
        } catch let error as ResidentIDNumberError {
            // The same malformed number is the same client error wherever it is typed.
            return Self.response(for: Problem(status: .badRequest, code: error.code, messages: error.message))
        } catch let error as DistrictStoreUnavailable {
            context.logger.warning("district store unavailable", metadata: ["error.code": "\(error.code)"])
            return Self.response(for: Problem(status: .serviceUnavailable, code: error.code, messages: error.message))
        } catch let error as any KioskError {
            context.logger.error("request failed", metadata: ["error.code": "\(error.code)"])
            return Self.response(for: Problem(status: .internalServerError, code: error.code, messages: error.message))
        } catch {
            context.logger.error("request failed", metadata: ["error.type": "\(type(of: error))"])
            return Self.response(for: Self.problem(for: .internalServerError))
        }
    }

    static func problem(for status: HTTPResponse.Status) -> Problem {
        switch status {
        case .notFound:
            Problem(status: status, code: "notFound", messages: .init(zh: "找不到请求的资源", en: "The requested resource does not exist"))
        case .methodNotAllowed:
            Problem(status: status, code: "methodNotAllowed", messages: .init(zh: "该资源不支持此请求方法", en: "This method is not allowed on this resource"))
        case .contentTooLarge:
            Problem(status: status, code: "payloadTooLarge", messages: .init(zh: "请求内容过大", en: "The request body is too large"))
        case .badRequest:
            Problem(status: status, code: "badRequest", messages: .init(zh: "请求格式不正确", en: "The request is malformed"))
        case .unsupportedMediaType:
            Problem(status: status, code: "unsupportedMediaType", messages: .init(zh: "不支持的内容类型", en: "The content type is not supported"))
        case .internalServerError:
            Problem(status: status, code: "internalError", messages: .init(zh: "系统内部错误，请联系工作人员", en: "Internal error; please ask a member of staff"))
        default:
            Problem(status: status, code: "http\(status.code)", messages: .init(zh: status.reasonPhrase, en: status.reasonPhrase))
        }
    }

    public static func response(for problem: Problem) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(problem)) ?? Data(#"{"code":"internalError"}"#.utf8)
        return Response(
            status: .init(code: problem.status),
            headers: [.contentType: Problem.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
