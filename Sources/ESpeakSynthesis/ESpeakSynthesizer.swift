import CESpeakNG
import Dispatch
import Speech

/// libespeak-ng as the terminal's voice. The library keeps one global state per process and is
/// not thread-safe, so there is exactly one synthesizer (`shared`) and it is an actor: syntheses
/// run one after another. The actor runs on a serial queue of its own, because a synthesis is
/// blocking CPU work that must not hold a thread of the cooperative pool.
public actor ESpeakSynthesizer: SpeechSynthesizer {
    /// The process's synthesizer, or why libespeak-ng could not start (no data directory).
    public static let shared: Result<ESpeakSynthesizer, SpeechError> = {
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nil, Int32(espeakINITIALIZE_DONT_EXIT))
        guard rate > 0 else { return .failure(SpeechError(.engineUnavailable, status: rate)) }
        espeak_SetSynthCallback(collect)
        return .success(ESpeakSynthesizer(sampleRate: Int(rate)))
    }()

    private nonisolated let executor = QueueExecutor(label: "kiosk.espeak-ng")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public nonisolated let sampleRate: Int
    private var voice: SpeechVoice?

    private init(sampleRate: Int) { self.sampleRate = sampleRate }

    public func synthesize(_ text: String, voice: SpeechVoice, rate: SpeechRate) throws -> PCMAudio {
        if self.voice != voice {
            let status = espeak_SetVoiceByName(voice.rawValue)
            guard status == EE_OK else { throw SpeechError(.voiceUnavailable, status: Int32(status.rawValue)) }
            self.voice = voice
        }
        let rateStatus = espeak_SetParameter(espeakRATE, Int32(rate.wordsPerMinute), 0)
        guard rateStatus == EE_OK else { throw SpeechError(.synthesisFailed, status: Int32(rateStatus.rawValue)) }
        let sink = SampleSink()
        let status = withExtendedLifetime(sink) {
            text.withCString { pointer in
                espeak_Synth(pointer, text.utf8.count + 1, 0, POS_CHARACTER, 0, UInt32(espeakCHARS_UTF8), nil,
                             Unmanaged.passUnretained(sink).toOpaque())
            }
        }
        guard status == EE_OK else { throw SpeechError(.synthesisFailed, status: Int32(status.rawValue)) }
        return PCMAudio(samples: sink.samples, sampleRate: sampleRate)
    }
}

/// Runs the actor's jobs one after another on a dispatch queue of its own, off the cooperative pool.
private final class QueueExecutor: SerialExecutor {
    let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }
}

/// Where the callback puts the samples of one synthesis; reached through the event's user data,
/// since a C callback captures nothing.
private final class SampleSink {
    var samples: [Int16] = []
}

/// espeak-ng's synthesis callback: called on the synthesizing thread, inside `espeak_Synth`.
private let collect: @convention(c) (UnsafeMutablePointer<Int16>?, Int32, UnsafeMutablePointer<espeak_EVENT>?) -> Int32 = {
    wav, count, events in
    guard let events, let user = events.pointee.user_data else { return 0 }
    let sink = Unmanaged<SampleSink>.fromOpaque(user).takeUnretainedValue()
    if let wav, count > 0 { sink.samples.append(contentsOf: UnsafeBufferPointer(start: wav, count: Int(count))) }
    return 0
}
