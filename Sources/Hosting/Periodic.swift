import ServiceLifecycle

/// The loop of a service that does its work now and then every `interval`, until its task is
/// cancelled or the service group shuts down gracefully (the sleep ends at once then).
public func repeatUntilShutdown(every interval: Duration, _ work: () async -> Void) async {
    while !Task.isCancelled && !Task.isShuttingDownGracefully {
        await work()
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return
        }
    }
}
