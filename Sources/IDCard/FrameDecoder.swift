/// Why bytes from the reader were not a frame.
public struct FrameError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// Bytes that were not part of any frame were skipped while looking for a preamble.
        case discardedBytes
        /// A preamble announced a length outside what a response can have.
        case lengthOutOfRange
        /// A complete frame's checksum did not match.
        case checksumMismatch
    }

    public let code: Code
    /// Bytes skipped for `discardedBytes`, the announced length for `lengthOutOfRange`,
    /// the frame's length for `checksumMismatch`.
    public let count: Int

    public init(_ code: Code, count: Int) {
        self.code = code
        self.count = count
    }

    public var recommendedAction: RecommendedAction { .retry }

    public var messageZH: String {
        switch code {
        case .discardedBytes: "丢弃了\(count)个无法识别的字节"
        case .lengthOutOfRange: "数据帧长度\(count)超出范围"
        case .checksumMismatch: "数据帧校验和错误"
        }
    }

    public var messageEN: String {
        switch code {
        case .discardedBytes: "Discarded \(count) unrecognised bytes."
        case .lengthOutOfRange: "Frame length \(count) is out of range."
        case .checksumMismatch: "Frame checksum mismatch."
        }
    }

    public var description: String { "FrameError.\(code.rawValue): \(messageEN)" }
}

/// Finds response frames in the byte stream from a reader, however the stream is cut into
/// reads. After a bad length or checksum it resumes the search one byte after the rejected
/// preamble, so a truncated frame costs only itself, not the frame that follows it.
///
/// It keeps at most one incomplete frame between calls (`maximumLength` + 6 bytes).
public struct FrameDecoder: Sendable {
    /// The longest response of GA 467 is text, photo and fingerprint: 2314 bytes after the
    /// length field. Anything much longer is line noise that happens to start with a preamble.
    public static let defaultMaximumLength = 4096

    public let maximumLength: Int
    private var pending: [UInt8] = []

    public init(maximumLength: Int = FrameDecoder.defaultMaximumLength) {
        self.maximumLength = min(max(maximumLength, Frame.minimumResponseLength), Int(UInt16.max))
    }

    /// Bytes held back waiting for the rest of a frame.
    public var pendingByteCount: Int { pending.count }

    /// Forgets a partial frame, e.g. after a response timeout.
    public mutating func reset() {
        pending.removeAll(keepingCapacity: true)
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [Result<ResponseFrame, FrameError>] {
        let direct = bytes.withContiguousStorageIfAvailable { buffer in
            feed(UnsafeRawBufferPointer(buffer))
        }
        if let direct { return direct }
        return Array(bytes).withUnsafeBytes { feed($0) }
    }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [Result<ResponseFrame, FrameError>] {
        var results: [Result<ResponseFrame, FrameError>] = []
        if pending.isEmpty {
            // Fast path: a whole response in one read is parsed in place, without copying.
            let consumed = Self.scan(bytes, maximumLength: maximumLength, into: &results)
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
        } else {
            pending.append(contentsOf: bytes)
            let consumed = pending.withUnsafeBytes { Self.scan($0, maximumLength: maximumLength, into: &results) }
            pending.removeFirst(consumed)
        }
        return results
    }

    /// Appends every frame and error found in `bytes`; returns how many bytes are settled.
    /// The unsettled rest is a possible frame start waiting for more bytes.
    private static func scan(
        _ bytes: UnsafeRawBufferPointer,
        maximumLength: Int,
        into results: inout [Result<ResponseFrame, FrameError>]
    ) -> Int {
        var index = 0
        var discarded = 0
        func flushDiscarded() {
            if discarded > 0 {
                results.append(.failure(FrameError(.discardedBytes, count: discarded)))
                discarded = 0
            }
        }
        while index < bytes.count {
            let available = bytes.count - index
            let comparable = min(available, Frame.preamble.count)
            var isPreamble = true
            for offset in 0..<comparable where bytes[index + offset] != Frame.preamble[offset] {
                isPreamble = false
                break
            }
            guard isPreamble else {
                discarded += 1
                index += 1
                continue
            }
            guard available >= Frame.headerLength else { break }
            let length = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
            guard length >= Frame.minimumResponseLength, length <= maximumLength else {
                flushDiscarded()
                results.append(.failure(FrameError(.lengthOutOfRange, count: length)))
                index += 1
                continue
            }
            guard available >= Frame.headerLength + length else { break }
            let checked = UnsafeRawBufferPointer(rebasing: bytes[(index + 5)..<(index + Frame.headerLength + length - 1)])
            guard Frame.checksum(checked) == bytes[index + Frame.headerLength + length - 1] else {
                flushDiscarded()
                results.append(.failure(FrameError(.checksumMismatch, count: length)))
                index += 1
                continue
            }
            flushDiscarded()
            let payload = index + Frame.headerLength
            let data = Array(UnsafeRawBufferPointer(rebasing: bytes[(payload + 3)..<(payload + length - 1)]))
            results.append(.success(ResponseFrame(
                sw1: bytes[payload], sw2: bytes[payload + 1], sw3: bytes[payload + 2], data: data)))
            index = payload + length
        }
        flushDiscarded()
        return index
    }
}
