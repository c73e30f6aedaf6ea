/// Spoken screens already made, by text, voice and rate: a screen read twice (or by the next
/// citizen) is answered without synthesising again. Bounded by bytes; the oldest use goes first.
public actor SpeechCache {
    public struct Key: Hashable, Sendable {
        public let text: String
        public let voice: SpeechVoice
        public let rate: SpeechRate

        public init(text: String, voice: SpeechVoice, rate: SpeechRate) {
            self.text = text
            self.voice = voice
            self.rate = rate
        }
    }

    private let synthesizer: any SpeechSynthesizer
    private let maxBytes: Int
    private var entries: [Key: (wav: [UInt8], lastUse: UInt64)] = [:]
    private var bytes = 0
    private var uses: UInt64 = 0
    /// Syntheses in flight, so two requests for the same screen make it once.
    private var pending: [Key: Task<[UInt8], any Error>] = [:]

    public init(synthesizer: any SpeechSynthesizer, maxBytes: Int = 32 << 20) {
        self.synthesizer = synthesizer
        self.maxBytes = maxBytes
    }

    public var count: Int { entries.count }

    /// The WAV file of `key`, synthesised once.
    public func wav(for key: Key) async throws -> [UInt8] {
        uses += 1
        if let entry = entries[key] {
            entries[key]?.lastUse = uses
            return entry.wav
        }
        if let task = pending[key] { return try await task.value }
        let synthesizer = self.synthesizer
        let task = Task { try await synthesizer.synthesize(key.text, voice: key.voice, rate: key.rate).wav }
        pending[key] = task
        defer { pending[key] = nil }
        let wav = try await task.value
        store(wav, for: key)
        return wav
    }

    private func store(_ wav: [UInt8], for key: Key) {
        guard wav.count <= maxBytes, entries[key] == nil else { return }
        while bytes + wav.count > maxBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            bytes -= oldest.value.wav.count
            entries[oldest.key] = nil
        }
        entries[key] = (wav, uses)
        bytes += wav.count
    }
}
