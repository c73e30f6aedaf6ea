import Filings
import FormEngine
import Foundation
import Testing

/// 首问负责 as plain values: who may take, hand over and close a call, and the month's figures.
@Suite("Calls for staff, as values")
struct HelpRequestValueTests {
    let start = Date(timeIntervalSinceReferenceDate: 800_000_000)

    func call(_ id: String = "h1", after seconds: TimeInterval = 0) -> HelpRequest {
        HelpRequest(id: id, terminalId: "T01", sessionId: "s1", screen: "session", raisedAt: start.addingTimeInterval(seconds), timeout: 90)
    }

    @Test func theFirstToTakeItIsResponsibleAndOnlyAHandoverMovesIt() throws {
        var request = call()
        #expect(request.state == .open && request.responsibleStaff == nil)
        #expect(throws: HelpRefusal(.helpRequestNotTaken)) {
            try request.handOver(to: "S2", by: "S1", callerMayReassign: false, at: start)
        }
        try request.take(by: "S1", at: start.addingTimeInterval(20))
        #expect(throws: HelpRefusal(.helpRequestTaken, "S1")) { try request.take(by: "S2", at: start) }
        #expect(throws: HelpRefusal(.notResponsible, "S1")) {
            try request.handOver(to: "S2", by: "S2", callerMayReassign: false, at: start)
        }
        #expect(throws: HelpRefusal(.alreadyResponsible, "S1")) {
            try request.handOver(to: "S1", by: "S1", callerMayReassign: false, at: start)
        }
        try request.handOver(to: "S2", by: "S1", callerMayReassign: false, at: start.addingTimeInterval(60))
        try request.handOver(to: "S3", by: "boss", callerMayReassign: true, at: start.addingTimeInterval(70))
        #expect(request.responsibility.map(\.staffNumber) == ["S1", "S2", "S3"])
        #expect(request.responsibility.map(\.from) == [nil, "S1", "S2"])
        #expect(request.handedOver && request.secondsToTake == 20)
        try request.close(by: "S3", at: start.addingTimeInterval(80))
        #expect(request.state == .closed)
        #expect(throws: HelpRefusal(.helpRequestClosed)) { try request.close(by: "S3", at: start) }
    }

    @Test func aCallIsOverdueOnlyWhileNobodyHasTakenIt() throws {
        var request = call()
        #expect(!request.isOverdue(at: start.addingTimeInterval(89.9)))
        #expect(request.isOverdue(at: start.addingTimeInterval(90)))
        try request.take(by: "S1", at: start.addingTimeInterval(120))
        #expect(!request.isOverdue(at: start.addingTimeInterval(200)))
    }

    @Test func theFiguresCountTakenInTimeMedianNinetiethAndHandovers() throws {
        var requests: [HelpRequest] = []
        for (index, wait) in [10.0, 30, 50, 200].enumerated() {
            var request = call("h\(index)", after: Double(index) * 1000)
            try request.take(by: "S1", at: request.raisedAt.addingTimeInterval(wait))
            if index == 0 { try request.handOver(to: "S2", by: "S1", callerMayReassign: false, at: request.raisedAt) }
            requests.append(request)
        }
        requests.append(call("never"))
        let figures = HelpFigures(requests)
        #expect(figures.requests == 5 && figures.taken == 4 && figures.takenWithinTimeout == 3 && figures.handedOver == 1)
        #expect(figures.medianSecondsToTake == 40 && figures.p90SecondsToTake == 200)
        #expect(figures.answeredShare == 0.8)
        let none = HelpFigures([])
        #expect(none.medianSecondsToTake == nil && none.answeredShare == nil)
    }

    @Test func theSessionKeepsTheFirstAskedUntilAHandover() throws {
        let loaded = FormLoader.load(yaml: Self.form, file: "f.yaml")
        let form = try #require(loaded.definition, "\(loaded.problems)")
        var session = FormSession.start(form, context: .init(now: start, timeZone: .gmt))
        let first = session.recordCallTaken(by: "S1", at: start)
        let second = session.recordCallTaken(by: "S2", at: start)
        #expect(first && !second, "a second call taken leaves the matter with the first")
        session.recordHandover(to: "S2", at: start)
        #expect(session.responsibleStaff == "S2" && session.responsibility.map(\.how) == [.tookCall, .handedOver])
        let stored = try JSONDecoder().decode(FormSession.self, from: try JSONEncoder().encode(session))
        #expect(stored.responsibility == session.responsibility)
    }

    static let form = """
        id: f
        version: 1
        title: {zh-CN: 表, en: Form}
        department: {zh-CN: 部门, en: Department}
        timeLimitDays: 1
        declaration: {zh-CN: 声明, en: Declaration}
        applicant:
          name: name
          identifier: {field: name, label: {zh-CN: 名称, en: Name}}
        steps:
          - id: one
            title: {zh-CN: 一, en: One}
            fields:
              - id: name
                type: text
                label: {zh-CN: 名称, en: Name}
        """
}
