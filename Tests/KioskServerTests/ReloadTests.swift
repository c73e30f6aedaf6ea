import Hosting
import Foundation
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
@testable import KioskServer
import KioskTesting
import Logging
import Testing

/// A hall administrator edits Forms/, the calendar and kiosk.conf while the terminal serves; a
/// technician applies them with `POST /v1/reload` (the same as SIGHUP): all at once, or not at
/// all, and a citizen in the middle of a filing finishes on the version they started.
@Suite("Reload: Forms/, the calendar, [hours] and [[services]] without a restart")
struct ReloadTests {
    static let services = """
        [[services]]
        id = "hukou"
        name_zh = "户籍业务"
        name_en = "Household registration"
        duration_minutes = 20
        counters = ["A1", "A2"]

        """

    func offeredForms(_ client: some TestClientProtocol) async throws -> [String] {
        try await client.execute(uri: "/v1/forms", method: .get).decoded([FormSummary].self).map(\.id)
    }

    func calendarDay(_ client: some TestClientProtocol, _ date: String) async throws -> CalendarDayView? {
        try await client.execute(uri: "/v1/calendar?from=\(date)&to=\(date)", method: .get).decoded([CalendarDayView].self).first
    }

    func reloadWarnings(_ client: some TestClientProtocol) async throws -> [String]? {
        let ready = try await client.execute(uri: "/readyz", method: .get).decoded(ReadinessReport.self)
        return try #require(ready.components.first { $0.name == "reload" }).warnings
    }

    func edit(_ path: String, _ change: (String) -> String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let changed = change(text)
        #expect(changed != text, "the edit changed nothing in \(path)")
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func formsCalendarAndHoursChangeAtOnceAndSessionsKeepTheirForm() async throws {
        let installation = try TestInstallation(config: Self.services)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { citizen in
            let technician = try await application.signedIn(citizen, role: .technician)

            // A citizen starts a residence permit filing on the version served now.
            let started = try await citizen.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
            #expect(started.status == .created)
            let sessionID = try started.decoded(SessionView.self).sessionId

            // The administrator renames the first step, adds a filing and imports 2027.
            let forms = installation.root + "/Forms"
            try edit(forms + "/residence-permit.yaml") { $0.replacingOccurrences(of: "申请人信息", with: "申请人基本信息") }
            let copy = try String(contentsOfFile: forms + "/residence-permit.yaml", encoding: .utf8)
                .replacingOccurrences(of: "id: residence-permit\n", with: "id: residence-permit-renewal\n")
            try copy.write(toFile: forms + "/residence-permit-renewal.yaml", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: installation.dataDirectory + "/calendar", withIntermediateDirectories: true)
            try #"{"year": 2027, "papers": [], "days": [{"name": "国庆节", "date": "2027-10-01", "isOffDay": true}]}"#
                .write(toFile: installation.dataDirectory + "/calendar/2027.json", atomically: true, encoding: .utf8)

            // Nothing changes until the reload: the running version is served.
            #expect(try await offeredForms(citizen).count == 4)
            #expect(try await calendarDay(citizen, "2027-10-01")?.provisional == true)

            #expect(try await citizen.execute(uri: "/v1/reload", method: .post).status == .unauthorized)
            let reloaded = try await technician.execute(uri: "/v1/reload", method: .post)
            #expect(reloaded.status == .ok)
            let report = try reloaded.decoded(ReloadReport.self)
            #expect(report.reloaded)
            #expect(report.forms.contains("residence-permit-renewal"))
            #expect(report.calendarYears.contains(2027))
            #expect(report.applied == [])
            #expect(report.restartNeeded == [])

            #expect(try await offeredForms(citizen).contains("residence-permit-renewal"))
            let after = try #require(try await calendarDay(citizen, "2027-10-01"))
            #expect(after.kind == .holiday)
            #expect(!after.provisional)

            // The session in progress keeps the step it started with; a new one gets the new title.
            let running = try await citizen.execute(uri: "/v1/sessions/\(sessionID)", method: .get).decoded(SessionView.self)
            #expect(running.screen?.title.zh == "申请人信息")
            #expect(try await citizen.execute(uri: "/v1/sessions/\(sessionID)", method: .delete).status == .noContent)
            let fresh = try await citizen.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self)
            #expect(fresh.screen?.title.zh == "申请人基本信息")
        }
    }

    @Test func hoursAndServicesApplyOtherKeysWaitForARestart() async throws {
        let installation = try TestInstallation(config: Self.services)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { citizen in
            let technician = try await application.signedIn(citizen, role: .technician)
            try installation.writeConfig("""
                listen = "127.0.0.1:8181"

                [hours]
                saturday = "09:00-12:00"

                \(Self.services)
                [[services]]
                id = "tax"
                name_zh = "税务"
                name_en = "Tax"
                duration_minutes = 30
                counters = ["T1"]
                """)
            let report = try await technician.execute(uri: "/v1/reload", method: .post).decoded(ReloadReport.self)
            #expect(report.applied == ["hours", "services"])
            #expect(report.restartNeeded == ["listen"])
            let services = try await citizen.execute(uri: "/v1/services", method: .get).decoded([ServiceView].self).map(\.id)
            #expect(services == ["hukou", "tax"])
            #expect(try await calendarDay(citizen, "2026-12-05")?.opening?.description == "09:00-12:00")
        }
    }

    /// A slip in an edit never takes the terminal's filings away: the whole reload is refused,
    /// the running version stays, and the answer and /readyz say why, with FILE:LINE.
    @Test func aReloadThatFailsItsChecksKeepsTheRunningVersion() async throws {
        let installation = try TestInstallation(config: Self.services)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { citizen in
            let technician = try await application.signedIn(citizen, role: .technician)
            let form = installation.root + "/Forms/residence-permit.yaml"
            try edit(form) { $0.replacingOccurrences(of: "        required: true\n        prefill: idcard.name",
                                                      with: "        required: no\n        prefill: idcard.name") }
            try installation.writeConfig(Self.services + "\n[[services]]\nid = \"tax\"\n")

            let refused = try await technician.execute(uri: "/v1/reload", method: .post)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let problem = try refused.decoded(Problem.self)
            #expect(problem.code == "reloadRefused")
            // Every problem at once: kiosk.conf's and the form's.
            let problems = try #require(problem.problems)
            #expect(problems.contains(installation.configPath + ":8: services[1]: missing required key 'name_zh'"), "\(problems)")
            #expect(problems.contains { $0.hasPrefix("\(form):24: steps[applicant].fields[name].required:") }, "\(problems)")

            // kiosk.conf fixed, the form still broken: refused for the form, at its line.
            try installation.writeConfig(Self.services)
            let again = try await technician.execute(uri: "/v1/reload", method: .post).decoded(Problem.self)
            let formProblems = try #require(again.problems)
            #expect(formProblems.count == 1)
            #expect(formProblems.first?.hasPrefix("\(form):24: steps[applicant].fields[name].required: Expected true, false or a condition") == true,
                    "\(formProblems)")

            #expect(try await offeredForms(citizen).contains("residence-permit"))
            let warnings = try #require(try await reloadWarnings(citizen))
            #expect(warnings.first?.contains("was refused; the running version stays") == true)
            #expect(warnings.dropFirst().first == formProblems.first)

            // Fixed: the next reload is served and the warning goes.
            try edit(form) { $0.replacingOccurrences(of: "required: no\n", with: "required: true\n") }
            #expect(try await technician.execute(uri: "/v1/reload", method: .post).decoded(ReloadReport.self).reloaded)
            #expect(try await reloadWarnings(citizen) == nil)
        }
    }
}

/// kiosk.conf's comments and the README's "Applying changes" say which keys a reload applies;
/// the code's list decides, and these keep the words true.
@Suite struct ApplyingChangesDocumentTests {
    static let root = TestInstallation.repository

    func text(_ name: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(name), encoding: .utf8)
    }

    @Test func kioskConfNamesTheReloadableTablesAndNothingElse() throws {
        let conf = try text("kiosk.conf")
        let header = try #require(conf.range(of: "# Applying a change:")).upperBound
        let sentence = try #require(conf[header...].range(of: "are read again")).lowerBound
        let named = conf[header..<sentence].matches(of: /\[\[?([a-z_.]+)\]\]?/).map { String($0.output.1) }
        #expect(named == ReloadPolicy.reloadableKeys)
        #expect(conf[header...].contains("Every other key, [queue.prefixes]\n# included, takes effect only when kiosk serve restarts"))
        // Each reloadable table's own comment says so; no other section claims it.
        let marked = conf.components(separatedBy: "\n").filter { $0.contains("applied on reload") }
        #expect(marked.count == ReloadPolicy.reloadableKeys.count)
        for key in ReloadPolicy.reloadableKeys {
            #expect(marked.contains { $0.hasPrefix("# \(key) (") || $0.contains("Opening hours") && key == "hours" }, "\(key)")
        }
    }

    @Test func readmeTellsTheAdministratorWhatAReloadApplies() throws {
        let readme = try text("README.md")
        let section = try #require(readme.range(of: "### Applying changes"))
        let body = readme[section.upperBound...].prefix(3000)
        #expect(body.contains("`kill -HUP <pid>` (SIGHUP)") && body.contains("`POST /v1/reload`"))
        #expect(body.contains("| `kiosk.conf`: `[hours]` (with `[[hours.after_hours]]` and `[[hours.overrides]]`) and `[[services]]` | on reload |"))
        #expect(body.contains("| `kiosk.conf`: every other key, `[queue.prefixes]` included | at the next restart"))
        #expect(body.contains("422 `reloadRefused`"))
    }
}
