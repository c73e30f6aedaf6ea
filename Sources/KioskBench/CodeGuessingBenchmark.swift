import Booking
import Foundation
import KioskCore
import KioskTesting
#if canImport(Glibc)
import Glibc
#endif

/// How fast a stranger at the screen can try booking codes (issue 14, item 9): the `kiosk` built beside
/// `kiosk-bench` is started as `kiosk serve` with a booking service and a fresh data directory, and look-ups
/// of random, well-formed codes with a valid ID number are sent over loopback, one connection
/// each, for just under a minute (the limiter's window: `limits.code_misses_per_minute` misses
/// in any minute). Every look-up the server answers
/// is counted: `404` is a guess answered, `429 tooManyMisses` a guess refused. Before the limiter
/// every answer was a guess answered, so the rate of all answers is what guessing got then.
public enum CodeGuessingBenchmark {
    static let services = """

        [[services]]
        id = "hukou"
        name_zh = "户籍业务"
        name_en = "Household registration"
        duration_minutes = 20
        counters = ["A1"]
        """

    public static func run(configFile: String, seconds: Double = 59) throws -> [Figure] {
        let rates = try measure(configFile: configFile, seconds: seconds)
        return [
            Figure(name: "code guesses answered in one minute", value: (rates.answered * seconds).rounded(), unit: "guesses",
                   target: "≤ 10 (limits.code_misses_per_minute)"),
            Figure(name: "code guesses answered per second", value: rates.answered, unit: "/s", target: "≤ 0.17/s"),
            Figure(name: "code guesses refused (429 tooManyMisses) per second", value: rates.refused, unit: "/s", target: nil),
            Figure(name: "look-ups answered per second, all answers (what guessing got before the limiter)",
                   value: rates.answered + rates.refused, unit: "/s", target: nil),
            Figure(name: "expected time to hit one of 20,000 bookings of a day by guessing at the measured rate",
                   value: Double(BookingCode.space) / 20_000 / max(rates.answered, 1e-9) / 86_400 / 365, unit: "years",
                   target: "> 1000 years"),
        ]
    }

    struct Rates {
        var answered: Double
        var refused: Double
    }

    static func measure(configFile: String, seconds: Double) throws -> Rates {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-guess-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // The terminal's own configuration with a bookable service (the look-up needs booking routes).
        let config = scratch.appendingPathComponent("kiosk.conf")
        let base = URL(fileURLWithPath: configFile).deletingLastPathComponent().path
        var text = try String(contentsOfFile: configFile, encoding: .utf8)
        if !text.contains("[[services]]") { text += services }
        try text.replacingOccurrences(of: "dir = \"Devices\"", with: "dir = \"\(base)/Devices\"")
            .replacingOccurrences(of: "dir = \"Forms\"", with: "dir = \"\(base)/Forms\"")
            .write(to: config, atomically: true, encoding: .utf8)
        let port = try ListeningSocket.freePort()
        let process = Process()
        process.executableURL = Benchmarks.kiosk
        process.arguments = ["serve", "--config", config.path]
        var environment = ProcessInfo.processInfo.environment
        environment["KIOSK_LISTEN"] = "127.0.0.1:\(port)"
        environment["KIOSK_DATA_DIR"] = scratch.appendingPathComponent("var").path
        environment["KIOSK_LOG_LEVEL"] = "error"
        process.environment = environment
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        while RawHTTP.send(port: port, path: "/readyz")?.status != 200 {
            guard process.isRunning, clock.now - started < .seconds(30) else {
                throw StartupBenchmark.Failure(description: "kiosk serve did not become ready")
            }
            usleep(10_000)
        }
        let first17 = "11010519900517001"
        let idNumber = first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
        var generator = SystemRandomNumberGenerator()
        var answered = 0, refused = 0
        let start = clock.now
        while (clock.now - start).seconds < seconds {
            let code = BookingCode.random(using: &generator).value
            switch RawHTTP.send(port: port, method: "POST", path: "/v1/bookings/lookup",
                                body: #"{"code":"\#(code)","idNumber":"\#(idNumber)"}"#)?.status {
            case 404?: answered += 1
            case 429?: refused += 1
            default: break
            }
        }
        let elapsed = (clock.now - start).seconds
        return Rates(answered: Double(answered) / elapsed, refused: Double(refused) / elapsed)
    }
}
