/// A calendar day as the card stores it (`YYYYMMDD`), without time zone.
public struct CardDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless the three numbers name a real day of the Gregorian calendar.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = switch month {
        case 2: leap ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
        guard day <= days else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly eight ASCII digits `YYYYMMDD`.
    public init?(yyyymmdd text: String) {
        let digits = text.utf8.map { Int($0) - Int(UInt8(ascii: "0")) }
        guard digits.count == 8, digits.allSatisfy({ (0...9).contains($0) }) else { return nil }
        self.init(
            year: digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3],
            month: digits[4] * 10 + digits[5],
            day: digits[6] * 10 + digits[7])
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// The card's period of validity. The end is inclusive: a card ending 2030-01-01 is valid
/// on that day.
public struct Validity: Sendable, Hashable {
    public enum End: Sendable, Hashable {
        case date(CardDate)
        /// `长期`: issued to holders aged 46 and over, never expires.
        case longTerm
    }

    public let start: CardDate
    public let end: End

    public init(start: CardDate, end: End) {
        self.start = start
        self.end = end
    }
}

/// Sex code of GB/T 2261.1.
public enum Gender: String, Sendable, Hashable, CaseIterable {
    case unknown = "0"
    case male = "1"
    case female = "2"
    case unspecified = "9"

    public var nameZH: String {
        switch self {
        case .unknown: "未知的性别"
        case .male: "男"
        case .female: "女"
        case .unspecified: "未说明的性别"
        }
    }
}

/// An ethnic group of GB/T 3304: the 56 groups, `97` other and `98` Chinese citizens of
/// foreign origin.
public struct EthnicGroup: Sendable, Hashable, CustomStringConvertible {
    public let code: Int
    public let nameZH: String

    public init?(code: Int) {
        guard let group = Self.all.first(where: { $0.code == code }) else { return nil }
        self = group
    }

    private init(_ code: Int, _ nameZH: String) {
        self.code = code
        self.nameZH = nameZH
    }

    public var description: String { nameZH }

    public static let all: [EthnicGroup] = [
        .init(1, "汉"), .init(2, "蒙古"), .init(3, "回"), .init(4, "藏"), .init(5, "维吾尔"),
        .init(6, "苗"), .init(7, "彝"), .init(8, "壮"), .init(9, "布依"), .init(10, "朝鲜"),
        .init(11, "满"), .init(12, "侗"), .init(13, "瑶"), .init(14, "白"), .init(15, "土家"),
        .init(16, "哈尼"), .init(17, "哈萨克"), .init(18, "傣"), .init(19, "黎"), .init(20, "傈僳"),
        .init(21, "佤"), .init(22, "畲"), .init(23, "高山"), .init(24, "拉祜"), .init(25, "水"),
        .init(26, "东乡"), .init(27, "纳西"), .init(28, "景颇"), .init(29, "柯尔克孜"), .init(30, "土"),
        .init(31, "达斡尔"), .init(32, "仫佬"), .init(33, "羌"), .init(34, "布朗"), .init(35, "撒拉"),
        .init(36, "毛南"), .init(37, "仡佬"), .init(38, "锡伯"), .init(39, "阿昌"), .init(40, "普米"),
        .init(41, "塔吉克"), .init(42, "怒"), .init(43, "乌孜别克"), .init(44, "俄罗斯"), .init(45, "鄂温克"),
        .init(46, "德昂"), .init(47, "保安"), .init(48, "裕固"), .init(49, "京"), .init(50, "塔塔尔"),
        .init(51, "独龙"), .init(52, "鄂伦春"), .init(53, "赫哲"), .init(54, "门巴"), .init(55, "珞巴"),
        .init(56, "基诺"), .init(97, "其他"), .init(98, "外国血统中国籍人士"),
    ]
}
