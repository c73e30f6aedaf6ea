import Foundation

/// Fans device events out to every subscriber (the HTTP event stream, the log, the counters).
/// A slow subscriber loses the oldest events rather than holding up the device.
public actor EventBus<Event: Sendable> {
    private var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
    private let bufferSize: Int
    private var isClosed = false

    public init(bufferSize: Int = 64) { self.bufferSize = bufferSize }

    public func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferSize))
        guard !isClosed else {
            continuation.finish()
            return stream
        }
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        return stream
    }

    /// How many streams are open: lets a caller wait until a forwarder listens before it
    /// publishes something that must not be missed.
    public var subscriberCount: Int { subscribers.count }

    public func publish(_ event: Event) {
        for continuation in subscribers.values { continuation.yield(event) }
    }

    /// Ends every stream open now; the bus takes new subscribers afterwards.
    public func finish() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    /// Ends every stream, now and from now on: a stream asked for afterwards has already ended.
    /// For the end of the process, when a late subscriber (the touch UI's EventSource
    /// reconnecting while the terminal stops) must not wait for events that never come.
    public func close() {
        isClosed = true
        finish()
    }

    private func remove(_ id: UUID) { subscribers[id] = nil }
}
