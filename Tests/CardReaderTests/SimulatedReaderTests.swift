import CardReader
import DeviceKit
import IDCard
import Logging
import USBTransport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct SimulatedReaderTests {
    @Test func aPlacedCardIsPresentedOncePerPlacementAndItsRemovalAnnounced() async throws {
        let rig = try SimulatedRig()
        #expect(await rig.device.state() == .closed)
        #expect(await rig.poll() == [])                      // SAM status check
        #expect(await rig.device.state() == .idle)
        #expect(await rig.device.status() == DeviceStatus(card: .noCard, sam: .ok))
        #expect(await rig.poll(2) == [])                     // no card: find fails quietly

        try await rig.reader.present("resident")
        let presented = await rig.poll()
        #expect(presented.map(\.summary) == ["presented:resident:"])
        guard case .cardPresented(let card, _) = presented.first else { return }
        #expect(card.text.documentNumber == "110101198506150019")
        #expect(card.text.name == "测试甲")
        #expect(await rig.device.status().card == .cardPresent)

        #expect(await rig.poll(3) == [])                     // still lying there: not read again
        await rig.reader.remove()
        #expect(await rig.poll().map(\.summary) == ["removed"])
        #expect(await rig.device.status().card == .noCard)

        try await rig.reader.present("residence-permit")
        #expect(await rig.poll().map(\.summary) == ["presented:residencePermit:"])
        #expect(try await rig.counters()["goodReads"] == 2)
        #expect(await rig.reader.received.prefix(5) == [.samStatus, .findCard, .findCard, .findCard, .selectCard])
    }

    @Test(arguments: [
        ("resident", "presented:resident:"),
        ("residence-permit", "presented:residencePermit:"),
        ("permanent-residence-2017", "presented:permanentResidence2017:"),
        ("permanent-residence-2023", "presented:permanentResidence2023:"),
        ("expired", "presented:resident:expired"),
        ("bad-check-digit", "presented:resident:invalidNumber"),
    ])
    func everyFixtureIsReadWithItsChecks(fixture: String, expected: String) async throws {
        let rig = try SimulatedRig()
        try await rig.reader.present(fixture)
        #expect(await rig.poll(2).map(\.summary) == [expected])
    }

    @Test func aFailedCheckCarriesItsReason() async throws {
        let rig = try SimulatedRig()
        try await rig.reader.present("bad-check-digit")
        guard case .cardPresented(_, let failures) = try #require(await rig.poll(2).first) else {
            Issue.record("no card presented")
            return
        }
        #expect(failures.map(\.code) == [.invalidNumber])
        #expect(failures.first?.numberError?.reason == .checkCharacterMismatch)
        #expect(failures.first?.messageEN == "The card's number fails its check; please ask staff for help.")
    }

    @Test func aSAMFaultBacksOffThenRecovers() async throws {
        let rig = try SimulatedRig(backOffTicks: 3)
        _ = await rig.poll()
        await rig.reader.setSAMFault(.samSelfTestFailed)
        let faults = await collect(rig.device.deviceEvents) { _ = await rig.poll() }
        #expect(faults.contains(.fault(deviceID: "reader-under-test", DeviceFault(
            code: "samSelfTestFailed",
            message: .init(zh: "安全模块自检失败，请联系维护人员", en: "The security module failed its self-test; call a technician."),
            action: .maintenance))))
        #expect(await rig.device.state() == .error)
        #expect(await rig.device.status().sam == .error)

        let before = await rig.reader.received.count
        _ = await rig.poll(2)                                 // backing off: nothing sent
        #expect(await rig.reader.received.count == before)
        await rig.reader.setSAMFault(nil)
        _ = await rig.poll()                                  // third tick: the SAM is asked again
        #expect(await rig.reader.received.last == .samStatus)
        #expect(await rig.device.state() == .idle)
        #expect(await rig.device.status().sam == .ok)
        #expect(try await rig.counters()["samErrors"] == 1)
    }

    @Test func aCardLyingThereDuringASAMFaultIsAnnouncedGoneAndReadAgainAfter() async throws {
        let rig = try SimulatedRig(backOffTicks: 1)
        try await rig.reader.present("resident")
        #expect(await rig.poll(2).map(\.summary) == ["presented:resident:"])
        await rig.reader.setSAMFault(.samNotAuthorised)
        #expect(await rig.poll().map(\.summary) == ["removed"])
        await rig.reader.setSAMFault(nil)
        #expect(await rig.poll(3).map(\.summary) == ["presented:resident:"])
    }

    @Test func aSilentReaderCountsCommunicationErrorsThenFaults() async throws {
        let rig = try SimulatedRig(responseTimeout: .milliseconds(5))
        _ = await rig.poll()
        await rig.reader.setSilent(true)
        let events = await collect(rig.device.deviceEvents) { _ = await rig.poll(3) }
        let faults = events.compactMap { event -> DeviceFault? in
            if case .fault(_, let fault) = event { fault } else { nil }
        }
        #expect(faults.map(\.code) == ["noResponse"])
        #expect(faults.first?.action == .reset)
        #expect(try await rig.counters()["communicationErrors"] == 3)
        #expect(try await rig.counters()["samErrors"] == 0)
    }

    @Test func anUnplugTakesTheReaderOfflineAndAReplugBringsItBack() async throws {
        let rig = try SimulatedRig()
        try await rig.reader.present("resident")
        _ = await rig.poll(2)
        await rig.reader.setUnplugged(true)
        var states: [DeviceEvent] = []
        let cards = await collect(rig.device.cardEvents) {
            states = await collect(rig.device.deviceEvents) { await rig.device.poll() }
        }
        #expect(cards.map(\.summary) == ["removed"])
        #expect(states.contains(.stateChanged(deviceID: "reader-under-test", .offline)))
        #expect(states.contains(.fault(deviceID: "reader-under-test", .offline)))
        #expect(await rig.device.state() == .offline)

        await rig.reader.setUnplugged(false)
        #expect(await rig.poll(2).map(\.summary) == ["presented:resident:"])
        #expect(await rig.device.state() == .idle)
    }

    @Test func statisticsCountGoodFailedAndUnreadable() async throws {
        let rig = try SimulatedRig()
        try await rig.reader.present("expired")
        _ = await rig.poll(2)
        await rig.reader.remove()
        _ = await rig.poll()
        try await rig.reader.present("resident")
        _ = await rig.poll()
        #expect(try await rig.counters() == [
            "goodReads": 2, "failedReads": 0, "unreadableCards": 0, "samErrors": 0, "communicationErrors": 0,
            "hoursPowered": 0,
        ])
    }

    @Test func internalHealthCheckReportsTheSAMAndItsIdentifier() async throws {
        let rig = try SimulatedRig()
        let result = await rig.device.healthCheck(.internal)
        #expect(result.passed)
        #expect(result.steps.map(\.name) == ["samStatus", "samIdentifier"])
        #expect(result.steps.map(\.detail) == ["SAM ready", "05.01-20250101-0000000001-0000000042"])
        #expect(result.steps.last?.message.zh == "安全模块编号：05.01-20250101-0000000001-0000000042")
        await rig.reader.setSAMFault(.samSelfTestFailed)
        let failed = await rig.device.healthCheck(.internal)
        #expect(!failed.passed)
        #expect(failed.steps.first?.detail == "The security module failed its self-test; call a technician.")
        #expect(failed.steps.first?.message.zh == "安全模块：安全模块自检失败，请联系维护人员。请联系维护人员处理")
        #expect(await rig.device.status().sam == .error)
    }

    @Test func externalHealthCheckReadsTheCardAndShowsOnlyTypeAndMaskedNumber() async throws {
        let rig = try SimulatedRig()
        let empty = await rig.device.healthCheck(.external)
        #expect(!empty.passed)
        #expect(empty.steps.first?.detail == "no card on the reader (Selecting the card failed.)")
        // The check says what to do, and its Chinese has no English in it.
        #expect(empty.text.en == "check failed: test read: there is no card on the reader; place a test card and run the check again")
        #expect(empty.text.zh == "检查未通过：测试读卡：读卡区没有证件，请放置一张测试证件后再检查")

        try await rig.reader.present("resident")
        let result = await rig.device.healthCheck(.external)
        #expect(result.passed)
        #expect(result.steps.map(\.detail) == ["resident, 110101********0019"])
        #expect(result.steps.first?.message.zh == "测试读卡：已读出居民身份证，号码 110101********0019")
        #expect(!result.text.en.contains("测试甲"))
        try await rig.reader.present("permanent-residence-2017")
        #expect(await rig.device.healthCheck(.external).steps.first?.detail == "permanentResidence2017, USA**********01")
    }

    @Test func claimsAreExclusive() async throws {
        let rig = try SimulatedRig()
        try await rig.device.claim(owner: "session-1")
        await #expect(throws: DeviceFault.claimed(by: "session-1")) { try await rig.device.claim(owner: "diagnostics") }
        await rig.device.release(owner: "session-1")
        try await rig.device.claim(owner: "diagnostics")
    }

    @Test func theEventDescriptionShowsNoPersonalData() async throws {
        let rig = try SimulatedRig()
        try await rig.reader.present("resident")
        let event = try #require(await rig.poll(2).first)
        #expect(event.description == "cardPresented(resident(name: 测**, number: 110101********0019), checkFailures: [])")
    }

    @Test func theProviderRunsTheLoopAndMeasuresPresentToEvent() async throws {
        let reader = SimulatedReader(fixtures: try loadFixtures())
        let provider = SimulatedReaderProvider(
            reader: reader, configuration: .init(pollInterval: .milliseconds(10)), statistics: InMemoryStatisticsStore(),
            logger: Logger(label: "test"))
        #expect(await provider.discover().map(\.info.id) == ["idcard-simulated"])
        let events = await provider.device.cardEvents.subscribe()
        let loop = Task { try await provider.run() }
        let clock = ContinuousClock()
        try await reader.present("permanent-residence-2023")
        let start = clock.now
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        let elapsed = clock.now - start
        #expect(first?.summary == "presented:permanentResidence2023:")
        print("simulated reader, poll interval 10 ms: card presented → cardPresented in \(elapsed)")
        loop.cancel()
        try await loop.value
        #expect(await provider.device.state() == .closed)
    }
}

/// A reader the operating system refuses to the kiosk user reports `deviceAccessDenied`, the
/// printer's fault for the same condition, not a bare "offline"; the log keeps libusb's `access`.
@Suite struct ReaderAccessDeniedTests {
    @Test func noPermissionIsDeviceAccessDeniedAndTheCheckSaysWhatToDo() async throws {
        let device = CardReaderDevice(
            info: DeviceInfo(id: "reader-denied", kind: .idCardReader, connection: "usb:0400:c35a"),
            statistics: InMemoryStatisticsStore(), logger: Logger(label: "test"), today: { today }
        ) { () throws(ReaderLinkError) -> any ReaderConnection in
            throw ReaderLinkError(USBError(.access, operation: .open, libusbName: "LIBUSB_ERROR_ACCESS"))
        }
        let events = await collect(device.deviceEvents) { await device.poll() }
        #expect(events.contains(.fault(deviceID: "reader-denied", .accessDenied)))
        #expect(await device.state() == .offline)
        let check = await device.healthCheck(.internal)
        #expect(check.steps.map(\.name) == ["connection"])
        #expect(check.text.zh == "检查未通过：连接：没有访问该设备的权限，请检查 udev 规则。请联系维护人员处理")
    }
}
