/// A text shown to people in both of the terminal's languages.
///
/// Every message a citizen, a member of staff or a technician may read exists in simplified
/// Chinese and in English; carrying both together keeps a missing translation a compile error.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var zh: String
    public var en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    enum CodingKeys: String, CodingKey {
        case zh = "zh-CN"
        case en
    }
}
