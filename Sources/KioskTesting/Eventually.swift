/// For tests whose expected change has no event to wait on (a process starting to answer, a row
/// another process writes, a gauge): checks `condition` every `interval` until it holds, and says
/// whether it did within `limit`. The limit is generous because it only costs time in a run
/// that fails anyway; a loaded machine must never fail a test that is right.
///
/// The last look starts after the limit. The test's own task can stall for longer than the limit
/// between two looks (the cooperative pool starved by another test, see `CooperativePoolWatch`:
/// once for 130 s, the TLS test's `kiosk serve` answering all along); a look made before the
/// stall must not be the last word on a condition that held by its end.
public func eventually(within limit: Duration = .seconds(30), every interval: Duration = .milliseconds(20),
                       _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while true {
        let looked = ContinuousClock.now
        if try await condition() { return true }
        guard looked < deadline else { return false }
        try await Task.sleep(for: interval)
    }
}
