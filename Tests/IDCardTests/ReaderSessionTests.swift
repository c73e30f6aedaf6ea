import Testing
@testable import IDCard

@Suite struct ReaderSessionTests {
    let cardFound = ResponseFrame(status: .cardFound, data: [0, 0, 0, 0])
    let success = ResponseFrame(status: .success)
    let findFailed = ResponseFrame(status: .findCardFailed)
    let selectFailed = ResponseFrame(status: .selectCardFailed)
    let read = ResponseFrame(status: .success, data: Fixture.readData())

    func ready(_ configuration: ReaderSession.Configuration = .init()) -> ReaderSession {
        var session = ReaderSession(configuration: configuration)
        _ = session.next(.tick)
        _ = session.next(.response(success))
        return session
    }

    @Test func startsWithASAMCheck() {
        var session = ReaderSession()
        #expect(session.next(.tick) == .send(.samStatus))
        #expect(session.next(.tick) == .none)
        #expect(session.next(.response(success)) == .notify(.samReady))
        #expect(session.state == .noCard)
    }

    @Test func findSelectReadPresent() throws {
        var session = ready()
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.response(cardFound)) == .send(.selectCard))
        #expect(session.next(.response(success)) == .send(.readTextAndPhoto))
        let card = try CardData(readResponse: Fixture.readData())
        #expect(session.next(.response(read)) == .notify(.cardPresented(card)))
        #expect(session.state == .cardPresent(presented: true))
    }

    @Test func noCardKeepsPolling() {
        var session = ready()
        for _ in 0..<3 {
            #expect(session.next(.tick) == .send(.findCard))
            #expect(session.next(.response(findFailed)) == .none)
            #expect(session.state == .noCard)
        }
    }

    @Test func presentCardIsNotReadAgainAndRemovalIsAnnounced() {
        var session = ready()
        for event in [ReaderSession.Event.tick, .response(cardFound), .response(success), .response(read)] {
            _ = session.next(event)
        }
        // Still there, answering find.
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.response(cardFound)) == .none)
        // Still there, halted: find fails but select succeeds.
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.response(findFailed)) == .send(.selectCard))
        #expect(session.next(.response(success)) == .none)
        #expect(session.state == .cardPresent(presented: true))
        // Gone.
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.response(findFailed)) == .send(.selectCard))
        #expect(session.next(.response(selectFailed)) == .notify(.cardRemoved))
        #expect(session.state == .noCard)
    }

    @Test func failedReadWaitsForTheCardToBePlacedAgain() {
        var session = ready()
        _ = session.next(.tick)
        _ = session.next(.response(cardFound))
        _ = session.next(.response(success))
        #expect(session.next(.response(ResponseFrame(status: .readingFailed))) == .notify(.readFailed(ReaderError(.status(.readingFailed)))))
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.response(findFailed)) == .send(.selectCard))
        #expect(session.next(.response(selectFailed)) == .none) // never presented, so no removal
        #expect(session.state == .noCard)
    }

    @Test func malformedReadData() {
        var session = ready()
        _ = session.next(.tick)
        _ = session.next(.response(cardFound))
        _ = session.next(.response(success))
        #expect(session.next(.response(ResponseFrame(status: .success, data: [1, 2, 3]))) == .notify(.readFailed(ReaderError(.malformedData))))
    }

    @Test func fingerprintAndAppendedAddress() throws {
        var session = ready(.init(readsFingerprint: true, readsAppendedAddress: true))
        _ = session.next(.tick)
        _ = session.next(.response(cardFound))
        #expect(session.next(.response(success)) == .send(.readTextPhotoAndFingerprint))
        #expect(session.next(.response(ResponseFrame(status: .success, data: Fixture.readDataWithFingerprint()))) == .send(.readAppendedAddress))
        let address = Fixture.ucs2("上海市浦东新区某某路3号", 70)
        guard case .notify(.cardPresented(let card)) = session.next(.response(ResponseFrame(status: .success, data: address))) else {
            Issue.record("card not presented")
            return
        }
        #expect(card.appendedAddresses == ["上海市浦东新区某某路3号"])
        #expect(card.fingerprint == Fixture.fingerprint)
    }

    @Test func noAppendedAddressStillPresents() throws {
        var session = ready(.init(readsAppendedAddress: true))
        _ = session.next(.tick)
        _ = session.next(.response(cardFound))
        _ = session.next(.response(success))
        _ = session.next(.response(read))
        let card = try CardData(readResponse: Fixture.readData())
        #expect(session.next(.response(ResponseFrame(status: .itemEmpty))) == .notify(.cardPresented(card)))
    }

    @Test func samFaultBacksOffThenRechecks() {
        var session = ready(.init(backOffTicks: 3))
        _ = session.next(.tick)
        #expect(session.next(.response(ResponseFrame(status: .samSelfTestFailed))) == .notify(.samFault(ReaderError(.status(.samSelfTestFailed)))))
        #expect(session.state == .backingOff(remainingTicks: 3))
        #expect(session.next(.tick) == .none)
        #expect(session.next(.tick) == .none)
        #expect(session.next(.tick) == .send(.samStatus))
        #expect(session.next(.response(success)) == .notify(.samReady))
    }

    @Test func failedSAMStatusIsAFault() {
        var session = ReaderSession()
        _ = session.next(.tick)
        #expect(session.next(.response(ResponseFrame(status: .findCardFailed))) == .notify(.samFault(ReaderError(.status(.findCardFailed)))))
    }

    @Test func unknownStatusIsAFault() {
        var session = ready()
        _ = session.next(.tick)
        #expect(session.next(.response(ResponseFrame(sw3: 0x55))) == .notify(.samFault(ReaderError(.unknownStatus(0x55)))))
    }

    @Test func repeatedTimeoutsBecomeAFault() {
        var session = ready(.init(communicationFailureLimit: 3))
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.responseTimeout) == .none)
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.frameError(FrameError(.checksumMismatch, count: 8))) == .none)
        #expect(session.next(.tick) == .send(.findCard))
        #expect(session.next(.responseTimeout) == .notify(.samFault(ReaderError(.noResponse))))
        #expect(session.state == .backingOff(remainingTicks: 10))
    }

    @Test func aGoodResponseResetsTheFailureCount() {
        var session = ready(.init(communicationFailureLimit: 2))
        _ = session.next(.tick)
        _ = session.next(.responseTimeout)
        _ = session.next(.tick)
        _ = session.next(.response(findFailed))
        _ = session.next(.tick)
        #expect(session.next(.responseTimeout) == .none)
    }

    @Test func timeoutDuringReadFailsTheRead() {
        var session = ready()
        _ = session.next(.tick)
        _ = session.next(.response(cardFound))
        _ = session.next(.response(success))
        #expect(session.next(.responseTimeout) == .notify(.readFailed(ReaderError(.noResponse))))
        #expect(session.state == .cardPresent(presented: false))
    }

    @Test func unsolicitedFramesAndErrorsAreIgnored() {
        var session = ready()
        #expect(session.next(.response(ResponseFrame(status: .samSelfTestFailed))) == .none)
        #expect(session.next(.responseTimeout) == .none)
        #expect(session.state == .noCard)
    }
}
