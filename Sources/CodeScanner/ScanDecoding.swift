/// The sans-IO cores of the scanner: bytes from a serial line, or key events from a keyboard
/// wedge, in; whole scanned codes out. A code is never logged or put in an error: it may be a
/// booking slip with an ID number on it.

/// Codes from a serial (CDC-ACM) scanner: each ends with CR, LF or CR LF (the scanners' default
/// suffix). Control bytes other than the suffix are dropped; a code longer than `maximumLength`
/// is dropped whole and counted as overlong (a scanner in the wrong mode, or line noise).
public struct SerialScanFramer: Sendable {
    public static let maximumLength = 2_048

    private var current: [UInt8] = []
    private var overflowed = false

    public init() {}

    public enum Output: Sendable, Equatable {
        case code(String)
        case overlong
    }

    public mutating func take(_ bytes: [UInt8]) -> [Output] {
        var outputs: [Output] = []
        for byte in bytes {
            switch byte {
            case 0x0D, 0x0A:
                if overflowed {
                    outputs.append(.overlong)
                } else if !current.isEmpty {
                    outputs.append(.code(String(decoding: current, as: UTF8.self)))
                }
                current = []
                overflowed = false
            case 0x00..<0x20, 0x7F:
                continue
            default:
                guard !overflowed else { continue }
                if current.count == Self.maximumLength {
                    overflowed = true
                    current = []
                } else {
                    current.append(byte)
                }
            }
        }
        return outputs
    }
}

/// Codes from a scanner that types like a USB keyboard (HID keyboard wedge), read as Linux
/// input events (`EV_KEY`, key codes of `linux/input-event-codes.h`, US layout, as the scanners
/// ship). Enter ends a code; Shift is followed; keys outside the layout are dropped.
public struct KeyboardScanDecoder: Sendable {
    public static let eventKey: UInt16 = 1

    private var current: [Character] = []
    private var shift = false
    private var overflowed = false

    public init() {}

    /// One input event: `type`, `code`, `value` (1 pressed, 0 released, 2 repeated).
    public mutating func take(type: UInt16, code: UInt16, value: Int32) -> SerialScanFramer.Output? {
        guard type == Self.eventKey else { return nil }
        if code == Self.leftShift || code == Self.rightShift {
            shift = value != 0
            return nil
        }
        guard value == 1 else { return nil }
        if code == Self.enter || code == Self.keypadEnter {
            defer {
                current = []
                overflowed = false
            }
            if overflowed { return .overlong }
            return current.isEmpty ? nil : .code(String(current))
        }
        guard let pair = Self.layout[code], !overflowed else { return nil }
        if current.count == SerialScanFramer.maximumLength {
            overflowed = true
            current = []
            return nil
        }
        current.append(shift ? pair.shifted : pair.plain)
        return nil
    }

    static let leftShift: UInt16 = 42
    static let rightShift: UInt16 = 54
    static let enter: UInt16 = 28
    static let keypadEnter: UInt16 = 96

    /// Key code → (plain, shifted), US layout.
    static let layout: [UInt16: (plain: Character, shifted: Character)] = {
        var table: [UInt16: (plain: Character, shifted: Character)] = [:]
        let digits: [(UInt16, Character, Character)] = [
            (2, "1", "!"), (3, "2", "@"), (4, "3", "#"), (5, "4", "$"), (6, "5", "%"), (7, "6", "^"), (8, "7", "&"),
            (9, "8", "*"), (10, "9", "("), (11, "0", ")"), (12, "-", "_"), (13, "=", "+"),
            (26, "[", "{"), (27, "]", "}"), (39, ";", ":"), (40, "'", "\""), (41, "`", "~"), (43, "\\", "|"),
            (51, ",", "<"), (52, ".", ">"), (53, "/", "?"), (57, " ", " "),
        ]
        for (code, plain, shifted) in digits { table[code] = (plain, shifted) }
        let rows: [(UInt16, String)] = [(16, "qwertyuiop"), (30, "asdfghjkl"), (44, "zxcvbnm")]
        for (start, letters) in rows {
            for (offset, letter) in letters.enumerated() {
                table[start + UInt16(offset)] = (letter, Character(letter.uppercased()))
            }
        }
        // The keypad, as scanners that type digits on it send them.
        let keypad: [(UInt16, Character)] = [
            (82, "0"), (79, "1"), (80, "2"), (81, "3"), (75, "4"), (76, "5"), (77, "6"), (71, "7"), (72, "8"), (73, "9"),
            (83, "."), (74, "-"), (78, "+"), (55, "*"), (98, "/"),
        ]
        for (code, character) in keypad { table[code] = (character, character) }
        return table
    }()
}

/// Which scanned codes go on to the citizen's session. A code held under the scanner is read
/// again and again: the same text within `repeatWindow` of its last read is the same scan. And
/// whoever stands at the terminal with a stack of codes (or a scanner in continuous mode) gets
/// `burst` codes at once and then one per `refill`: the rest are dropped, so a flood of scans
/// cannot flood the screen, the check-in endpoint or the event stream.
public struct ScanGate: Sendable {
    public static let repeatWindow: Duration = .seconds(3)
    public static let burst = 5
    public static let refill: Duration = .seconds(1)

    public enum Verdict: Sendable, Equatable {
        case pass
        /// The code read again while held under the scanner.
        case repeated
        /// More codes than the gate lets through.
        case flooded
    }

    private var last: (text: String, at: ContinuousClock.Instant)?
    private var tokens = Double(Self.burst)
    private var tokensAt: ContinuousClock.Instant?

    public init() {}

    public mutating func admit(_ text: String, at now: ContinuousClock.Instant) -> Verdict {
        if let last, last.text == text, now - last.at < Self.repeatWindow {
            self.last = (text, now)
            return .repeated
        }
        if let tokensAt {
            tokens = min(Double(Self.burst), tokens + (now - tokensAt) / Self.refill)
        }
        tokensAt = now
        guard tokens >= 1 else { return .flooded }
        tokens -= 1
        last = (text, now)
        return .pass
    }
}
