import Foundation
import HTTPTypes
import JSONLogic
import KioskCore
import Speech

/// The touch screen's own words, `ui/texts.json` (`{ "zh-CN": { key: text, … }, "en": { … } }`):
/// the one copy the page draws its screens from (i18n.js loads it) and the server reads aloud
/// from, so what is spoken is what is shown. `{0}`, `{1}` are filled in as the page's `t()` does.
public struct ScreenTexts: Sendable {
    public static let fileName = "texts.json"
    public static let languages = ["zh-CN", "en"]

    /// Per language, each key's entry: a text, or a list or table of texts (weekdays, states).
    public let entries: [String: [String: JSON]]

    public init(json data: Data) throws {
        guard case .object(let languages) = try JSONDecoder().decode(JSON.self, from: data) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "the catalogue is not an object of languages"))
        }
        var entries: [String: [String: JSON]] = [:]
        for (language, table) in languages {
            guard case .object(let texts) = table else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(language) is not an object of texts"))
            }
            entries[language] = texts
        }
        self.entries = entries
    }

    /// The catalogue the UI serves, nil when the terminal has no UI (or a broken one).
    public init?(ui: StaticUI) {
        guard let file = ui.files[Self.fileName], let texts = try? ScreenTexts(json: file.body) else { return nil }
        self = texts
    }

    static func language(of voice: SpeechVoice) -> String {
        switch voice {
        case .mandarin: "zh-CN"
        case .english: "en"
        }
    }

    /// The entry `key` in the voice's language; the catalogue test keeps both languages complete.
    func entry(_ key: String, _ voice: SpeechVoice) throws(APIError) -> JSON {
        guard let entry = entries[Self.language(of: voice)]?[key] else { throw Self.missing }
        return entry
    }

    /// The text `key` with its placeholders filled in from `arguments`, in order.
    func text(_ key: String, _ voice: SpeechVoice, _ arguments: any CustomStringConvertible...) throws(APIError) -> String {
        guard case .string(let text) = try entry(key, voice) else { throw Self.missing }
        return Self.fill(text, arguments.map(\.description))
    }

    /// The `index`th text of the list `key` (the weekdays), or the text under `name` of the table `key`.
    func text(_ key: String, _ voice: SpeechVoice, at index: Int) throws(APIError) -> String {
        guard case .array(let items) = try entry(key, voice), items.indices.contains(index), case .string(let text) = items[index] else {
            throw Self.missing
        }
        return text
    }

    /// The `{n}` placeholders of a text, as `t()` fills them (one digit).
    static func placeholders(_ text: String) -> Set<Int> {
        var found: Set<Int> = []
        let characters = Array(text)
        for index in characters.indices.dropLast(2) where characters[index] == "{" && characters[index + 2] == "}" {
            if let digit = characters[index + 1].wholeNumberValue { found.insert(digit) }
        }
        return found
    }

    static func fill(_ text: String, _ arguments: [String]) -> String {
        var filled = text
        for (index, argument) in arguments.enumerated() { filled = filled.replacingOccurrences(of: "{\(index)}", with: argument) }
        return filled
    }

    /// A key the server speaks that the catalogue lacks: the shipped catalogue is tested complete,
    /// so this is the terminal's fault, never the citizen's.
    static let missing = APIError(.internalServerError, code: "screenTextMissing", message: .init(
        zh: "界面文字目录不完整，无法朗读", en: "The screen's text catalogue is incomplete; it cannot be read aloud"))
}
