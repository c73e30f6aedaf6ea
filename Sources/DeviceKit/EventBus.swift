import Foundation

/// Fans device events out to every subscriber (the HTTP event stream, the log, the counters).
/// A slow subscriber loses the oldest events rather than holding up the device.
/// Once finished, the bus stays closed: a late subscriber (the touch UI reconnecting while the
/// terminal stops) gets a stream that has already ended, never one that waits for ever.
public actor EventBus<Event: Sendable> {
    private var subscribers: [UUID: AsyncStream<Event>.Continuation] = [:]
    private let bufferSize: Int
    private var isFinished = false

    public init(bufferSize: Int = 64) { self.bufferSize = bufferSize }

    public func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferSize))
        guard !isFinished else {
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

    public func finish() {
        isFinished = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    private func remove(_ id: UUID) { subscribers[id] = nil }
}
