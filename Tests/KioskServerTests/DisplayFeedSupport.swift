import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// One message of `/v1/display/events` as a display reads it: the fields of the route's
/// `QueueEventView` (which only encodes) that a display shows.
struct DisplayMessage: Sendable, Equatable, Decodable, CustomStringConvertible {
    var id: Int64
    var kind: String
    var number: String
    var counter: String?

    var description: String { "\(id) \(kind) \(number)\(counter.map { " at \($0)" } ?? "")" }
}

/// A display's open event stream, read with a real HTTP client (over TLS when `trusting` names
/// a certificate): the messages as they arrive, until `close()`.
final class DisplayStream: Sendable {
    let messages: AsyncStream<DisplayMessage>
    let status: Int
    private let reader: Task<Void, Never>

    private init(messages: AsyncStream<DisplayMessage>, status: Int, reader: Task<Void, Never>) {
        self.messages = messages
        self.status = status
        self.reader = reader
    }

    static func open(_ url: String, token: String, lastEventID: Int64? = nil, client: HTTPClient = .shared) async throws -> DisplayStream {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        let response = try await client.execute(request, timeout: .seconds(300))
        let (messages, continuation) = AsyncStream.makeStream(of: DisplayMessage.self)
        let reader = Task {
            var text = ""
            do {
                for try await buffer in response.body {
                    text += String(buffer: buffer)
                    while let end = text.range(of: "\n\n") {
                        let block = String(text[..<end.lowerBound])
                        text = String(text[end.upperBound...])
                        if let message = Self.parse(block) { continuation.yield(message) }
                    }
                }
            } catch {}
            continuation.finish()
        }
        return DisplayStream(messages: messages, status: Int(response.status.code), reader: reader)
    }

    static func parse(_ block: String) -> DisplayMessage? {
        guard let data = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") })?.dropFirst(6),
              let message = try? JSONDecoder().decode(DisplayMessage.self, from: Data(data.utf8)),
              let line = block.split(separator: "\n").first(where: { $0.hasPrefix("id: ") }), Int64(line.dropFirst(4)) == message.id
        else { return nil }
        return message
    }

    /// The next `count` messages, or fewer when they do not all come within `limit` each.
    func next(_ count: Int, within limit: Duration = .seconds(60)) async -> [DisplayMessage] {
        var received: [DisplayMessage] = []
        while received.count < count, let message = await messages.next(within: limit) { received.append(message) }
        return received
    }

    func close() { reader.cancel() }
}
