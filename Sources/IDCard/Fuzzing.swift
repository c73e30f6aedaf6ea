/// libFuzzer entry point for everything that parses reader output: the first byte picks how
/// the rest is cut into reads, every frame found is decoded as card data, SAM identifier and
/// appended address, and driven through a `ReaderSession`. Any crash or hang is a bug.
public func fuzzFrameDecoder(_ bytes: UnsafeRawBufferPointer) {
    guard let first = bytes.first else { return }
    let stream = UnsafeRawBufferPointer(rebasing: bytes[1...])
    var decoder = FrameDecoder(maximumLength: first & 0x80 == 0 ? FrameDecoder.defaultMaximumLength : 64)
    var session = ReaderSession(configuration: .init(readsAppendedAddress: first & 0x40 != 0))
    let chunkSizes = [1, 2, 3, 7, 64, 1295, stream.count]
    var chunkIndex = Int(first & 0x3F)
    var offset = 0
    while offset < stream.count {
        let size = max(1, min(chunkSizes[chunkIndex % chunkSizes.count], stream.count - offset))
        chunkIndex += 1
        for result in decoder.feed(UnsafeRawBufferPointer(rebasing: stream[offset..<(offset + size)])) {
            switch result {
            case .success(let frame):
                if let card = try? CardData(readResponse: frame.data) {
                    _ = card.description
                    _ = card.text.checkFailures(today: CardDate(year: 2026, month: 1, day: 1)!)
                    _ = card.addingAppendedAddresses(from: frame.data).appendedAddresses.count
                }
                _ = try? SAMIdentifier(responseData: frame.data)
                _ = session.next(.tick)
                _ = session.next(.response(frame))
            case .failure(let error):
                _ = session.next(.frameError(error))
            }
        }
        precondition(decoder.pendingByteCount < decoder.maximumLength + Frame.headerLength, "decoder grew without bound")
        offset += size
    }
}
