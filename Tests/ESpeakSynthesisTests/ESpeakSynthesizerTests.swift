import ESpeakSynthesis
import KioskTesting
import Speech
import Testing

@Suite("libespeak-ng speaks the screen's languages")
struct ESpeakSynthesizerTests {
    let synthesizer: ESpeakSynthesizer

    init() throws {
        synthesizer = try ESpeakSynthesizer.shared.get()
    }

    @Test func mandarinIsAudibleSpeechOfPlausibleLength() async throws {
        let text = "第一步：企业名称。请填写拟设立企业的名称。"
        let wav = try await synthesizer.synthesize(text, voice: .mandarin, rate: .normal).wav
        let stat = try await SoxStat.measure(wav: wav)
        // 20 syllables: well over a second, well under twenty.
        #expect(stat.seconds > 1.5 && stat.seconds < 20, "length \(stat.seconds) s")
        #expect(stat.rmsAmplitude > 0.02, "rms \(stat.rmsAmplitude)")
        #expect(stat.maximumAmplitude > 0.2)
    }

    @Test func englishIsAudibleSpeechOfPlausibleLength() async throws {
        let text = "Step one: the company's name. Enter the name of the company you are founding."
        let wav = try await synthesizer.synthesize(text, voice: .english, rate: .normal).wav
        let stat = try await SoxStat.measure(wav: wav)
        #expect(stat.seconds > 2 && stat.seconds < 20, "length \(stat.seconds) s")
        #expect(stat.rmsAmplitude > 0.02, "rms \(stat.rmsAmplitude)")
    }

    @Test func aSlowerRateSpeaksLonger() async throws {
        let text = "Please place your identity card on the reader."
        let slow = try await synthesizer.synthesize(text, voice: .english, rate: try #require(SpeechRate(wordsPerMinute: 90)))
        let fast = try await synthesizer.synthesize(text, voice: .english, rate: try #require(SpeechRate(wordsPerMinute: 240)))
        #expect(slow.seconds > fast.seconds * 1.5, "slow \(slow.seconds) s, fast \(fast.seconds) s")
    }

    @Test func concurrentRequestsAreSerialisedAndEachGetsItsOwnSpeech() async throws {
        let synthesizer = self.synthesizer
        let texts = ["一", "Two words", "第三句话比前两句长得多，需要更多的时间来朗读。", "Four"]
        let lengths = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for (index, text) in texts.enumerated() {
                group.addTask {
                    let voice: SpeechVoice = text.unicodeScalars.first!.value > 0x2E80 ? .mandarin : .english
                    return (index, try await synthesizer.synthesize(text, voice: voice, rate: .normal).samples.count)
                }
            }
            var lengths = [Int](repeating: 0, count: texts.count)
            for try await (index, count) in group { lengths[index] = count }
            return lengths
        }
        // Samples of one synthesis never land in another's buffer.
        #expect(lengths[2] > lengths[0] * 3)
        #expect(lengths.allSatisfy { $0 > 0 })
    }
}

@Suite("Speech is cached by text, voice and rate")
struct SpeechCacheTests {
    actor CountingSynthesizer: SpeechSynthesizer {
        var calls: [String] = []
        func synthesize(_ text: String, voice: SpeechVoice, rate: SpeechRate) -> PCMAudio {
            calls.append("\(voice.rawValue):\(rate.wordsPerMinute):\(text)")
            return PCMAudio(samples: [Int16](repeating: 100, count: text.utf8.count * 100), sampleRate: 22050)
        }
    }

    @Test func theSameScreenIsSynthesisedOnceAndAnotherRateAgain() async throws {
        let counting = CountingSynthesizer()
        let cache = SpeechCache(synthesizer: counting)
        let key = SpeechCache.Key(text: "企业名称", voice: .mandarin, rate: .normal)
        let first = try await cache.wav(for: key)
        let second = try await cache.wav(for: key)
        #expect(first == second)
        _ = try await cache.wav(for: .init(text: "企业名称", voice: .mandarin, rate: try #require(SpeechRate(wordsPerMinute: 100))))
        _ = try await cache.wav(for: .init(text: "企业名称", voice: .english, rate: .normal))
        #expect(await counting.calls.count == 3)
    }

    @Test func theOldestUseIsDroppedWhenFull() async throws {
        let counting = CountingSynthesizer()
        // Each text of 4 bytes makes 800 bytes of samples plus the header: room for two.
        let cache = SpeechCache(synthesizer: counting, maxBytes: 1_800)
        for text in ["aaaa", "bbbb", "aaaa", "cccc", "aaaa", "bbbb"] {
            _ = try await cache.wav(for: .init(text: text, voice: .english, rate: .normal))
        }
        // aaaa stays (used last before cccc), bbbb was dropped for cccc and made again.
        #expect(await counting.calls.map { $0.split(separator: ":").last! } == ["aaaa", "bbbb", "cccc", "bbbb"])
        #expect(await cache.count == 2)
    }

    @Test func aWAVHeaderDescribesItsSamples() {
        let audio = PCMAudio(samples: [0, 1000, -1000, 0], sampleRate: 22050)
        let wav = audio.wav
        #expect(wav.count == 44 + 8)
        #expect(Array(wav[0..<4]) == Array("RIFF".utf8) && Array(wav[8..<12]) == Array("WAVE".utf8))
        #expect(wav[24] == 0x22 && wav[25] == 0x56) // 22050 little-endian
        #expect(Array(wav[46..<48]) == [0xE8, 0x03])
    }
}
