import Dispatch

/// Runs blocking libusb work on `queue` (one of this module's serial queues) and suspends the
/// caller until it is done, so no cooperative-pool thread ever waits on USB.
func offPool<T: Sendable>(
    _ queue: DispatchQueue, _ body: @escaping @Sendable () throws(USBError) -> T
) async throws(USBError) -> T {
    let result: Result<T, USBError> = await withCheckedContinuation { continuation in
        queue.async { continuation.resume(returning: Result(catching: body)) }
    }
    return try result.get()
}

/// Milliseconds for a libusb timeout: at least 1, because libusb reads 0 as "wait forever".
func libusbMilliseconds(_ duration: Duration) -> UInt32 {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
    guard !milliseconds.overflow else { return UInt32.max }
    let total = milliseconds.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
    guard !total.overflow else { return UInt32.max }
    return UInt32(clamping: max(1, total.partialValue))
}
