import DeviceKit
import Foundation
import IDCard
import KioskCore
import Logging
import ServiceLifecycle

public struct CardReaderConfiguration: Sendable, Hashable {
    /// How often the reader looks for a card. A placed card is read within one interval.
    public var pollInterval: Duration
    /// How long one command may take. The longest answer (1295 bytes) needs about 115 ms at
    /// 115200 baud, plus the SAM's own work.
    public var responseTimeout: Duration
    /// How often an unplugged reader is looked for again.
    public var reconnectInterval: Duration
    public var session: ReaderSession.Configuration
    /// The hall's time zone (`time_zone`): the day a card's validity is checked against is the
    /// hall's, not the machine's.
    public var timeZone: TimeZone

    public init(pollInterval: Duration = .milliseconds(250), responseTimeout: Duration = .seconds(1),
                reconnectInterval: Duration = .seconds(2), session: ReaderSession.Configuration = .init(),
                timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.pollInterval = pollInterval
        self.responseTimeout = responseTimeout
        self.reconnectInterval = reconnectInterval
        self.session = session
        self.timeZone = timeZone
    }
}

/// An ID card reader on the device layer: it drives `ReaderSession` over a `ReaderConnection`
/// and turns what the session notices into card events (for the filing session), device
/// events (for the technician), status, state and counters.
///
/// `run()` is the reader loop (a `Service`): a poll every `pollInterval`, and reconnection
/// after an unplug. Polls and health checks take turns on the link, so a health check never
/// splits a read.
public actor CardReaderDevice: Device, Service {
    public nonisolated let info: DeviceInfo
    public nonisolated let statisticNames = StatisticNames.idCardReader
    /// Card events: subscribe only where the card data is meant to go (the filing session).
    public nonisolated let cardEvents = EventBus<CardEvent>()
    /// State, status and faults; no card data.
    public nonisolated let deviceEvents = EventBus<DeviceEvent>()
    public nonisolated let configuration: CardReaderConfiguration

    private let connect: @Sendable () async throws(ReaderLinkError) -> any ReaderConnection
    private let statistics: any StatisticsStore
    private let today: @Sendable () -> CardDate
    private let logger: Logger

    private var session: ReaderSession
    private var link: ReaderLink?
    /// Why the link could not be opened last time: offline, or no permission (udev rules).
    private var lastLinkFault: DeviceFault = .offline
    private var currentState = DeviceState.closed
    private var currentStatus = DeviceStatus(card: .noCard)
    private var claim = Claim()
    /// Whether subscribers were told of a card they have not been told is gone.
    private var announcedCard = false
    private var linkBusy = false
    private var linkWaiters: [CheckedContinuation<Void, Never>] = []

    /// `connect` opens the link; it is called again after every disconnect. `today` is the
    /// hall's date in `configuration.timeZone` unless a test gives its own.
    public init(
        info: DeviceInfo, configuration: CardReaderConfiguration = .init(), statistics: any StatisticsStore,
        logger: Logger, today: (@Sendable () -> CardDate)? = nil,
        connect: @escaping @Sendable () async throws(ReaderLinkError) -> any ReaderConnection
    ) {
        self.info = info
        self.configuration = configuration
        self.statistics = statistics
        let zone = configuration.timeZone
        self.today = today ?? { CardReaderDevice.today(in: zone) }
        self.connect = connect
        var logger = logger
        logger[metadataKey: "device.id"] = "\(info.id)"
        self.logger = logger
        session = ReaderSession(configuration: configuration.session)
    }

    /// The hall's date at `instant` in `zone` (the configured `time_zone`).
    public static func today(in zone: TimeZone, at instant: Date = Date()) -> CardDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return CardDate(year: parts.year ?? 2000, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CardDate(year: 2000, month: 1, day: 1)!
    }

    // MARK: Device

    public func state() -> DeviceState { currentState }

    public func status() -> DeviceStatus { currentStatus }

    public func claim(owner: String) throws(DeviceFault) {
        try claim.claim(by: owner)
    }

    public func release(owner: String) {
        claim.release(by: owner)
    }

    public func healthCheck(_ level: HealthCheckLevel) async -> HealthCheckResult {
        await acquireLink()
        defer { releaseLink() }
        guard let link = await openLink() else {
            return HealthCheckResult(deviceID: info.id, level: level, steps: [
                .failed("connection", lastLinkFault, label: .init(zh: "连接", en: "connection")),
            ])
        }
        let steps = switch level {
        case .internal: await internalCheck(link)
        case .external: await externalCheck(link)
        }
        return HealthCheckResult(deviceID: info.id, level: level, steps: steps)
    }

    // MARK: The reader loop

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await poll()
            try? await Task.sleep(for: currentState == .offline ? configuration.reconnectInterval : configuration.pollInterval)
        }
        await acquireLink()
        defer { releaseLink() }
        await link?.close()
        link = nil
        session = ReaderSession(configuration: configuration.session)
        await setState(.closed)
    }

    /// One turn of the loop: a poll tick and the commands it leads to, until the session
    /// waits for the next tick. The loop calls it every `pollInterval`; tests call it to step
    /// the reader without timing.
    public func poll() async {
        await acquireLink()
        defer { releaseLink() }
        guard let link = await openLink() else { return }
        var action = session.next(.tick)
        while case .send(let command) = action {
            if command.readsCard { await setState(.busy) }
            let event: ReaderSession.Event
            do {
                event = try await link.exchange(command, timeout: configuration.responseTimeout)
            } catch where error.isDisconnected {
                await goOffline(error)
                return
            } catch {
                logger.warning("reader link failed", metadata: ["reader.error": "\(error.code)"])
                event = .responseTimeout
            }
            switch event {
            case .responseTimeout, .frameError:
                await count(["communicationErrors": 1])
            case .response, .tick:
                break
            }
            action = session.next(event)
        }
        if case .notify(let notification) = action { await handle(notification) }
        if currentState == .busy { await setState(.idle) }
    }

    private func handle(_ notification: ReaderSession.Notification) async {
        switch notification {
        case .samReady:
            await updateStatus { $0.sam = .ok }
            await setState(.idle)
        case .cardPresented(let card):
            let failures = card.text.checkFailures(today: today())
            announcedCard = true
            await updateStatus { $0.card = .cardPresent }
            await count(["goodReads": 1])
            // The kind and the check codes only: the card itself goes to subscribers alone.
            logger.info("card read", metadata: [
                "card.type": "\(card.text.kind.rawValue)", "card.checks": "\(failures.map(\.code.rawValue))",
            ])
            await cardEvents.publish(.cardPresented(card, checkFailures: failures))
        case .cardRemoved:
            await announceRemoval()
        case .readFailed(let error):
            let fault = DeviceFault(error)
            await updateStatus { $0.card = .cardPresent }
            var amounts: [String: Int64] = ["failedReads": 1]
            if error.leavesCardUnreadable { amounts["unreadableCards"] = 1 }
            await count(amounts)
            logger.warning("card read failed", metadata: ["reader.error": "\(fault.code)"])
            await cardEvents.publish(.readFailed(fault))
            await deviceEvents.publish(.fault(deviceID: info.id, fault))
        case .samFault(let error):
            let fault = DeviceFault(error)
            if case .status = error.code { await count(["samErrors": 1]) }
            logger.error("reader fault, backing off", metadata: ["reader.error": "\(fault.code)"])
            await announceRemoval()
            await updateStatus { $0.sam = .error }
            await setState(.error)
            await deviceEvents.publish(.fault(deviceID: info.id, fault))
        }
    }

    private func announceRemoval() async {
        await updateStatus { $0.card = .noCard }
        guard announcedCard else { return }
        announcedCard = false
        await cardEvents.publish(.cardRemoved)
    }

    // MARK: Link

    private func openLink() async -> ReaderLink? {
        if let link { return link }
        do {
            let opened = ReaderLink(try await connect())
            link = opened
            logger.info("reader connected")
            return opened
        } catch {
            // No permission is a fault of its own (the udev rules), whichever transport met it.
            let fault: DeviceFault = error.isAccessDenied ? .accessDenied : .offline
            if currentState != .offline || fault != lastLinkFault {
                logger.warning("reader unreachable", metadata: ["reader.error": "\(error.code)", "device.fault": "\(fault.code)"])
                await setState(.offline)
                await deviceEvents.publish(.fault(deviceID: info.id, fault))
            }
            lastLinkFault = fault
            return nil
        }
    }

    private func goOffline(_ error: ReaderLinkError) async {
        logger.warning("reader disconnected", metadata: ["reader.error": "\(error.code)"])
        await link?.close()
        link = nil
        session = ReaderSession(configuration: configuration.session)
        await announceRemoval()
        await updateStatus { $0.sam = nil }
        await setState(.offline)
        await deviceEvents.publish(.fault(deviceID: info.id, .offline))
    }

    /// Polls and health checks take turns: a waiting one resumes when the other is done.
    private func acquireLink() async {
        guard linkBusy else {
            linkBusy = true
            return
        }
        await withCheckedContinuation { linkWaiters.append($0) }
    }

    private func releaseLink() {
        if linkWaiters.isEmpty {
            linkBusy = false
        } else {
            linkWaiters.removeFirst().resume()
        }
    }

    // MARK: Health checks

    private func internalCheck(_ link: ReaderLink) async -> [HealthCheckResult.Step] {
        let status = await request(.samStatus, on: link)
        let samReady = status.frame?.status == .success
        await updateStatus { $0.sam = samReady ? .ok : .error }
        let samLabel = LocalizedText(zh: "安全模块", en: "security module")
        let samStep: HealthCheckResult.Step = samReady
            ? .init(name: "samStatus", passed: true, detail: "SAM ready", message: .init(zh: "安全模块：就绪", en: "security module: ready"))
            : .failed("samStatus", status.fault, label: samLabel)
        let identifier = await request(.readSAMIdentifier, on: link)
        let idLabel = LocalizedText(zh: "安全模块编号", en: "security module number")
        let samIdentifier: HealthCheckResult.Step
        if let frame = identifier.frame, frame.status == .success {
            if let parsed = try? SAMIdentifier(responseData: frame.data) {
                samIdentifier = .init(name: "samIdentifier", passed: true, detail: parsed.description,
                                      message: .init(zh: "安全模块编号：\(parsed.description)", en: "security module number: \(parsed.description)"))
            } else {
                samIdentifier = .failed("samIdentifier", DeviceFault(ReaderError(.malformedData)), label: idLabel)
            }
        } else {
            samIdentifier = .failed("samIdentifier", identifier.fault, label: idLabel)
        }
        return [samStep, samIdentifier]
    }

    private func externalCheck(_ link: ReaderLink) async -> [HealthCheckResult.Step] {
        let label = LocalizedText(zh: "测试读卡", en: "test read")
        // A card already read ignores "find" while it lies there; "select" still answers.
        _ = await request(.findCard, on: link)
        let selected = await request(.selectCard, on: link)
        guard selected.frame?.status == .success else {
            return [.init(name: "testRead", passed: false, detail: "no card on the reader (\(selected.problem))",
                          message: .init(zh: "测试读卡：读卡区没有证件，请放置一张测试证件后再检查",
                                         en: "test read: there is no card on the reader; place a test card and run the check again"))]
        }
        let read = await request(.readTextAndPhoto, on: link)
        guard let frame = read.frame, frame.status == .success else {
            return [.failed("testRead", read.fault, label: label)]
        }
        guard let card = try? CardData(readResponse: frame.data) else {
            return [.failed("testRead", DeviceFault(ReaderError(.malformedData)), label: label)]
        }
        let number = IDNumberMasking.mask(card.text.documentNumber)
        return [.init(name: "testRead", passed: true, detail: "\(card.text.kind.rawValue), \(number)",
                      message: .init(zh: "测试读卡：已读出\(card.text.kind.chineseName)，号码 \(number)",
                                     en: "test read: read a \(card.text.kind.englishName), number \(number)"))]
    }

    private func request(_ command: Command, on link: ReaderLink) async -> Answer {
        do {
            return Answer(event: try await link.exchange(command, timeout: configuration.responseTimeout))
        } catch where error.isDisconnected {
            await goOffline(error)
            return Answer(event: nil, linkError: error)
        } catch {
            return Answer(event: nil, linkError: error)
        }
    }

    // MARK: State, status, counters

    private func setState(_ state: DeviceState) async {
        guard state != currentState else { return }
        currentState = state
        await deviceEvents.publish(.stateChanged(deviceID: info.id, state))
    }

    private func updateStatus(_ change: (inout DeviceStatus) -> Void) async {
        var status = currentStatus
        change(&status)
        guard status != currentStatus else { return }
        currentStatus = status
        await deviceEvents.publish(.statusChanged(deviceID: info.id, status))
    }

    private func count(_ amounts: [String: Int64]) async {
        do {
            try await statistics.add(amounts, deviceID: info.id)
        } catch {
            logger.warning("reader statistics not saved", metadata: ["error": "\(error)"])
        }
    }
}

/// What one health-check command got back, told without card data.
private struct Answer {
    let event: ReaderSession.Event?
    var linkError: ReaderLinkError?

    var frame: ResponseFrame? {
        if case .response(let frame) = event { frame } else { nil }
    }

    /// Why the answer is not a success, as a device fault with its recommended action.
    var fault: DeviceFault {
        switch event {
        case .response(let frame):
            DeviceFault(ReaderError(frame.status.map { .status($0) } ?? .unknownStatus(frame.sw3)))
        case .frameError: DeviceFault(ReaderError(.malformedData))
        case .responseTimeout: DeviceFault(ReaderError(.noResponse))
        case .tick, nil:
            linkError.map { $0.isAccessDenied ? .accessDenied : $0.isDisconnected ? .offline : DeviceFault(ReaderError(.noResponse)) }
                ?? DeviceFault(ReaderError(.noResponse))
        }
    }

    /// Why the answer is not a success, in English for the technician.
    var problem: String {
        switch event {
        case .response(let frame):
            frame.status.map { ReaderError(.status($0)).messageEN } ?? ReaderError(.unknownStatus(frame.sw3)).messageEN
        case .frameError(let error): error.messageEN
        case .responseTimeout: ReaderError(.noResponse).messageEN
        case .tick, nil: linkError?.message.en ?? ReaderError(.noResponse).messageEN
        }
    }
}

extension Command {
    /// Reads take the card's data: the reader is busy while they run.
    var readsCard: Bool {
        switch self {
        case .readTextAndPhoto, .readTextPhotoAndFingerprint, .readAppendedAddress: true
        case .resetSAM, .samStatus, .readSAMIdentifier, .findCard, .selectCard: false
        }
    }
}

extension ReaderError {
    /// The card answered but its data cannot be had: counted as an unreadable card.
    var leavesCardUnreadable: Bool {
        switch code {
        case .status(.unknownCardType), .status(.readingFailed), .malformedData: true
        default: false
        }
    }
}

extension CardText.Kind {
    /// What a technician reads in a health check.
    var chineseName: String {
        switch self {
        case .resident: "居民身份证"
        case .residencePermit: "港澳台居民居住证"
        case .permanentResidence2017: "外国人永久居留身份证（2017 版）"
        case .permanentResidence2023: "外国人永久居留身份证（2023 版）"
        }
    }

    var englishName: String {
        switch self {
        case .resident: "resident ID card"
        case .residencePermit: "residence permit for Hong Kong, Macao and Taiwan residents"
        case .permanentResidence2017: "foreign permanent residence card (2017)"
        case .permanentResidence2023: "foreign permanent residence card (2023)"
        }
    }
}
