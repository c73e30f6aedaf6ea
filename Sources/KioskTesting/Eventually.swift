/// For tests whose expected change has no event to wait on (a process starting to answer, a row
/// another process writes, a gauge): checks `condition` every `interval` until it holds, and says
/// whether it did within `limit`. The limit is generous because it only costs time in a run
/// that fails anyway; a loaded machine must never fail a test that is right.
public func eventually(within limit: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
                       _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
}
