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
        let idCharacters = id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
        }
        guard !id.isEmpty, id.count <= 64, idCharacters else { throw BookingError(.invalidService, "id") }
        guard (1...720).contains(durationMinutes) else { throw BookingError(.invalidService, "\(id).duration_minutes") }
        guard !counters.isEmpty, Set(counters).count == counters.count else {
            throw BookingError(.invalidService, "\(id).counters")
        }
        guard capacityPerSlot >= 1 else { throw BookingError(.invalidService, "\(id).capacity_per_slot") }
        guard (0...366).contains(horizonDays) else { throw BookingError(.invalidService, "\(id).horizon_days") }
        guard minimumNoticeMinutes >= 0 else { throw BookingError(.invalidService, "\(id).min_notice_minutes") }
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

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                id: container.decode(String.self, forKey: .id),
                nameZH: container.decode(String.self, forKey: .nameZH),
                nameEN: container.decode(String.self, forKey: .nameEN),
                durationMinutes: container.decode(Int.self, forKey: .durationMinutes),
                counters: container.decode([String].self, forKey: .counters),
                capacityPerSlot: container.decodeIfPresent(Int.self, forKey: .capacityPerSlot) ?? 1,
                horizonDays: container.decodeIfPresent(Int.self, forKey: .horizonDays) ?? 14,
                minimumNoticeMinutes: container.decodeIfPresent(Int.self, forKey: .minimumNoticeMinutes) ?? 30,
                afterHours: container.decodeIfPresent(Bool.self, forKey: .afterHours) ?? false
            )
        } catch let error as BookingError {
            let keyName = String(error.detail.split(separator: ".").last ?? "id")
            throw DecodingError.dataCorruptedError(forKey: CodingKeys(rawValue: keyName) ?? .id,
                                                   in: container, debugDescription: error.messageEN)
        }
    }
}
