/// A matter citizens can book an appointment for.
///
/// Keys (snake_case, as in configuration):
/// - `id` (string, required): letters, digits, `-`, `_`, `.`; it prefixes slot ids.
/// - `name_zh`, `name_en` (strings, required): shown to citizens.
/// - `duration_minutes` (integer 1...720, required): length of one slot.
/// - `counters` (array of counter ids, at least one, required): the windows that serve it.
/// - `capacity_per_slot` (integer ≥ 1, default 1): bookings per slot with all its counters staffed.
/// - `horizon_days` (integer 0...366, default 14): how many days ahead can be booked; 0 is today only.
/// - `min_notice_minutes` (integer ≥ 0, default 30): how long before a slot booking closes.
/// - `after_hours` (boolean, default false): offered in the after-hours windows.
public struct Service: Sendable, Hashable, Codable, Identifiable {
    public let id: String
    public let nameZH: String
    public let nameEN: String
    public let durationMinutes: Int
    public let counters: [String]
    public let capacityPerSlot: Int
    public let horizonDays: Int
    public let minimumNoticeMinutes: Int
    public let afterHours: Bool

    public init(id: String, nameZH: String, nameEN: String, durationMinutes: Int, counters: [String],
                capacityPerSlot: Int = 1, horizonDays: Int = 14, minimumNoticeMinutes: Int = 30,
                afterHours: Bool = false) throws(BookingError) {
        if let first = Self.problems(id: id, durationMinutes: durationMinutes, counters: counters, capacityPerSlot: capacityPerSlot,
                                     horizonDays: horizonDays, minimumNoticeMinutes: minimumNoticeMinutes).first {
            throw BookingError(.invalidService, first.key == .id ? "id" : "\(id).\(first.key.rawValue)")
        }
        self.id = id
        self.nameZH = nameZH
        self.nameEN = nameEN
        self.durationMinutes = durationMinutes
        self.counters = counters
        self.capacityPerSlot = capacityPerSlot
        self.horizonDays = horizonDays
        self.minimumNoticeMinutes = minimumNoticeMinutes
        self.afterHours = afterHours
    }

    /// The characters a service id may use: it prefixes slot ids and booking records.
    public static let idCharacters = "letters a-z and A-Z, digits 0-9, '-', '_' and '.'"

    /// What is wrong with each key and what to write instead; empty for a service that can be booked.
    static func problems(id: String, durationMinutes: Int, counters: [String], capacityPerSlot: Int, horizonDays: Int,
                         minimumNoticeMinutes: Int) -> [(key: CodingKeys, message: String)] {
        var problems: [(key: CodingKeys, message: String)] = []
        let validID = id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
        if id.isEmpty || id.count > 64 || !validID {
            problems.append((.id, "'\(id.prefix(64))' is not a service id: use only \(idCharacters), 1 to 64 of them"))
        }
        if !(1...720).contains(durationMinutes) {
            problems.append((.durationMinutes, "\(durationMinutes) is outside 1...720 (minutes)"))
        }
        if counters.isEmpty {
            problems.append((.counters, "name at least one counter, e.g. counters = [\"D1\", \"D2\"]"))
        } else if let twice = counters.first(where: { counter in counters.filter { $0 == counter }.count > 1 }) {
            problems.append((.counters, "'\(twice)' is listed twice"))
        }
        if capacityPerSlot < 1 { problems.append((.capacityPerSlot, "\(capacityPerSlot) is less than 1")) }
        if !(0...366).contains(horizonDays) { problems.append((.horizonDays, "\(horizonDays) is outside 0...366 (days)")) }
        if minimumNoticeMinutes < 0 { problems.append((.minimumNoticeMinutes, "\(minimumNoticeMinutes) is less than 0")) }
        return problems
    }

    /// Bookings per slot when only `staffed` counters serve: the per-counter share of the
    /// capacity, rounded up so that one staffed counter always takes at least one citizen.
    public func capacity(staffedCounters staffed: Int) -> Int {
        let serving = min(max(staffed, 0), counters.count)
        return (capacityPerSlot * serving + counters.count - 1) / counters.count
    }

    enum CodingKeys: String, CodingKey {
        case id
        case nameZH = "name_zh"
        case nameEN = "name_en"
        case durationMinutes = "duration_minutes"
        case counters
        case capacityPerSlot = "capacity_per_slot"
        case horizonDays = "horizon_days"
        case minimumNoticeMinutes = "min_notice_minutes"
        case afterHours = "after_hours"
    }

    /// Every key's problem at once, each at its key.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var collector = ProblemCollector()
        let id = collector.attempt { try container.decode(String.self, forKey: .id) }
        let nameZH = collector.attempt { try container.decode(String.self, forKey: .nameZH) }
        let nameEN = collector.attempt { try container.decode(String.self, forKey: .nameEN) }
        let duration = collector.attempt { try container.decode(Int.self, forKey: .durationMinutes) }
        let counters = collector.attempt { try container.decode([String].self, forKey: .counters) }
        let capacity = collector.attempt { try container.decodeIfPresent(Int.self, forKey: .capacityPerSlot) ?? 1 }
        let horizon = collector.attempt { try container.decodeIfPresent(Int.self, forKey: .horizonDays) ?? 14 }
        let notice = collector.attempt { try container.decodeIfPresent(Int.self, forKey: .minimumNoticeMinutes) ?? 30 }
        let afterHours = collector.attempt { try container.decodeIfPresent(Bool.self, forKey: .afterHours) ?? false }
        // The checks of keys that decoded, with stand-ins for the others (their problem is kept).
        for problem in Self.problems(id: id ?? "x", durationMinutes: duration ?? 1, counters: counters ?? ["x"],
                                     capacityPerSlot: capacity ?? 1, horizonDays: horizon ?? 0, minimumNoticeMinutes: notice ?? 0) {
            collector.keep(DecodingError.dataCorruptedError(forKey: problem.key, in: container, debugDescription: problem.message))
        }
        try collector.finish()
        guard let id, let nameZH, let nameEN, let duration, let counters, let capacity, let horizon, let notice, let afterHours
        else { preconditionFailure("every key decoded when nothing was kept") }
        try self.init(id: id, nameZH: nameZH, nameEN: nameEN, durationMinutes: duration, counters: counters,
                      capacityPerSlot: capacity, horizonDays: horizon, minimumNoticeMinutes: notice, afterHours: afterHours)
    }
}
