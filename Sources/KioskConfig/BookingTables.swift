import Booking
import Foundation

/// The structured parts of `kiosk.conf`: `[hours]` (see `HallHours`), `[[services]]` (see
/// `Service`) and `[queue.prefixes]` (service id → ticket prefix, see `QueuePolicy`). Their keys
/// are documented on those types; they are tables and arrays of tables, so unlike `Setting.all`
/// they have no `KIOSK_*` environment overrides.
struct BookingTables {
    static let names = ["hours", "services", "queue.prefixes"]

    /// The keys of `[hours]` that hold one value each, which `KIOSK_HOURS_<KEY>` overrides
    /// like any setting. `hours.time_zone` follows `time_zone` (`KIOSK_TIME_ZONE`).
    static let overridableHoursKeys: [String: Setting.Kind] = [
        "monday": .string, "tuesday": .string, "wednesday": .string, "thursday": .string, "friday": .string,
        "saturday": .string, "sunday": .string, "makeup_workday": .string, "lunch_duty": .string,
        "lunch_duty_counters": .integer(1...1000), "summer_start": .string, "summer_end": .string,
        "summer_lunch_duty_end": .string,
    ]

    /// What no environment variable can set: lists of tables, edited in the file only.
    static let fileOnly = ["hours.after_hours", "hours.overrides", "hours.time_zone", "services", "queue.prefixes"]

    /// `KIOSK_HOURS_MONDAY` → `monday`, for the keys of `overridableHoursKeys`.
    static func hoursKey(forVariable name: String) -> String? {
        guard name.hasPrefix("KIOSK_HOURS_") else { return nil }
        let key = name.dropFirst("KIOSK_HOURS_".count).lowercased()
        return overridableHoursKeys[key] == nil ? nil : key
    }

    /// The variable a file-only table would have, for a clear refusal.
    static func fileOnlyKey(forVariable name: String) -> String? {
        fileOnly.first { "KIOSK_" + $0.uppercased().replacingOccurrences(of: ".", with: "_") == name }
    }

    var hours = HallHours.standard
    var services: [Service] = []
    var ticketPrefixes: [String: String] = [:]

    /// Decodes what the file has; an absent table keeps its default. Problems are appended.
    /// The hours follow the terminal's `time_zone` unless `[hours]` names the same zone itself:
    /// two zones for one hall would put slots and receipts an hour or more apart.
    static func decode(_ tables: [String: TOMLTable.Entry], file: String, timeZone: String,
                       problems: inout [ConfigurationProblem]) -> BookingTables {
        var result = BookingTables()
        if let entry = tables["hours"] {
            switch TableDecoding.decode(HallHours.self, from: entry, name: "hours", file: file) {
            case .success(let hours): result.hours = hours
            case .failure(let found): problems += found.problems
            }
            if case .table(let table) = entry.value, let zone = table["time_zone"], zone.value != .string(timeZone) {
                problems.append(.init(source: .file(path: file, line: zone.line), message:
                    "hours.time_zone: differs from time_zone ('\(timeZone)'); leave it out to use time_zone"))
            }
        }
        if let aligned = try? result.hours.inTimeZone(timeZone) { result.hours = aligned }
        if let entry = tables["services"] {
            switch TableDecoding.decode([Service].self, from: entry, name: "services", file: file) {
            case .success(let services):
                result.services = services
                problems += crossCheck(services, hours: result.hours, entry: entry, hoursEntry: tables["hours"], file: file)
            case .failure(let found): problems += found.problems
            }
        }
        if let entry = tables["queue.prefixes"] {
            result.ticketPrefixes = decodePrefixes(entry, services: Set(result.services.map(\.id)), file: file,
                                                   problems: &problems)
        }
        return result
    }

    /// Each key a configured service, each value a valid prefix; every problem at its line.
    private static func decodePrefixes(_ entry: TOMLTable.Entry, services: Set<String>, file: String,
                                       problems: inout [ConfigurationProblem]) -> [String: String] {
        guard case .table(let table) = entry.value else {
            problems.append(.init(source: .file(path: file, line: entry.line),
                                  message: "queue.prefixes: expected a table, found \(entry.value.typeName)"))
            return [:]
        }
        var prefixes: [String: String] = [:]
        for key in table.keys {
            guard let item = table[key] else { continue }
            let source = ValueSource.file(path: file, line: item.line)
            guard case .string(let prefix) = item.value else {
                problems.append(.init(source: source, message: "queue.prefixes.\(key): expected a string, found \(item.value.typeName)"))
                continue
            }
            guard QueuePolicy.isValidPrefix(prefix) else {
                problems.append(.init(source: source, message:
                    "queue.prefixes.\(key): '\(prefix)' is not a ticket prefix (one to three capital letters A-Z)"))
                continue
            }
            guard services.contains(key) else {
                var message = "queue.prefixes.\(key): no service has the id '\(key)'"
                if let near = ConfigurationLoader.nearest(key, among: services) { message += "; did you mean '\(near)'?" }
                problems.append(.init(source: source, message: message))
                continue
            }
            prefixes[key] = prefix
        }
        return prefixes
    }

    /// What no single service can check: ids are unique (they prefix slot ids and bookings),
    /// and an after-hours window names only services that exist.
    private static func crossCheck(_ services: [Service], hours: HallHours, entry: TOMLTable.Entry,
                                   hoursEntry: TOMLTable.Entry?, file: String) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        var seen: Set<String> = []
        for (index, service) in services.enumerated() where !seen.insert(service.id).inserted {
            problems.append(.init(source: .file(path: file, line: line(of: "id", element: index, in: entry)),
                                  message: "services[\(index)].id: '\(service.id)' is used by an earlier service"))
        }
        for (index, window) in hours.afterHours.enumerated() {
            for name in window.services where !seen.contains(name) {
                let keyLine = hoursEntry.map { line(ofArray: "after_hours", element: index, key: "services", in: $0) } ?? 0
                problems.append(.init(source: .file(path: file, line: keyLine),
                                      message: "hours.after_hours[\(index)].services: no service has the id '\(name)'"))
            }
        }
        return problems
    }

    private static func line(of key: String, element index: Int, in entry: TOMLTable.Entry) -> Int {
        guard case .array(let items) = entry.value, items.indices.contains(index),
              case .table(let table) = items[index] else { return entry.line }
        return table[key]?.line ?? table.headerLine ?? entry.line
    }

    private static func line(ofArray name: String, element index: Int, key: String, in entry: TOMLTable.Entry) -> Int {
        guard case .table(let table) = entry.value, let array = table[name] else { return entry.line }
        return line(of: key, element: index, in: array)
    }
}

extension HallHours {
    /// The same hours in the zone `identifier`: the hours follow the terminal's `time_zone`.
    public func inTimeZone(_ identifier: String) throws(BookingError) -> HallHours {
        try HallHours(timeZone: identifier, weekly: weekly, makeupWorkday: makeupWorkday, lunchDuty: lunchDuty,
                      lunchDutyCounters: lunchDutyCounters, summerStart: summerStart, summerEnd: summerEnd,
                      summerLunchDutyEnd: summerLunchDutyEnd, afterHours: afterHours,
                      overrides: dateOverrides)
    }
}

extension Configuration {
    /// `[hours]` and `[[services]]` as `kiosk config check` prints them, one line each.
    func renderedBookingTables() -> [String] {
        let hoursLine = "hours = " + Self.summary(of: hours)
        let servicesLine = "services = [" + services.map { "\"\($0.id)\"" }.joined(separator: ", ") + "]"
        let prefixesLine = "queue.prefixes = {" + queue.prefixes.sorted { $0.key < $1.key }
            .map { " \($0.key) = \"\($0.value)\"" }.joined(separator: ",") + " }"
        return [hoursLine + "  # \(sources["hours"]?.description ?? "default")",
                servicesLine + "  # \(sources["services"]?.description ?? "default")",
                prefixesLine + "  # \(sources["queue.prefixes"]?.description ?? "default")"]
    }

    private static func summary(of hours: HallHours) -> String {
        let week = Weekday.allCases.map { "\($0.rawValue.prefix(3)) \(hours.weekly[$0] ?? .closed)" }.joined(separator: ", ")
        return "{ \(week); lunch duty \(hours.lunchDuty) (\(hours.lunchDutyCounters) counters, summer "
            + "\(hours.summerStart)…\(hours.summerEnd) until \(hours.summerLunchDutyEnd)); "
            + "\(hours.afterHours.count) after-hours windows, \(hours.dateOverrides.count) overrides }"
    }
}
