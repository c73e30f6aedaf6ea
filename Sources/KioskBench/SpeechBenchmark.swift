import Foundation
import KioskTesting
#if canImport(Glibc)
import Glibc
#endif

/// Time to first audio byte for a typical step read aloud (issue 19, part 3): this executable
/// started as `kiosk serve` on the shipped forms, a `company-opening` session on its first step
/// (a title and five labels), and `GET /v1/sessions/{id}/speech` over loopback. Each cold request
/// uses a rate not asked before, so it is synthesised (libespeak-ng) rather than cached; the
/// cached figure repeats one request.
public enum SpeechBenchmark {
    public static func run(configFile: String, requests: Int = 30) throws -> [Figure] {
        let kiosk = try ServedKiosk(configFile: configFile, name: "speech")
        defer { kiosk.stop() }
        let port = kiosk.port
        guard let session = RawHTTP.send(port: port, method: "POST", path: "/v1/sessions", body: #"{"formId":"company-opening"}"#),
              session.status == 201,
              let object = try JSONSerialization.jsonObject(with: Data(session.body.utf8)) as? [String: Any],
              let id = object["sessionId"] as? String else {
            throw StartupBenchmark.Failure(description: "no company-opening session could be started")
        }
        func time(_ voice: String, rate: Int) throws -> RawHTTP.Timing {
            guard let timing = RawHTTP.timeGET(port: port, path: "/v1/sessions/\(id)/speech?part=step&voice=\(voice)&rate=\(rate)"),
                  timing.status == 200, timing.bodyBytes > 44 else {
                throw StartupBenchmark.Failure(description: "the step was not spoken")
            }
            return timing
        }
        var figures: [Figure] = []
        for voice in ["cmn", "en"] {
            // Rates around the normal 160 words a minute not asked before: every request is a synthesis.
            let cold = try (0..<requests).map { try time(voice, rate: 160 - requests / 2 + $0) }
            let cached = try (0..<requests).map { _ in try time(voice, rate: 160) }
            let name = voice == "cmn" ? "Mandarin" : "English"
            figures += [
                Figure(name: "speech \(name), typical step, time to first audio byte (median, synthesised)",
                       value: median(cold.map(\.firstByte)), unit: "ms", target: "< 150 ms"),
                Figure(name: "speech \(name), typical step, time to first audio byte (90th percentile, synthesised)",
                       value: percentile(cold.map(\.firstByte), 0.9), unit: "ms", target: nil),
                Figure(name: "speech \(name), typical step, time to first audio byte (median, cached)",
                       value: median(cached.map(\.firstByte)), unit: "ms", target: nil),
                Figure(name: "speech \(name), typical step, WAV size", value: Double(cold[0].bodyBytes) / 1024, unit: "KiB", target: nil),
            ]
        }
        return figures
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func median(_ durations: [Duration]) -> Double { percentile(durations, 0.5) }

    static func percentile(_ durations: [Duration], _ fraction: Double) -> Double {
        let sorted = durations.map(milliseconds).sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
