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
        // The terminal's own configuration with a bookable service (the look-up needs booking routes).
        let kiosk = try ServedKiosk(configFile: configFile, name: "guess") { $0.contains("[[services]]") ? $0 : $0 + services }
        defer { kiosk.stop() }
        let port = kiosk.port
        let clock = ContinuousClock()
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
