import Testing
@testable import IDCard

@Suite struct FrameTests {
    @Test(arguments: [
        (Command.resetSAM, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x10, 0xFF, 0xEC] as [UInt8]),
        (.samStatus, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED]),
        (.readSAMIdentifier, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x12, 0xFF, 0xEE]),
        (.findCard, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]),
        (.selectCard, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21]),
        (.readTextAndPhoto, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32]),
        (.readTextPhotoAndFingerprint, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23]),
        (.readAppendedAddress, [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x03, 0x30]),
    ])
    func commandFrames(_ command: Command, _ golden: [UInt8]) {
        #expect(command.frame == golden)
        #expect(Command(frame: golden) == command)
    }

    @Test func requestParsingRejectsOtherBytes() {
        #expect(Command(frame: [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x23]) == nil)
        #expect(Command(frame: [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x40, 0x01, 0x42]) == nil)
        #expect(Command(frame: []) == nil)
    }

    @Test(arguments: SAMStatus.allCases)
    func statusFramesWithoutData(_ status: SAMStatus) {
        let golden: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, status.rawValue, 0x04 ^ status.rawValue]
        #expect(ResponseFrame(status: status).encoded() == golden)
        var decoder = FrameDecoder()
        let results = decoder.feed(golden)
        #expect(results == [.success(ResponseFrame(status: status))])
        #expect(results.first.flatMap { try? $0.get().status } == status)
    }

    @Test func findCardAnswerAsReadersSendIt() throws {
        let golden: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x97]
        var decoder = FrameDecoder()
        let frame = try #require(decoder.feed(golden).first).get()
        #expect(frame.status == .cardFound)
        #expect(frame.data == [0, 0, 0, 0])
        #expect(frame.encoded() == golden)
    }

    @Test func readResponseFrameHasTheDocumentedSize() {
        let frame = Fixture.readFrame()
        #expect(frame.count == 1295)
        #expect(Array(frame[0..<10]) == [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x05, 0x08, 0x00, 0x00, 0x90])
    }

    @Test func roundTripsArbitraryPayloads() {
        for length in [0, 1, 7, 8, 9, 255, 256, 1285, 2307] {
            let frame = ResponseFrame(sw1: 0x12, sw2: 0x34, sw3: 0x90, data: (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31 + 5) })
            var decoder = FrameDecoder()
            #expect(decoder.feed(frame.encoded()) == [.success(frame)])
        }
    }

    @Test func checksumMatchesBytewiseXOR() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 17) }
            let expected = bytes.reduce(0, ^)
            #expect(bytes.withUnsafeBytes { Frame.checksum($0) } == expected)
        }
    }

    @Test func statusErrorsCarryMessagesAndActions() throws {
        for status in SAMStatus.allCases {
            if status == .success || status == .cardFound {
                #expect(status.error == nil)
                continue
            }
            let error = try #require(status.error)
            #expect(!error.messageZH.isEmpty && !error.messageEN.isEmpty)
            #expect(error.codeName == "\(status)")
        }
        #expect(SAMStatus.samSelfTestFailed.error?.recommendedAction == .maintenance)
        #expect(SAMStatus.samNotAuthorised.error?.recommendedAction == .maintenance)
        #expect(SAMStatus.commandError.error?.recommendedAction == .reset)
        #expect(SAMStatus.readingFailed.error?.recommendedAction == .retry)
        #expect(SAMStatus.unknownCardType.error?.recommendedAction == .clear)
        #expect(ReaderError(.unknownStatus(0x55)).messageEN.contains("0x55"))
        #expect(SAMStatus.allCases.count == 18)
    }

    @Test func responseDescriptionShowsNoData() {
        let frame = ResponseFrame(status: .success, data: Fixture.readData())
        #expect("\(frame)" == "ResponseFrame(sw3: 90, 1284 data bytes)")
        var dumped = ""
        dump(frame, to: &dumped)
        #expect(!dumped.contains("19491231") && dumped.contains("1284"))
    }

    @Test func samIdentifierFormatting() throws {
        let data: [UInt8] = [0x05, 0x00, 0x01, 0x00, 0x64, 0xB8, 0x32, 0x01, 0x5F, 0x0B, 0xAB, 0x00, 0xA3, 0x28, 0xE7, 0x4B]
        #expect(try SAMIdentifier(responseData: data).description == "05.01-20101220-0011209567-1273440419")
        let edges: [UInt8] = [0x0C, 0x00, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00]
        #expect(try SAMIdentifier(responseData: edges).description == "12.03-00000007-4294967295-0000000000")
        #expect(throws: CardDataError(.wrongIdentifierLength)) { try SAMIdentifier(responseData: Array(data.prefix(15))) }
    }
}
