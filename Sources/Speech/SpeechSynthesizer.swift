/// A voice the terminal speaks in. Only these two are offered: the screen's languages.
public enum SpeechVoice: String, Sendable, CaseIterable, Hashable {
    /// Mandarin (espeak-ng `cmn`), for the zh-CN screen.
    case mandarin = "cmn"
    /// English (espeak-ng `en`), for the en screen.
    case english = "en"
}

/// How fast a voice speaks, in words per minute; slower for the elderly, never so fast or slow
/// that the speech stops being speech.
public struct SpeechRate: Sendable, Hashable {
    public static let range = 80...260
    public static let normal = SpeechRate(unchecked: 160)

    public let wordsPerMinute: Int

    public init?(wordsPerMinute: Int) {
        guard Self.range.contains(wordsPerMinute) else { return nil }
        self.wordsPerMinute = wordsPerMinute
    }

    private init(unchecked wordsPerMinute: Int) { self.wordsPerMinute = wordsPerMinute }
}

/// Turns a text into audio. The one implementation on a terminal is libespeak-ng's
/// (`ESpeakSynthesis`); tests of the routes may hand in another.
public protocol SpeechSynthesizer: Sendable {
    /// 16-bit mono PCM samples of `text` spoken by `voice` at `rate`, and their sample rate.
    func synthesize(_ text: String, voice: SpeechVoice, rate: SpeechRate) async throws -> PCMAudio
}

/// Mono 16-bit PCM samples at `sampleRate` samples per second.
public struct PCMAudio: Sendable, Equatable {
    public var samples: [Int16]
    public var sampleRate: Int

    public init(samples: [Int16], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    public var seconds: Double { Double(samples.count) / Double(sampleRate) }

    /// The audio as a RIFF/WAVE file (PCM, mono, 16-bit little-endian): what every browser plays.
    public var wav: [UInt8] {
        let dataBytes = samples.count * 2
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44 + dataBytes)
        func append(_ text: String) { bytes += Array(text.utf8) }
        func append32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes += $0 } }
        func append16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes += $0 } }
        append("RIFF"); append32(36 + dataBytes); append("WAVE")
        append("fmt "); append32(16); append16(1); append16(1)
        append32(sampleRate); append32(sampleRate * 2); append16(2); append16(16)
        append("data"); append32(dataBytes)
        #if _endian(little)
        samples.withUnsafeBytes { bytes += $0 }
        #else
        for sample in samples { withUnsafeBytes(of: sample.littleEndian) { bytes += $0 } }
        #endif
        return bytes
    }
}

/// Why speech could not be made; the text itself is never part of the description.
public struct SpeechError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case engineUnavailable, voiceUnavailable, synthesisFailed
    }

    public let code: Code
    /// espeak-ng's status number, when the library returned one.
    public let status: Int32?

    public init(_ code: Code, status: Int32? = nil) {
        self.code = code
        self.status = status
    }

    public var description: String { "speech \(code.rawValue)" + (status.map { " (espeak-ng status \($0))" } ?? "") }
}
