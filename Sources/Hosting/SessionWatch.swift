import DeviceKit
import KioskServer
import ServiceLifecycle

/// Ticks the citizen session's clock once a second: the screen hears the warning and the end
/// on the terminal's event stream, and an ended session is already wiped when it hears it;
/// and announces calls for staff that passed their deadline untaken.
public struct SessionWatch: Service {
    let sessions: CitizenSessions
    let events: EventBus<TerminalEvent>
    /// Calls for staff nobody took in time: the screen hears it on the same stream and shows the hotline.
    let help: HelpDeadlines?
    let interval: Duration

    public init(sessions: CitizenSessions, events: EventBus<TerminalEvent>, help: HelpDeadlines? = nil, interval: Duration = .seconds(1)) {
        self.sessions = sessions
        self.events = events
        self.help = help
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let tick = await sessions.tick() { await events.publish(TerminalEvent(tick)) }
                await help?.tick()
                try? await Task.sleep(for: interval)
            }
        }
    }
}
