import Testing
import ESCPOS

@Suite struct IdentityQueryTests {
    static func answer(_ text: String) -> [UInt8] { [0x5F] + Array(text.utf8) + [0x00] }

    @Test func asksManufacturerModelAndFirmwareAndKeepsTheAnswers() {
        var query = IdentityQuery()
        #expect(query.start() == .send([0x1D, 0x49, 66]))
        #expect(query.received(Self.answer("EPSON")) == .send([0x1D, 0x49, 67]))
        #expect(query.received(Self.answer("TM-T88VI")) == .send([0x1D, 0x49, 65]))
        #expect(query.received(Self.answer("30.01 ESC/POS")) == .finished(
            PrinterIdentity(manufacturer: "EPSON", model: "TM-T88VI", firmware: "30.01 ESC/POS")))
    }

    /// A reply split over two reads, with a stale status byte before its header and padding spaces.
    @Test func aSplitReplyAfterAStaleByteIsReadWhole() {
        var query = IdentityQuery()
        _ = query.start()
        #expect(query.received([0x12, 0x5F, 0x20, 0x5A, 0x4A]) == .receive)
        #expect(query.received([0x20, 0x00]) == .send([0x1D, 0x49, 67]))
        #expect(query.timedOut() == .send([0x1D, 0x49, 65]))
        #expect(query.timedOut() == .finished(PrinterIdentity(manufacturer: "ZJ")))
    }

    /// A printer that ignores GS I costs one timeout: the other questions are not asked.
    @Test func aPrinterThatDoesNotAnswerTheFirstQuestionIsNotAskedTheRest() {
        var query = IdentityQuery()
        _ = query.start()
        let end = query.timedOut()
        #expect(end == .finished(PrinterIdentity()))
        if case .finished(let identity) = end { #expect(identity.isEmpty) }
    }

    /// Control bytes or a reply longer than any identity are not kept.
    @Test func garbageIsNotAnIdentity() {
        var query = IdentityQuery()
        _ = query.start()
        #expect(query.received([0x5F, 0x41, 0x07, 0x42, 0x00]) == .send([0x1D, 0x49, 67]))
        #expect(query.received([0x5F] + Array(repeating: 0x41, count: 100)) == .send([0x1D, 0x49, 65]))
        #expect(query.received(Self.answer("1.0")) == .finished(PrinterIdentity(firmware: "1.0")))
    }
}
