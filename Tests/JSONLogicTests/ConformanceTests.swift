import Foundation
import JSONLogic
import Testing

/// The shared json-logic suite (MIT, jwadhams/json-logic; see Fixtures/LICENSE-jsonlogic-tests).
/// Read relative to this file rather than as a bundle resource, so the package needs no
/// resource rules for tests.
@Suite struct ConformanceTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures/jsonlogic-tests.json")

    /// `[rule, data, expected]` triples; the suite interleaves section titles as bare strings.
    static func cases() throws -> [(rule: JSON, data: JSON, expected: JSON)] {
        guard case .array(let entries) = try JSON(parsing: Data(contentsOf: fixtureURL)) else { return [] }
        return entries.compactMap { entry in
            guard case .array(let triple) = entry, triple.count == 3 else { return nil }
            return (triple[0], triple[1], triple[2])
        }
    }

    @Test func allSharedSuiteCasesPass() throws {
        let cases = try Self.cases()
        #expect(cases.count == 277)
        let context = EvaluationContext()
        for (index, testCase) in cases.enumerated() {
            let outcome: Result<JSON, LogicError>
            do throws(LogicError) {
                outcome = try Rule(testCase.rule).evaluate(data: testCase.data, context: context)
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let result):
                #expect(result == testCase.expected, "case \(index): \(testCase.rule) with \(testCase.data)")
            case .failure(let error):
                Issue.record("case \(index): \(testCase.rule) failed with \(error)")
            }
        }
    }

    @Test func numericEqualityTreatsIntegerAndFractionAlike() throws {
        #expect(try JSON(parsing: "1") == JSON(parsing: "1.0"))
        #expect(try JSON(parsing: "[2e0]") == [2])
    }
}
