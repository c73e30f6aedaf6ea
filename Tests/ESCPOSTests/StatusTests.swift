import Testing
@testable import ESCPOS

@Suite struct StatusTests {
    /// 0x12: bits 1 and 4 set, everything else clear — the idle reply to every query.
    static let idle: UInt8 = 0x12

    @Test func idleRepliesDecodeToNothingWrong() throws {
        #expect(try StatusReply.decode(Self.idle, for: .printer)
            == .printer(drawerPin3High: false, offline: false, waitingForOnlineRecovery: false, feedButtonPressed: false))
        #expect(try StatusReply.decode(Self.idle, for: .offlineCause)
            == .offlineCause(coverOpen: false, paperBeingFed: false, stoppedByPaperEnd: false, errorOccurred: false))
        #expect(try StatusReply.decode(Self.idle, for: .errorCause)
            == .errorCause(cutterError: false, unrecoverableError: false, autoRecoverableError: false))
        #expect(try StatusReply.decode(Self.idle, for: .paperRollSensor) == .paperRollSensor(nearEnd: false, paperOut: false))
    }

    @Test(arguments: [
        (UInt8(0x16), StatusReply.printer(drawerPin3High: true, offline: false, waitingForOnlineRecovery: false, feedButtonPressed: false)),
        (0x1A, .printer(drawerPin3High: false, offline: true, waitingForOnlineRecovery: false, feedButtonPressed: false)),
        (0x32, .printer(drawerPin3High: false, offline: false, waitingForOnlineRecovery: true, feedButtonPressed: false)),
        (0x52, .printer(drawerPin3High: false, offline: false, waitingForOnlineRecovery: false, feedButtonPressed: true)),
    ])
    func printerStatusBits(byte: UInt8, expected: StatusReply) throws {
        #expect(try StatusReply.decode(byte, for: .printer) == expected)
    }

    @Test(arguments: [
        (UInt8(0x16), StatusReply.offlineCause(coverOpen: true, paperBeingFed: false, stoppedByPaperEnd: false, errorOccurred: false)),
        (0x1A, .offlineCause(coverOpen: false, paperBeingFed: true, stoppedByPaperEnd: false, errorOccurred: false)),
        (0x32, .offlineCause(coverOpen: false, paperBeingFed: false, stoppedByPaperEnd: true, errorOccurred: false)),
        (0x52, .offlineCause(coverOpen: false, paperBeingFed: false, stoppedByPaperEnd: false, errorOccurred: true)),
    ])
    func offlineCauseBits(byte: UInt8, expected: StatusReply) throws {
        #expect(try StatusReply.decode(byte, for: .offlineCause) == expected)
    }

    @Test(arguments: [
        // Bit 2 is not defined for this reply and is ignored.
        (UInt8(0x16), StatusReply.errorCause(cutterError: false, unrecoverableError: false, autoRecoverableError: false)),
        (0x1A, .errorCause(cutterError: true, unrecoverableError: false, autoRecoverableError: false)),
        (0x32, .errorCause(cutterError: false, unrecoverableError: true, autoRecoverableError: false)),
        (0x52, .errorCause(cutterError: false, unrecoverableError: false, autoRecoverableError: true)),
    ])
    func errorCauseBits(byte: UInt8, expected: StatusReply) throws {
        #expect(try StatusReply.decode(byte, for: .errorCause) == expected)
    }

    @Test(arguments: [
        (UInt8(0x1E), StatusReply.paperRollSensor(nearEnd: true, paperOut: false)),
        (0x16, .paperRollSensor(nearEnd: true, paperOut: false)),
        (0x1A, .paperRollSensor(nearEnd: true, paperOut: false)),
        (0x72, .paperRollSensor(nearEnd: false, paperOut: true)),
        (0x32, .paperRollSensor(nearEnd: false, paperOut: true)),
        (0x52, .paperRollSensor(nearEnd: false, paperOut: true)),
        (0x7E, .paperRollSensor(nearEnd: true, paperOut: true)),
    ])
    func paperRollSensorBits(byte: UInt8, expected: StatusReply) throws {
        #expect(try StatusReply.decode(byte, for: .paperRollSensor) == expected)
    }

    @Test(arguments: [UInt8]([0x00, 0xFF, 0x10, 0x02, 0x13, 0x92, 0x93, 0x19, 0x08, 0x41]))
    func malformedRepliesAreCommunicationErrors(byte: UInt8) {
        for kind in StatusQueryKind.allCases {
            #expect(throws: ESCPOSError(.communicationError)) { try StatusReply.decode(byte, for: kind) }
        }
    }

    @Test func queryAsksEachStatusInTurnAndFolds() {
        var query = StatusQuery()
        #expect(query.start() == .send(.printer))
        #expect(query.received(0x1A) == .send(.offlineCause))
        #expect(query.received(0x16) == .send(.errorCause))
        #expect(query.received(0x1A) == .send(.paperRollSensor))
        let expected = PrinterStatus(paper: .nearEnd, cover: .open, cutter: .error, online: false)
        #expect(query.received(0x1E) == .finished(expected))
        #expect(StatusQueryKind.offlineCause.command == hex("10 04 02"))
    }

    @Test func queryFoldsPaperOutAndRecoverableErrors() {
        var query = StatusQuery()
        _ = query.start()
        _ = query.received(0x16)
        _ = query.received(0x32)
        _ = query.received(0x72)
        let expected = PrinterStatus(
            paper: .out, cover: .closed, cutter: .ok, online: true, drawerPin3High: true,
            unrecoverableError: true, autoRecoverableError: true)
        #expect(query.received(0x72) == .finished(expected))
    }

    @Test func queryFailsOnMalformedReplyAndOnUnaskedReply() {
        var query = StatusQuery()
        _ = query.start()
        #expect(query.received(0x12) == .send(.offlineCause))
        #expect(query.received(0xFF) == .failed(ESCPOSError(.communicationError)))
        #expect(query.received(0x12) == .failed(ESCPOSError(.unexpectedStatusReply)))
        var fresh = StatusQuery()
        #expect(fresh.received(0x12) == .failed(ESCPOSError(.unexpectedStatusReply)))
        #expect(fresh.start() == .send(.printer))
    }

    @Test func restartForgetsTheEarlierPoll() {
        var query = StatusQuery()
        _ = query.start()
        _ = query.received(0x1A)
        #expect(query.start() == .send(.printer))
        for byte in [UInt8](repeating: 0x12, count: 3) { _ = query.received(byte) }
        #expect(query.received(0x12) == .finished(PrinterStatus()))
    }
}
