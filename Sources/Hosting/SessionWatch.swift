import DeviceKit
import KioskServer
import ServiceLifecycle

/// Ticks the citizen session's clock once a second: the screen hears the warning and the end
/// on the terminal's event stream, and an ended session is already wiped when it hears it.
public struct SessionWatch: Service {
    let sessions: CitizenSessions
    let events: EventBus<TerminalEvent>
    let interval: Duration

    public init(sessions: CitizenSessions, events: EventBus<TerminalEvent>, interval: Duration = .seconds(1)) {
        self.sessions = sessions
        self.events = events
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let tick = await sessions.tick() { await events.publish(TerminalEvent(tick)) }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
