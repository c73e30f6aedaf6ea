/// For tests that wait on an event stream: the next element, or nil when none comes within
/// `limit`, so a missing event fails the test instead of hanging it.
extension AsyncStream where Element: Sendable {
    public func next(within limit: Duration) async -> Element? {
        await withTaskGroup(of: Element?.self) { group in
            group.addTask {
                for await element in self { return element }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

extension AsyncStream where Element: Sendable {
    /// The first element that `matches`, or nil when none comes within `limit`: what a test
    /// waits for instead of sleeping and looking.
    public func first(within limit: Duration, where matches: @escaping @Sendable (Element) -> Bool) async -> Element? {
        await withTaskGroup(of: Element?.self) { group in
            group.addTask {
                for await element in self where matches(element) { return element }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
