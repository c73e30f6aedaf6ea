import Foundation

/// What `sox FILE -n stat` says about a sound file: how long it plays and how loud it is.
/// Tests of speech measure the WAV files they are given with it, not with the code that made them.
public struct SoxStat: Sendable {
    public let seconds: Double
    public let rmsAmplitude: Double
    public let maximumAmplitude: Double
    public let sampleRate: Int?

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes `wav` to a scratch file and measures it; `sox` is waited for off the cooperative pool.
    public static func measure(wav: [UInt8]) async throws -> SoxStat {
        try await offPool { try measuredNow(wav: wav) }
    }

    private static func measuredNow(wav: [UInt8]) throws -> SoxStat {
        let scratch = try ScratchDirectory(prefix: "sox")
        let file = scratch.path + "/speech.wav"
        try Data(wav).write(to: URL(fileURLWithPath: file))
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        process.arguments = [file, "-n", "stat"]
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(description: "sox refused the file: \(text)") }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            if let value = Double(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) { values[name] = value }
        }
        guard let seconds = values["Length (seconds)"], let rms = values["RMS     amplitude"] ?? values["RMS amplitude"],
              let maximum = values["Maximum amplitude"] else {
            throw Failure(description: "sox stat said nothing measurable: \(text)")
        }
        return SoxStat(seconds: seconds, rmsAmplitude: rms, maximumAmplitude: maximum, sampleRate: nil)
    }
}
