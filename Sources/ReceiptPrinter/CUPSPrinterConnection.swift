import CUPSTransport
import DeviceKit

/// A printer behind a CUPS queue: raw jobs (`application/vnd.cups-raw`), followed to the end,
/// with the status read from the queue's `printer-state-reasons`.
///
/// A job the queue cannot print (the backend reported no paper or an open cover and stopped the
/// queue) is canceled in CUPS and failed here: the kiosk's job store keeps it for a reprint, and
/// a queue resumed later does not print it a second time behind the staff's back.
public struct CUPSPrinterConnection: PrinterConnection {
    public let transport: CUPSTransport
    public let queue: String
    let jobTimeout: Duration

    public var address: String { "cups:\(queue)" }

    public init(transport: CUPSTransport, queue: String, jobTimeout: Duration = .seconds(60)) {
        self.transport = transport
        self.queue = queue
        self.jobTimeout = jobTimeout
    }

    public func send(_ bytes: [UInt8], title: String) async throws(DeviceFault) -> DeviceStatus {
        let destination: CUPSDestination
        do {
            destination = try await transport.destination(named: queue)
        } catch {
            throw Self.fault(for: error)
        }
        let before = Self.status(destination.status)
        // Reasons outlive their cause until the backend next reports (a queue resumed after
        // loading paper still says media-empty), so only a stopped queue refuses the job here.
        if destination.state == .stopped {
            throw DeviceFault.blocking(before) ?? (destination.status.isOnline ? .printerStopped : .offline)
        }
        let job: Int32
        do {
            job = try await transport.submitRaw(destination: queue, title: title, bytes: bytes)
        } catch {
            throw Self.fault(for: error)
        }
        do {
            try await transport.follow(job, timeout: jobTimeout)
        } catch let error as CUPSError {
            if error.kind == .jobNotCompleted || error.kind == .timedOut { try? await transport.cancel(job) }
            throw Self.fault(for: error)
        } catch {
            try? await transport.cancel(job)
            throw .communicationError
        }
        return (try? await status()) ?? before
    }

    public func status() async throws(DeviceFault) -> DeviceStatus {
        do {
            return Self.status(try await transport.destination(named: queue).status)
        } catch {
            throw Self.fault(for: error)
        }
    }

    static func status(_ status: PrinterStatus) -> DeviceStatus {
        DeviceStatus(paper: DeviceStatus.Paper(rawValue: status.paper.rawValue),
                     cover: status.cover == .open ? .open : .closed, cutter: .ok)
    }

    static func fault(for error: CUPSError) -> DeviceFault {
        switch error.kind {
        case .jobAborted, .jobNotCompleted, .jobCanceled:
            let status = error.printerStatus
            if let fault = DeviceFault.blocking(Self.status(status)) { return fault }
            let paused = error.printerStateReasons.contains { PrinterStateReason($0).keyword == "paused" }
            if !status.isOnline { return paused ? .printerStopped : .offline }
            return error.kind == .jobAborted ? .printerError : .printerStopped
        case .noSuchDestination: return .offline
        case .jobRejected: return .printerStopped
        case .serverUnavailable, .noSuchJob, .timedOut, .requestFailed: return .communicationError
        }
    }
}
