import Booking
import Foundation
import KioskCore

public enum ConfigurationLoader {
    /// The variable that names the configuration file when `--config` is not given.
    public static let fileVariable = "KIOSK_CONFIG"

    /// Reads, overrides and checks a configuration file; throws every problem found.
    public static func load(
        file path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) -> Configuration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot read the configuration file (permissions, or not UTF-8 text)"
                : "the configuration file does not exist (pass --config FILE or set \(fileVariable))"
            throw ConfigurationErrors(problems: [.init(source: .file(path: path, line: 0), message: reason)])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try load(text: text, path: path, baseDirectory: base, environment: environment)
    }

    public static func load(
        text: String, path: String, baseDirectory: String, environment: [String: String]
    ) throws(ConfigurationErrors) -> Configuration {
        var problems: [ConfigurationProblem] = []
        var values: [String: TOMLValue] = [:]
        var sources: [String: ValueSource] = [:]
        var tables: [String: TOMLTable.Entry] = [:]

        do {
            let document = try TOML.parse(text)
            collect(document, prefix: "", into: &values, tables: &tables, sources: &sources, path: path, problems: &problems)
        } catch {
            problems.append(.init(source: .file(path: path, line: error.line), message: error.message))
        }

        var hoursOverrides: [String: String] = [:]
        for (name, raw) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("KIOSK_") {
            guard name != fileVariable else { continue }
            if let key = BookingTables.hoursKey(forVariable: name) {
                switch overrideHours(key, raw, tables: &tables) {
                case .success: hoursOverrides["hours.\(key)"] = name
                case .failure(let message): problems.append(.init(source: .environment(name), message: message.description))
                }
                continue
            }
            if let table = BookingTables.fileOnlyKey(forVariable: name) {
                problems.append(.init(source: .environment(name), message:
                    "\(table) cannot be set from the environment (a list of tables or a value that follows another key); set it in the configuration file"))
                continue
            }
            guard let setting = Setting.all.first(where: { $0.environmentVariable == name }) else {
                problems.append(.init(source: .environment(name), message: "no configuration key is named by this variable"))
                continue
            }
            switch fromEnvironment(raw, for: setting) {
            case .success(let value):
                values[setting.path] = value
                sources[setting.path] = .environment(name)
            case .failure(let message):
                problems.append(.init(source: .environment(name), message: message.description))
            }
        }

        for setting in Setting.all where values[setting.path] == nil {
            values[setting.path] = setting.defaultValue
            sources[setting.path] = .defaultValue
        }

        for setting in Setting.all {
            guard let value = values[setting.path], let source = sources[setting.path] else { continue }
            let resolved = check(value, as: setting, baseDirectory: baseDirectory)
            switch resolved {
            case .success(let value): values[setting.path] = value
            case .failure(let message):
                problems.append(.init(source: source, message: "\(setting.path): \(message)"))
            }
        }

        let zone = if case .string(let text)? = values["time_zone"] { text } else { HallHours.defaultTimeZone }
        var bookingProblems: [ConfigurationProblem] = []
        let booking = BookingTables.decode(tables, file: path, timeZone: zone, problems: &bookingProblems)
        // A problem with an overridden hours key names the variable, not line 0 of the file.
        problems += bookingProblems.map { problem in
            guard case .file(_, 0) = problem.source,
                  let variable = hoursOverrides.first(where: { problem.message.hasPrefix($0.key + ":") || problem.message.hasPrefix($0.key + " ") })?.value
            else { return problem }
            return ConfigurationProblem(source: .environment(variable), message: problem.message)
        }
        for name in BookingTables.names {
            sources[name] = tables[name].map { .file(path: path, line: $0.line) } ?? .defaultValue
        }
        if let variable = hoursOverrides.values.sorted().first { sources["hours"] = .environment(variable) }

        if case .integer(let timeout)? = values["session.timeout_seconds"], case .integer(let warning)? = values["session.warning_seconds"],
           warning >= timeout, let source = sources["session.warning_seconds"] {
            problems.append(.init(source: source, message: "session.warning_seconds: \(warning) must be less than session.timeout_seconds (\(timeout))"))
        }
        problems += tlsProblems(values: values, sources: sources)
        problems += displayProblems(values: values, sources: sources)
        problems += secretsProblems(values: values, sources: sources)
        problems += printerProfileProblems(values: values, sources: sources)
        guard problems.isEmpty else { throw ConfigurationErrors(problems: problems) }
        var configuration = build(values: values, sources: sources, booking: booking)
        configuration.file = URL(fileURLWithPath: path).standardizedFileURL.path
        return configuration
    }

    /// HTTPS needs both files, and a listener other machines can reach needs HTTPS: the
    /// terminal's PINs and tokens must never cross a network in clear text.
    private static func tlsProblems(values: [String: TOMLValue], sources: [String: ValueSource]) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        let certificate = if case .string(let text)? = values["tls.certificate_file"] { text } else { "" }
        let key = if case .string(let text)? = values["tls.key_file"] { text } else { "" }
        if certificate.isEmpty != key.isEmpty {
            let (set, missing) = certificate.isEmpty ? ("tls.key_file", "tls.certificate_file") : ("tls.certificate_file", "tls.key_file")
            if let source = sources[set] {
                problems.append(.init(source: source, message: "\(set) is set but \(missing) is not; HTTPS needs both"))
            }
        }
        if case .string(let text)? = values["listen"], case .success(let listen) = parseAddress(text),
           !listen.isLoopback, certificate.isEmpty || key.isEmpty, let source = sources["listen"] {
            problems.append(.init(source: source, message:
                "listen: \(listen) is not loopback; a listener reachable from the network needs [tls] certificate_file and key_file"))
        }
        return problems
    }

    /// The call display's listener is for the hall network: HTTPS always, so its token never
    /// crosses the network in clear text.
    private static func displayProblems(values: [String: TOMLValue], sources: [String: ValueSource]) -> [ConfigurationProblem] {
        func text(_ key: String) -> String { if case .string(let text)? = values[key] { text } else { "" } }
        guard !text("display.listen").isEmpty, let source = sources["display.listen"] else { return [] }
        let missing = ["display.certificate_file", "display.key_file"].filter { text($0).isEmpty }
        guard !missing.isEmpty else { return [] }
        return [.init(source: source, message:
            "display.listen is set but \(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not; "
                + "the display listener serves HTTPS only")]
    }

    /// Keys never beside what they protect: the key directory may not be `data_dir` or inside it.
    private static func secretsProblems(values: [String: TOMLValue], sources: [String: ValueSource]) -> [ConfigurationProblem] {
        guard case .string(let secrets)? = values["secrets.dir"], !secrets.isEmpty,
              case .string(let data)? = values["data_dir"] else { return [] }
        let inside = secrets == data || secrets.hasPrefix(data.hasSuffix("/") ? data : data + "/")
        guard inside else { return [] }
        return [.init(source: sources["secrets.dir"] ?? .defaultValue,
                      message: "secrets.dir: \(secrets) is inside data_dir (\(data)); keys must not live beside the data they protect")]
    }

    /// A forced profile needs a pinned printer to apply to, and must be one of the profile
    /// files (their top-level `id:`), so a typo is refused here and not at the first receipt.
    private static func printerProfileProblems(values: [String: TOMLValue], sources: [String: ValueSource]) -> [ConfigurationProblem] {
        guard case .string(let name)? = values["devices.printer_profile"], !name.isEmpty,
              let source = sources["devices.printer_profile"] else { return [] }
        if case .string(let pin)? = values["devices.printer"], pin.isEmpty {
            return [.init(source: source, message: "devices.printer_profile: '\(name)' needs devices.printer, the printer it applies to")]
        }
        guard case .string(let devices)? = values["devices.dir"] else { return [] }
        let known = profileIDs(in: URL(fileURLWithPath: devices).appendingPathComponent("profiles").path)
        guard !known.contains(name) else { return [] }
        var message = "devices.printer_profile: no profile '\(name)' in \(devices)/profiles"
        if let near = nearest(name, among: known) { message += "; did you mean '\(near)'?" }
        message += " (profiles: \(known.sorted().joined(separator: ", ")))"
        return [.init(source: source, message: message)]
    }

    /// The `id:` of each `*.yaml` profile file directly in `directory`.
    static func profileIDs(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted().compactMap { file in
            guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else { return nil }
            return text.split(separator: "\n").lazy.compactMap { line -> String? in
                guard line.hasPrefix("id:") else { return nil }
                let value = line.dropFirst(3).split(separator: "#").first?.trimmingCharacters(in: .whitespaces) ?? ""
                return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }.first
        }
    }

    // MARK: Reading the document

    private static func collect(
        _ table: TOMLTable, prefix: String, into values: inout [String: TOMLValue], tables: inout [String: TOMLTable.Entry],
        sources: inout [String: ValueSource], path: String, problems: inout [ConfigurationProblem]
    ) {
        for key in table.keys {
            guard let entry = table[key] else { continue }
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if BookingTables.names.contains(name) {
                tables[name] = entry
                continue
            }
            if case .table(let child) = entry.value, Setting.named(name) == nil,
               Setting.all.contains(where: { $0.path.hasPrefix(name + ".") }) {
                collect(child, prefix: name, into: &values, tables: &tables, sources: &sources, path: path, problems: &problems)
                continue
            }
            guard Setting.named(name) != nil else {
                var message = "unknown key '\(name)'"
                if let near = nearestKey(to: name) { message += "; did you mean '\(near)'?" }
                problems.append(.init(source: .file(path: path, line: entry.line), message: message))
                continue
            }
            values[name] = entry.value
            sources[name] = .file(path: path, line: entry.line)
        }
    }

    /// The known key a typo most likely meant, if one is close enough to suggest.
    static func nearestKey(to name: String) -> String? {
        nearest(name, among: Setting.all.map(\.path))
    }

    static func nearest(_ name: String, among candidates: some Sequence<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(name, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 4) else { return nil }
        return best.0
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var row = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return a.isEmpty ? b.count : previous[b.count]
    }

    /// `KIOSK_HOURS_<KEY>`: puts the value into `[hours]` (creating the table when the file has
    /// none), to be checked with the rest of the table.
    private static func overrideHours(_ key: String, _ raw: String, tables: inout [String: TOMLTable.Entry]) -> Result<Void, Message> {
        let value: TOMLValue
        if case .integer = BookingTables.overridableHoursKeys[key] {
            guard let number = Int64(raw.replacingOccurrences(of: "_", with: "")) else {
                return .failure(Message("expected an integer, found '\(raw)'"))
            }
            value = .integer(number)
        } else {
            value = .string(raw)
        }
        var table = TOMLTable()
        var line = 0
        if let entry = tables["hours"] {
            guard case .table(let existing) = entry.value else { return .failure(Message("[hours] in the file is not a table")) }
            table = existing
            line = entry.line
        }
        table.override(key, with: value, line: 0)
        tables["hours"] = TOMLTable.Entry(value: .table(table), line: line)
        return .success(())
    }

    private static func fromEnvironment(_ raw: String, for setting: Setting) -> Result<TOMLValue, Message> {
        if case .subset = setting.kind {
            let items = raw.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            return .success(.array(items.map { .string($0) }))
        }
        guard case .integer = setting.kind else { return .success(.string(raw)) }
        guard let number = Int64(raw.replacingOccurrences(of: "_", with: "")) else {
            return .failure(Message("expected an integer, found '\(raw)'"))
        }
        return .success(.integer(number))
    }

    // MARK: Checking values

    struct Message: Error, CustomStringConvertible {
        let description: String
        init(_ text: String) { description = text }
    }

    private static func check(_ value: TOMLValue, as setting: Setting, baseDirectory: String) -> Result<TOMLValue, Message> {
        switch (setting.kind, value) {
        case (.integer(let range), .integer(let n)):
            return range.contains(n) ? .success(value) : .failure(Message("\(n) is outside \(range.lowerBound)...\(range.upperBound)"))
        case (.integer, _):
            return .failure(Message("expected an integer, found \(value.typeName)"))
        case (.subset(let options), .array(let items)):
            var seen: [String] = []
            for item in items {
                guard case .string(let text) = item else { return .failure(Message("expected an array of strings, found \(item.typeName) in it")) }
                guard options.contains(text) else {
                    return .failure(Message("'\(text)' is not one of \(options.joined(separator: ", "))"))
                }
                guard !seen.contains(text) else { return .failure(Message("'\(text)' is listed twice")) }
                seen.append(text)
            }
            return .success(value)
        case (.subset, _):
            return .failure(Message("expected an array of strings, found \(value.typeName)"))
        case (_, .string(let text)):
            return checkText(text, as: setting, baseDirectory: baseDirectory).map { .string($0) }
        default:
            return .failure(Message("expected \(setting.kind.tomlType), found \(value.typeName)"))
        }
    }

    private static func checkText(_ text: String, as setting: Setting, baseDirectory: String) -> Result<String, Message> {
        switch setting.kind {
        case .string:
            return text.isEmpty ? .failure(Message("must not be empty")) : .success(text)
        case .telephone(let optional):
            if text.isEmpty { return optional ? .success(text) : .failure(Message("must not be empty")) }
            let dialled = text.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "0123456789 -+()").contains($0) }
            return dialled && text.count <= 24 && text.contains(where: \.isNumber) ? .success(text)
                : .failure(Message("'\(text.prefix(32))' is not a telephone number (digits, spaces, -, + and parentheses, at most 24)"))
        case .profileID:
            // Whether a profile has this id is checked with the other keys (printerProfileProblems).
            return text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) ? .success(text)
                : .failure(Message("'\(text)' is not a profile id (letters, digits, - and _)"))
        case .choice(let options):
            return options.contains(text) ? .success(text)
                : .failure(Message("'\(text)' is not one of \(options.joined(separator: ", "))"))
        case .address:
            return parseAddress(text).map { _ in text }
        case .optionalAddress:
            return text.isEmpty ? .success(text) : parseAddress(text).map { _ in text }
        case .timeZone:
            return TimeZone(identifier: text) != nil ? .success(text) : .failure(Message("'\(text)' is not a known time zone"))
        case .existingDirectory:
            let full = resolve(text, against: baseDirectory)
            return isDirectory(full) ? .success(full) : .failure(Message("the directory \(full) does not exist"))
        case .writableDirectory:
            let full = resolve(text, against: baseDirectory)
            if FileManager.default.fileExists(atPath: full) {
                guard isDirectory(full) else { return .failure(Message("\(full) is not a directory")) }
                return access(full, W_OK) == 0 ? .success(full) : .failure(Message("the directory \(full) is not writable"))
            }
            let parent = URL(fileURLWithPath: full).deletingLastPathComponent().path
            guard isDirectory(parent) else { return .failure(Message("cannot create \(full): \(parent) does not exist")) }
            return access(parent, W_OK) == 0 ? .success(full) : .failure(Message("cannot create \(full): \(parent) is not writable"))
        case .database:
            if text == "sqlite" { return .success(text) }
            if text.hasPrefix("sqlite:") {
                let file = String(text.dropFirst("sqlite:".count))
                return file.isEmpty ? .failure(Message("sqlite: needs a file path")) : .success("sqlite:" + resolve(file, against: baseDirectory))
            }
            if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
                do {
                    _ = try PostgresURL(text)
                    return .success(text)
                } catch {
                    return .failure(Message("invalid PostgreSQL URL: \(error.reason)"))
                }
            }
            return .failure(Message("expected \"sqlite\", \"sqlite:PATH\" or a postgres:// URL"))
        case .ticketPrefix:
            return QueuePolicy.isValidPrefix(text) ? .success(text)
                : .failure(Message("'\(text)' is not a ticket prefix (one to three capital letters A-Z)"))
        case .optionalFile:
            guard !text.isEmpty else { return .success(text) }
            let full = resolve(text, against: baseDirectory)
            guard FileManager.default.fileExists(atPath: full) else { return .failure(Message("the file \(full) does not exist")) }
            guard !isDirectory(full) else { return .failure(Message("\(full) is a directory, not a file")) }
            return access(full, R_OK) == 0 ? .success(full) : .failure(Message("the file \(full) is not readable"))
        case .optionalDirectory:
            guard !text.isEmpty else { return .success(text) }
            let full = resolve(text, against: baseDirectory)
            if FileManager.default.fileExists(atPath: full) {
                return isDirectory(full) ? .success(full) : .failure(Message("\(full) is not a directory"))
            }
            return .success(full)
        case .integer:
            return .failure(Message("expected an integer"))
        case .subset:
            return .failure(Message("expected an array of strings"))
        case .printerPin:
            guard !text.isEmpty else { return .success(text) }
            return Configuration.PrinterPin(text) != nil ? .success(text)
                : .failure(Message("'\(text)' is not usb:VID:PID, usb:VID:PID:SERIAL (ids in hex, as lsusb prints them) or cups:QUEUE"))
        }
    }

    static func parseAddress(_ text: String) -> Result<Configuration.ListenAddress, Message> {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(Message("'\(text)' is not [IPv6]:port"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(Message("'\(text)' has no port (expected host:port)")) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { return .failure(Message("'\(text)' has no host")) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(Message("port '\(portText)' is not a number from 1 to 65535"))
        }
        return .success(.init(host: String(host), port: port))
    }

    private static func resolve(_ path: String, against base: String) -> String {
        let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: base).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    // MARK: Building

    private static func build(values: [String: TOMLValue], sources: [String: ValueSource],
                              booking: BookingTables) -> Configuration {
        func text(_ key: String) -> String {
            guard case .string(let s)? = values[key] else { preconditionFailure("\(key) was checked as a string") }
            return s
        }
        func integer(_ key: String) -> Int {
            guard case .integer(let n)? = values[key] else { preconditionFailure("\(key) was checked as an integer") }
            return Int(n)
        }
        func strings(_ key: String) -> [String] {
            guard case .array(let items)? = values[key] else { preconditionFailure("\(key) was checked as an array") }
            return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        let dataDirectory = text("data_dir")
        let secretsDirectory = text("secrets.dir").isEmpty
            ? URL(fileURLWithPath: dataDirectory).deletingLastPathComponent().appendingPathComponent("secrets").path
            : text("secrets.dir")
        let databaseText = text("database")
        let database: Configuration.Database =
            if databaseText == "sqlite" { .sqlite(path: dataDirectory + "/kiosk.sqlite") }
            else if databaseText.hasPrefix("sqlite:") { .sqlite(path: String(databaseText.dropFirst("sqlite:".count))) }
            else { .postgres(url: databaseText) }
        guard case .success(let listen) = parseAddress(text("listen")),
              let timeZone = TimeZone(identifier: text("time_zone")),
              let deviceMode = Configuration.DeviceMode(rawValue: text("devices.mode")),
              let logFormat = Configuration.LogFormat(rawValue: text("log.format"))
        else { preconditionFailure("values were checked before building") }
        let certificateFile = text("tls.certificate_file"), keyFile = text("tls.key_file")
        let tls = certificateFile.isEmpty || keyFile.isEmpty
            ? nil : Configuration.TLSFiles(certificateFile: certificateFile, keyFile: keyFile)
        var display: Configuration.DisplayListener?
        if case .success(let address) = parseAddress(text("display.listen")) {
            display = .init(listen: address, tls: .init(certificateFile: text("display.certificate_file"),
                                                         keyFile: text("display.key_file")))
        }
        var filings = FilingSettings()
        filings.warningPercent = integer("filings.warning_percent")
        filings.reminderWorkingDays = integer("filings.reminder_working_days")
        filings.followUpWorkingDays = integer("filings.follow_up_working_days")
        filings.badRatingThreshold = integer("filings.bad_rating_threshold")
        filings.badRatingWindowDays = integer("filings.bad_rating_window_days")
        filings.retentionGraceDays = integer("filings.retention_grace_days")
        filings.sweepSeconds = integer("filings.sweep_seconds")
        var help = HelpSettings()
        help.timeoutSeconds = integer("session.help_timeout_seconds")
        help.hotline = text("site.hotline")
        help.appointmentLine = text("site.appointment_line")
        var rateLimits = RateLimits(signInPerMinute: integer("limits.sign_in_per_minute"),
                                    bookingPerMinute: integer("limits.booking_per_minute"),
                                    codeMissesPerMinute: integer("limits.code_misses_per_minute"),
                                    printPerMinute: integer("limits.print_per_minute"))
        rateLimits.helpPerMinute = integer("limits.help_per_minute")
        rateLimits.speechPerMinute = integer("limits.speech_per_minute")
        return Configuration(
            listen: listen, tls: tls, dataDirectory: dataDirectory, secretsDirectory: secretsDirectory, database: database,
            timeZone: timeZone,
            terminalID: text("terminal.id"), terminalName: text("terminal.name"),
            siteID: text("site.id"), siteName: text("site.name"),
            deviceMode: deviceMode, devicesDirectory: text("devices.dir"), formsDirectory: text("forms.dir"),
            logLevel: text("log.level"), logFormat: logFormat, maxBodyBytes: integer("http.max_body_bytes"),
            readTimeoutSeconds: integer("http.read_timeout_seconds"), writeTimeoutSeconds: integer("http.write_timeout_seconds"),
            hours: booking.hours, services: booking.services,
            bookingPolicy: BookingPolicy(
                maxActivePerService: integer("booking.max_active_per_service"),
                maxActiveTotal: integer("booking.max_active_total"),
                noShowLimit: integer("booking.no_show_limit"),
                noShowWindowDays: integer("booking.no_show_window_days"),
                banDays: integer("booking.ban_days"),
                changeDeadlineMinutes: integer("booking.change_deadline_minutes"),
                holdSeconds: integer("booking.hold_seconds")),
            bookingMaintenanceSeconds: integer("booking.maintenance_seconds"),
            checkInWindow: CheckInWindow(earlyMinutes: integer("check_in.early_minutes"),
                                         lateMinutes: integer("check_in.late_minutes")),
            rateLimits: rateLimits,
            printJobRetentionDays: integer("devices.print_job_retention_days"),
            requiredDevices: strings("devices.required").compactMap(Configuration.RequiredDevice.init(rawValue:)),
            statusPollSeconds: integer("devices.status_poll_seconds"),
            heartbeatSeconds: integer("devices.heartbeat_seconds"),
            cupsSocket: text("devices.cups_socket"),
            printerPin: Configuration.PrinterPin(text("devices.printer")),
            printerProfile: text("devices.printer_profile").isEmpty ? nil : text("devices.printer_profile"),
            sessionTimeout: SessionTimeout(seconds: integer("session.timeout_seconds"), warningSeconds: integer("session.warning_seconds")),
            queue: QueuePolicy(prefixes: booking.ticketPrefixes, defaultPrefix: text("queue.default_prefix"),
                               elderlyAge: integer("queue.elderly_age"),
                               averageServiceMinutes: integer("queue.average_service_minutes"),
                               walkInCutoffMinutes: integer("queue.walk_in_cutoff_minutes")),
            filings: filings, help: help, display: display, sources: sources, values: values, file: nil)
    }
}

extension Configuration {
    /// The effective configuration as TOML-like lines with each value's source, secrets redacted.
    public func rendered() -> String {
        Setting.all.map { setting in
            let value = values[setting.path].map { Self.display($0, secret: setting.isSecret, path: setting.path) } ?? "?"
            let source = sources[setting.path]?.description ?? "default"
            return "\(setting.path) = \(value)  # \(source)"
        }.joined(separator: "\n") + "\n" + renderedBookingTables().joined(separator: "\n")
    }

    private static func display(_ value: TOMLValue, secret: Bool, path: String) -> String {
        if secret { return "\"***\"" }
        switch value {
        case .string(let s): return "\"\(path == "database" ? redactedURL(s) : s)\""
        case .integer(let n): return String(n)
        case .float(let d): return String(d)
        case .boolean(let b): return String(b)
        case .dateTime(let t): return t
        case .array(let items) where items.allSatisfy({ if case .string = $0 { true } else { false } }):
            return "[" + items.map { display($0, secret: false, path: path) }.joined(separator: ", ") + "]"
        case .array, .table: return "…"
        }
    }

    /// A database URL with its password replaced, safe to print and log.
    public static func redactedURL(_ text: String) -> String {
        guard var parts = URLComponents(string: text), parts.password != nil else { return text }
        parts.password = "***"
        return parts.string ?? "***"
    }
}
