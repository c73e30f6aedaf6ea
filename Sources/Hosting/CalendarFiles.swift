import Booking
import Foundation
import KioskConfig
import KioskCore

/// The official calendar's files: the years shipped in `forms.dir/calendar/`, and the years
/// imported since with `kiosk calendar import` into `data_dir/calendar/`, which take their place.
/// Imports live in the data directory so that an update of the shipped files never undoes one.
public struct CalendarFiles: Sendable {
    public let shippedDirectory: String
    public let importedDirectory: String

    public init(_ configuration: Configuration) {
        shippedDirectory = configuration.formsDirectory + "/calendar"
        importedDirectory = configuration.dataDirectory + "/calendar"
    }

    /// Every year found, imported years over shipped ones. A missing directory holds no
    /// year (every day then follows the weekend rule, marked provisional); a bad file stops the
    /// start, since slots on a wrong calendar would send citizens to a closed hall.
    public func load() throws(StartupError) -> OfficialCalendar {
        var years: [Int: HolidayYear] = [:]
        for directory in [shippedDirectory, importedDirectory] {
            for (year, path) in try Self.yearFiles(in: directory) {
                years[year] = try Self.read(path, expectedYear: year)
            }
        }
        do {
            return try OfficialCalendar(years: Array(years.values))
        } catch {
            throw Self.invalid(shippedDirectory, error)
        }
    }

    /// Checks a holiday-cn year file and stores it as `data_dir/calendar/YYYY.json`, returning
    /// the calendar before and after so the caller can find the bookings the change affects.
    public func importYear(from path: String) throws(StartupError) -> (year: HolidayYear, before: OfficialCalendar, after: OfficialCalendar) {
        let before = try load()
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StartupError(code: "calendarFileUnreadable", message: .init(
                zh: "无法读取日历文件 \(path)", en: "cannot read the calendar file \(path)"))
        }
        let year: HolidayYear
        do { year = try HolidayYear.decode(data) } catch { throw Self.invalid(path, error) }
        do {
            try FileManager.default.createDirectory(atPath: importedDirectory, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: "\(importedDirectory)/\(year.year).json"), options: .atomic)
        } catch {
            throw StartupError(code: "calendarNotStored", message: .init(
                zh: "无法写入 \(importedDirectory)", en: "cannot write the calendar into \(importedDirectory)"))
        }
        return (year, before, before.replacing(year))
    }

    /// `YYYY.json` files only: the licence and the README sit beside them.
    private static func yearFiles(in directory: String) throws(StartupError) -> [(Int, String)] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw StartupError(code: "calendarFileUnreadable", message: .init(
                zh: "无法读取日历目录 \(directory)", en: "cannot list the calendar directory \(directory)"))
        }
        return names.sorted().compactMap { name in
            guard name.hasSuffix(".json"), let year = Int(name.dropLast(5)), name.count == 9 else { return nil }
            return (year, "\(directory)/\(name)")
        }
    }

    private static func read(_ path: String, expectedYear: Int) throws(StartupError) -> HolidayYear {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StartupError(code: "calendarFileUnreadable", message: .init(
                zh: "无法读取日历文件 \(path)", en: "cannot read the calendar file \(path)"))
        }
        let year: HolidayYear
        do { year = try HolidayYear.decode(data) } catch { throw invalid(path, error) }
        guard year.year == expectedYear else {
            throw invalid(path, BookingError(.calendarFileMalformed, "the file holds year \(year.year)"))
        }
        return year
    }

    private static func invalid(_ path: String, _ error: BookingError) -> StartupError {
        StartupError(code: error.code.rawValue, message: .init(zh: "\(path)：\(error.messageZH)", en: "\(path): \(error.messageEN)"))
    }
}
