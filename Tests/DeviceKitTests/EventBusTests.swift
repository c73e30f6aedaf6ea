import DeviceKit
import Testing

@Suite("Event bus")
struct EventBusTests {
    @Test func subscribersReceiveWhatIsPublishedUntilTheBusFinishes() async {
        let bus = EventBus<Int>()
        let stream = await bus.subscribe()
        await bus.publish(1)
        await bus.finish()
        var received: [Int] = []
        for await value in stream { received.append(value) }
        #expect(received == [1])
    }

    @Test func aFinishedBusTakesNewSubscribers() async {
        let bus = EventBus<Int>()
        await bus.finish()
        let stream = await bus.subscribe()
        await bus.publish(3)
        await bus.finish()
        var received: [Int] = []
        for await value in stream { received.append(value) }
        #expect(received == [3])
    }

    /// What kept `kiosk serve` from stopping: the touch UI's EventSource reconnects as soon as
    /// its stream ends at shutdown, and the stream it got from the bus that had ended never
    /// ended, so the HTTP server waited for that response for ever.
    @Test func aSubscriptionAfterCloseEndsAtOnce() async {
        let bus = EventBus<Int>()
        await bus.close()
        let stream = await bus.subscribe()
        await bus.publish(2)
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return false }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(ended, "the stream of a closed bus must end at once, without an event")
        #expect(await bus.subscriberCount == 0)
    }
}
