import IDCard

public enum IDCardBenchmarks {
    public static func run() -> [Figure] {
        let readFrame = ResponseFrame(status: .success, data: readResponseData()).encoded()
        var decoder = FrameDecoder()
        let framesPerSecond = callsPerSecond {
            decoder.feed(readFrame).count
        }
        var splitDecoder = FrameDecoder()
        let splitAt = readFrame.count / 2
        let head = Array(readFrame[..<splitAt])
        let tail = Array(readFrame[splitAt...])
        let splitFramesPerSecond = callsPerSecond {
            splitDecoder.feed(head).count + splitDecoder.feed(tail).count
        }
        let data = readResponseData()
        let cardsPerSecond = callsPerSecond {
            (try? CardData(readResponse: data))?.photo.count ?? 0
        }
        return [
            Figure(name: "idcard.frameDecode.readTextAndPhoto", value: framesPerSecond, unit: "frames/s", target: "≥ 1000000/s"),
            Figure(name: "idcard.frameDecode.readTextAndPhoto.splitInTwo", value: splitFramesPerSecond, unit: "frames/s"),
            Figure(name: "idcard.cardDataDecode.resident", value: cardsPerSecond, unit: "cards/s"),
        ]
    }

    /// A resident card read response: lengths, a 256-byte UCS-2LE text block, a 1024-byte photo.
    private static func readResponseData() -> [UInt8] {
        func field(_ text: String, _ length: Int) -> [UInt8] {
            let bytes = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
            return bytes + Array(repeating: 0, count: length - bytes.count).enumerated().map { $0.offset % 2 == 0 ? 0x20 : 0x00 }
        }
        let text = field("张三", 30) + field("1", 2) + field("01", 4) + field("19491231", 16)
            + field("北京市朝阳区某某路1号", 70) + field("110105194912310011", 36) + field("北京市公安局朝阳分局", 30)
            + field("20200101", 16) + field("20400101", 16) + field("", 36)
        let photo = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        return [0x01, 0x00, 0x04, 0x00] + text + photo
    }
}
