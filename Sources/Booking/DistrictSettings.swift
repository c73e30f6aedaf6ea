import Foundation

/// The rules every terminal of a district must share: `[[services]]` (a service booked at one
/// terminal is served at another), `[hours]` (the slots of a shared service) and `[queue]` (the
/// ticket numbers come from one sequence per prefix). Each key's value is canonical JSON, so two
/// terminals with the same rules written differently in `kiosk.conf` compare equal, and a
/// difference names the key (`services.passport`, `hours.saturday`, `queue.prefixes`).
public struct DistrictSettings: Sendable, Equatable {
    /// Key → canonical JSON of its value.
    public let values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    public init(services: [Service], hours: HallHours, queue: QueuePolicy) {
        var values: [String: String] = [:]
        for service in services { values["services." + service.id] = Self.canonical(service) }
        for (key, value) in Self.members(of: hours) { values["hours." + key] = value }
        values["queue.prefixes"] = Self.canonical(queue.prefixes)
        values["queue.default_prefix"] = Self.canonical(queue.defaultPrefix)
        values["queue.elderly_age"] = Self.canonical(queue.elderlyAge)
        values["queue.average_service_minutes"] = Self.canonical(queue.averageServiceMinutes)
        values["queue.walk_in_cutoff_minutes"] = Self.canonical(queue.walkInCutoffMinutes)
        self.values = values
    }

    /// The whole as one canonical JSON object (key → value text), what the district store keeps.
    public var document: String { Self.canonical(values) }

    /// Read back from `document`; nil when it is not such an object.
    public init?(document: String) {
        guard let values = try? JSONDecoder().decode([String: String].self, from: Data(document.utf8)) else { return nil }
        self.values = values
    }

    /// The keys whose values differ, a key missing on one side included, in order.
    public func differences(from other: DistrictSettings) -> [String] {
        Set(values.keys).union(other.values.keys).filter { values[$0] != other.values[$0] }.sorted()
    }

    static func canonical<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every value here encodes (strings, numbers, the Booking types' own encoders).
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    /// Each top-level member of `value`'s JSON object as canonical JSON.
    static func members<T: Encodable>(of value: T) -> [String: String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(canonical(value).utf8)) as? [String: Any] else { return [:] }
        var members: [String: String] = [:]
        for (key, member) in object {
            let data = try? JSONSerialization.data(withJSONObject: member, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
            members[key] = data.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
        return members
    }
}
