import Testing
@testable import IDCard

@Suite struct FrameDecoderTests {
    let find: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x08, 0x00, 0x00, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x97]
    let success: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94]

    @Test func readFrameSplitAtEveryPoint() throws {
        let frame = Fixture.readFrame()
        let expected = ResponseFrame(status: .success, data: Fixture.readData())
        for split in 0...frame.count {
            var decoder = FrameDecoder()
            let results = decoder.feed(frame[..<split]) + decoder.feed(frame[split...])
            #expect(results == [.success(expected)], "split at \(split)")
            #expect(decoder.pendingByteCount == 0)
        }
    }

    @Test func twoFramesSplitAtEveryPointOfEveryPair() {
        let stream = find + success
        for first in 0...stream.count {
            for second in first...stream.count {
                var decoder = FrameDecoder()
                let results = decoder.feed(stream[..<first]) + decoder.feed(stream[first..<second]) + decoder.feed(stream[second...])
                #expect(results == [.success(ResponseFrame(status: .cardFound, data: [0, 0, 0, 0])),
                                    .success(ResponseFrame(status: .success))], "splits \(first), \(second)")
            }
        }
    }

    @Test func byteByByte() {
        var decoder = FrameDecoder()
        var results: [Result<ResponseFrame, FrameError>] = []
        for byte in find + success { results += decoder.feed([byte]) }
        #expect(results.count == 2)
        #expect(results.allSatisfy { (try? $0.get()) != nil })
    }

    @Test func twoFramesInOneRead() {
        var decoder = FrameDecoder()
        #expect(decoder.feed(success + find) == [
            .success(ResponseFrame(status: .success)),
            .success(ResponseFrame(status: .cardFound, data: [0, 0, 0, 0])),
        ])
    }

    @Test func junkBeforeThePreambleIsReportedAndSkipped() {
        var decoder = FrameDecoder()
        #expect(decoder.feed([0x00, 0xAA, 0x13, 0xAA, 0xAA] + success) == [
            .failure(FrameError(.discardedBytes, count: 5)),
            .success(ResponseFrame(status: .success)),
        ])
    }

    @Test func partialPreambleAtTheEndWaits() {
        var decoder = FrameDecoder()
        #expect(decoder.feed([0x01, 0xAA, 0xAA]) == [.failure(FrameError(.discardedBytes, count: 1))])
        #expect(decoder.pendingByteCount == 2)
        #expect(decoder.feed(Array(success.dropFirst(2))) == [.success(ResponseFrame(status: .success))])
    }

    @Test func lengthTooShortOrTooLong() {
        var decoder = FrameDecoder(maximumLength: 100)
        let short: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x00, 0x00, 0x03]
        #expect(decoder.feed(short + success) == [
            .failure(FrameError(.lengthOutOfRange, count: 3)),
            .failure(FrameError(.discardedBytes, count: 9)),
            .success(ResponseFrame(status: .success)),
        ])
        let long: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x65]
        #expect(decoder.feed(long + success) == [
            .failure(FrameError(.lengthOutOfRange, count: 101)),
            .failure(FrameError(.discardedBytes, count: 6)),
            .success(ResponseFrame(status: .success)),
        ])
    }

    @Test func wrongChecksumThenAGoodFrame() {
        var corrupted = find
        corrupted[12] ^= 0x40
        var decoder = FrameDecoder()
        #expect(decoder.feed(corrupted + success) == [
            .failure(FrameError(.checksumMismatch, count: 8)),
            .failure(FrameError(.discardedBytes, count: 14)),
            .success(ResponseFrame(status: .success)),
        ])
    }

    @Test func truncatedFrameDoesNotSwallowTheNextOne() {
        // The reader dropped the tail of a read; the decoder waits for the announced length,
        // fails the checksum, and finds the next frame inside the bytes it held.
        let truncated = Array(Fixture.readFrame().prefix(600))
        var decoder = FrameDecoder()
        var results = decoder.feed(truncated)
        #expect(results.isEmpty)
        results = decoder.feed(success + Array(repeating: 0x00, count: 700))
        #expect(results.contains(.success(ResponseFrame(status: .success))))
        #expect(results.first == .failure(FrameError(.checksumMismatch, count: 1288)))
        #expect(decoder.pendingByteCount == 0)
    }

    @Test func everySingleByteCorruptionIsDetectedOrHarmless() {
        let frame = Fixture.readFrame()
        let expected = ResponseFrame(status: .success, data: Fixture.readData())
        for index in stride(from: 0, to: frame.count, by: 7) {
            var corrupted = frame
            corrupted[index] ^= 0x5A
            var decoder = FrameDecoder()
            let results = decoder.feed(corrupted + success)
            #expect(!results.contains(.success(expected)), "corruption at \(index) went unnoticed")
            if index >= 7 {
                #expect(results.last == .success(ResponseFrame(status: .success)), "no resync after \(index)")
            }
        }
    }

    @Test func pendingBytesStayBounded() {
        var decoder = FrameDecoder(maximumLength: 64)
        let announcing: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x40]
        for _ in 0..<200 {
            _ = decoder.feed(announcing + Array(repeating: 0xAA, count: 13))
            #expect(decoder.pendingByteCount < 64 + Frame.headerLength)
        }
        for _ in 0..<1000 {
            _ = decoder.feed(Array(repeating: 0xAA, count: 97))
            #expect(decoder.pendingByteCount <= 4)
        }
    }

    @Test func resetForgetsAPartialFrame() {
        var decoder = FrameDecoder()
        _ = decoder.feed(Array(find.prefix(9)))
        #expect(decoder.pendingByteCount == 9)
        decoder.reset()
        #expect(decoder.pendingByteCount == 0)
        #expect(decoder.feed(success) == [.success(ResponseFrame(status: .success))])
    }

    @Test func fuzzEntryPointSurvivesHostileInput() {
        var inputs: [[UInt8]] = [[], [0x00], [0xFF] + Fixture.readFrame(), [0x41] + Fixture.readFrame() + find]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(seed % 3000) {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(seed >> 60 == 0 ? 0xAA : UInt8(truncatingIfNeeded: seed >> 33))
            }
            inputs.append(bytes)
        }
        for input in inputs {
            input.withUnsafeBytes { fuzzFrameDecoder($0) }
        }
    }
}
