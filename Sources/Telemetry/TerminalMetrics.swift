import Booking
import DeviceKit
import Foundation
import KioskCore
import KioskServer
import Prometheus
import Peripherals
import ServiceLifecycle
import Storage
import Synchronization

/// The terminal on `/metrics`, for technicians who look after many terminals: each device's
/// state, paper and cover, its jobs and card reads, faults by code and the time since it last
/// worked; the outbox backlog, the queue per service and the open citizen session.
///
/// Labels are bounded and never personal: a device id (made of USB ids and a serial number,
/// or a CUPS queue name), a device kind, a state, a paper status, a fault code from the fixed
/// set of `DeviceFault`s, a service id from kiosk.conf. Gauges are set at each scrape
/// (`refresh`); fault counts and the last success come from the event stream (`run`).
public struct TerminalMetrics: ServiceLifecycle.Service {
    let registry: PrometheusCollectorRegistry
    let devices: TerminalDevices
    let store: SQLiteStore
    let ledger: any BookingLedger
    let serviceIDs: [String]
    let sessions: CitizenSessions
    let activity: DeviceActivity
    var now: @Sendable () -> Date

    public init(registry: PrometheusCollectorRegistry, devices: TerminalDevices, store: SQLiteStore, ledger: any BookingLedger,
                serviceIDs: [String], sessions: CitizenSessions, activity: DeviceActivity, now: @escaping @Sendable () -> Date = { Date() }) {
        self.registry = registry
        self.devices = devices
        self.store = store
        self.ledger = ledger
        self.serviceIDs = serviceIDs
        self.sessions = sessions
        self.activity = activity
        self.now = now
    }

    /// Counts faults and notes successes as the devices report them.
    public func run() async {
        await cancelWhenGracefulShutdown {
            var previous: [String: DeviceState] = [:]
            for await event in await self.devices.events.subscribe() {
                guard let id = event.deviceId else { continue }
                switch event.type {
                case .deviceFault:
                    guard let code = event.fault?.code else { continue }
                    self.registry.makeCounter(name: "kiosk_device_faults_total", labels: [("device", id), ("code", code)],
                                              help: Help.faults).increment()
                case .deviceState:
                    // A printer goes busy -> idle when a job or test print went through.
                    if event.state == .idle, previous[id] == .busy { self.succeeded(id) }
                    previous[id] = event.state
                case .cardPresented, .scan:
                    self.succeeded(id)
                default:
                    break
                }
            }
        }
    }

    private func succeeded(_ id: String) {
        let time = now()
        activity.lastSuccess.withLock { $0[id] = time }
    }

    /// Sets every gauge from the terminal as it is now.
    public func refresh() async {
        let time = now()
        for device in await devices.manager.devices() {
            let id = device.info.id
            let kind = device.info.kind.rawValue
            let offline = await devices.manager.isOffline(id)
            let state = offline ? DeviceState.offline : await device.state()
            gauge("kiosk_device_up", [("device", id), ("kind", kind)], Help.up).set(state == .offline || state == .closed ? 0 : 1)
            for candidate in [DeviceState.closed, .idle, .busy, .error, .offline] {
                gauge("kiosk_device_state", [("device", id), ("kind", kind), ("state", candidate.rawValue)], Help.state)
                    .set(candidate == state ? 1 : 0)
            }
            let since = activity.lastSuccess.withLock { $0[id] } ?? activity.started
            gauge("kiosk_device_seconds_since_success", [("device", id), ("kind", kind)], Help.sinceSuccess)
                .set(time.timeIntervalSince(since))
            let status = await device.lastKnownStatus()
            let counters = Dictionary(
                ((try? await devices.statistics.statistics(deviceID: id, names: device.statisticNames)) ?? []).map { ($0.name, $0.value) },
                uniquingKeysWith: { first, _ in first })
            switch device.info.kind {
            case .receiptPrinter:
                for paper in [DeviceStatus.Paper.ok, .nearEnd, .out] {
                    gauge("kiosk_printer_paper", [("device", id), ("paper", paper.rawValue)], Help.paper).set(status.paper == paper ? 1 : 0)
                }
                gauge("kiosk_printer_cover_open", [("device", id)], Help.cover).set(status.cover == .open ? 1 : 0)
                gauge("kiosk_printer_jobs_printed", [("device", id)], Help.jobsPrinted).set(counters["jobsPrinted"] ?? 0)
                gauge("kiosk_printer_jobs_failed", [("device", id)], Help.jobsFailed).set(counters["jobsFailed"] ?? 0)
                let today = (try? await devices.statistics.dailyCounts(deviceID: id, days: 1))?.last?.counts ?? [:]
                gauge("kiosk_printer_receipts_today", [("device", id)], Help.receiptsToday).set(today[DailyCounts.receipts] ?? 0)
                gauge("kiosk_printer_lines_today", [("device", id)], Help.linesToday).set(today[DailyCounts.lines] ?? 0)
            case .idCardReader:
                gauge("kiosk_reader_cards_read", [("device", id)], Help.cardsRead).set(counters["goodReads"] ?? 0)
                gauge("kiosk_reader_cards_failed", [("device", id)], Help.cardsFailed)
                    .set((counters["failedReads"] ?? 0) + (counters["unreadableCards"] ?? 0))
            case .codeScanner:
                gauge("kiosk_scanner_codes_read", [("device", id)], Help.codesRead).set(counters["goodScans"] ?? 0)
            }
        }
        if let backlog = try? await store.outboxBacklog() {
            gauge("kiosk_outbox_records", [("state", "pending")], Help.outbox).set(backlog.pending)
            gauge("kiosk_outbox_records", [("state", "refused")], Help.outbox).set(backlog.failed)
            gauge("kiosk_outbox_oldest_pending_seconds", [], Help.outboxAge)
                .set(backlog.oldestPending.map { time.timeIntervalSince($0) } ?? 0)
        }
        for service in serviceIDs {
            if let waiting = try? await ledger.waitingTickets(serviceIDs: [service], now: time) {
                gauge("kiosk_queue_waiting", [("service", service)], Help.queue).set(waiting.count)
            }
        }
        gauge("kiosk_citizen_sessions_open", [], Help.sessions).set(await sessions.openCount())
    }

    private func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
        labels.isEmpty ? registry.makeGauge(name: name, help: help) : registry.makeGauge(name: name, labels: labels, help: help)
    }

    enum Help {
        static let up = "1 while the device is connected and open, 0 when it is offline"
        static let state = "1 for the device's current state (closed, idle, busy, error, offline), 0 for the others"
        static let sinceSuccess = "Seconds since the device last did its work (a job printed, a card read); since start when it has not yet"
        static let paper = "1 for the printer's paper status (ok, nearEnd, out) as last seen"
        static let cover = "1 while the printer's cover is open"
        static let jobsPrinted = "Jobs printed, the persistent counter a technician can reset (jobsPrinted)"
        static let jobsFailed = "Jobs that failed, the persistent counter a technician can reset (jobsFailed)"
        static let receiptsToday = "Receipts (test pages included) printed today, the hall's day in its time zone; kept across restarts"
        static let linesToday = "Receipt lines printed today (paper used), the hall's day in its time zone; kept across restarts"
        static let cardsRead = "ID cards read, the persistent counter a technician can reset (goodReads)"
        static let cardsFailed = "ID card reads that failed or cards that could not be read (failedReads + unreadableCards)"
        static let codesRead = "Codes scanned, the persistent counter a technician can reset (goodScans); never their content"
        static let faults = "Faults reported since start, by device and fault code"
        static let outbox = "Outbox records not yet accepted by the district store, by state (pending, refused)"
        static let outboxAge = "Age in seconds of the oldest pending outbox record; 0 when none waits"
        static let queue = "Tickets waiting today, by service"
        static let sessions = "Citizen sessions open at the screen (0 or 1)"
    }
}

/// When each device last did its work (a job or check printed, a card read), kept for the
/// terminal's lifetime and shared by the scrape and the event listener.
public final class DeviceActivity: Sendable {
    let started = Date()
    let lastSuccess = Mutex<[String: Date]>([:])

    public init() {}
}

extension Gauge {
    fileprivate func set(_ value: Int) { set(Int64(value)) }
}
