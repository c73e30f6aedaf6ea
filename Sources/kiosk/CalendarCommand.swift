import ArgumentParser
import Booking
import Foundation
import Hosting
import Logging
import KioskApp
import KioskConfig
import KioskCore
import Storage

struct CalendarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar", abstract: "Show the hall's calendar, import a year of official holidays.",
        subcommands: [Show.self, Import.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every day from --from to --to: kind, holiday, opening hours, lunch duty, after-hours windows.")

        @OptionGroup var options: ConfigOptions

        @Option(help: "First day, YYYY-MM-DD.")
        var from: String

        @Option(help: "Last day, YYYY-MM-DD (at most 366 days after --from).")
        var to: String

        @Flag(help: "One JSON array instead of a table.")
        var json = false

        func run() throws {
            let configuration = try options.load()
            let first = try parseDate(from, option: "--from")
            let last = try parseDate(to, option: "--to")
            guard first <= last, first.days(until: last) <= 366 else {
                printError("kiosk: --to must be on or after --from, at most 366 days later")
                throw ExitCode.failure
            }
            let calendar: OfficialCalendar
            do { calendar = try CalendarFiles(configuration).load() } catch { throw fail(error) }
            let days = CalendarDayReport.days(from: first, through: last, calendar: calendar, hours: configuration.hours)
            print(json ? try jsonText(days) : CalendarDayReport.table(days), terminator: "")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a holiday-cn year file and make it this terminal's calendar for that year; list the bookings now on a day off.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The year file (holiday-cn JSON, e.g. 2027.json).")
        var file: String

        func run() async throws {
            let configuration = try options.load()
            let files = CalendarFiles(configuration)
            do {
                let imported = try files.importYear(from: file)
                let flagged = try await KioskApplication.withBookings(configuration, logger: Logger(label: "kiosk")) { bookings in
                    try await bookings.flagBookingsOnDaysOff(from: imported.before, to: imported.after, now: Date())
                }
                let offDays = imported.year.entries.filter(\.isOffDay).count
                print("imported \(imported.year.year): \(offDays) holidays, \(imported.year.entries.count - offDays) make-up working days"
                      + " -> \(files.importedDirectory)/\(imported.year.year).json")
                print(flagged.isEmpty ? "no booking falls on a new day off"
                      : "\(flagged.count) bookings now fall on a day off; contact the citizens to reschedule:")
                let zone = configuration.hours.timeZone
                for booking in flagged {
                    print("  \(booking.code)  \(booking.date) \(LocalTime(containing: booking.start, in: zone))  \(booking.serviceID)  \(booking.maskedIDNumber)")
                }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}

struct SlotsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slots", abstract: "List the bookable slots of a service on a day, as the terminal offers them.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Service id, as in [[services]] of kiosk.conf.")
    var service: String

    @Option(help: "The day, YYYY-MM-DD.")
    var date: String

    @Option(name: .customLong("as-of"), help: "List what can be booked at this instant (ISO 8601, default now).")
    var asOf: String?

    @Flag(help: "One JSON array instead of a table.")
    var json = false

    func run() throws {
        let configuration = try options.load()
        let day = try parseDate(date, option: "--date")
        guard let chosen = configuration.services.first(where: { $0.id == service }) else {
            let known = configuration.services.map(\.id).joined(separator: ", ")
            printError("kiosk: no service '\(service)' in [[services]] (known: \(known.isEmpty ? "none" : known))")
            throw ExitCode.failure
        }
        var now = Date()
        if let asOf {
            guard let instant = try? Date(asOf, strategy: .iso8601) else {
                printError("kiosk: --as-of: '\(asOf)' is not an ISO 8601 date and time (e.g. 2026-09-28T10:00:00+08:00)")
                throw ExitCode.failure
            }
            now = instant
        }
        let calendar: OfficialCalendar
        do { calendar = try CalendarFiles(configuration).load() } catch { throw fail(error) }
        let generator = SlotGenerator(calendar: calendar, hours: configuration.hours)
        let slots = generator.slots(for: chosen, from: day, through: day, now: now)
        // An empty day says why, on standard error beside the JSON.
        let why = generator.emptyDayReason(for: chosen, on: day, now: now).map { " (\($0.description))" } ?? ""
        if json {
            print(try jsonText(slots), terminator: "")
            if !why.isEmpty { printError("0 slots\(why)") }
            return
        }
        let schedule = generator.schedule(for: day)
        print("\(chosen.id) \(chosen.nameZH) / \(chosen.nameEN), \(day) (\(schedule.day.kind.rawValue)\(schedule.day.provisional ? ", provisional" : "")): \(slots.count) slots\(why)")
        for slot in slots {
            print("\(slot.startTime)-\(slot.endTime)  \(slot.kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  capacity \(slot.capacity)")
        }
    }
}

func parseDate(_ text: String, option: String) throws -> LocalDate {
    do { return try LocalDate(text) } catch {
        printError("kiosk: \(option): \(error.messageEN)")
        throw ExitCode.failure
    }
}

func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
}
