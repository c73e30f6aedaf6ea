import JSONLogic
import Testing

@Suite struct RuleTests {
    @Test func collectsRootScopeVariablesAndOperators() throws {
        let rule = try Rule(parsing: """
            {"and": [
              {">=": [{"var": "applicant.age"}, 18]},
              {"missing": ["applicant.name", "applicant.idNumber"]},
              {"missing_some": [1, ["phone", "email"]]},
              {"?:": [{"var": ["household.size", 1]}, true, false]},
              {"all": [{"var": "children"}, {"<": [{"var": "age"}, 18]}]},
              {"var": 0}
            ]}
            """)
        #expect(rule.referencedVariables == ["applicant.age", "applicant.name", "applicant.idNumber", "phone", "email",
                                             "household.size", "children", "0"])
        #expect(rule.operators == ["and", ">=", "var", "missing", "missing_some", "?:", "all", "<"])
    }

    @Test func leavesComputedAndWholeDataPathsOut() throws {
        let rule = try Rule(parsing: #"{"cat": [{"var": ""}, {"var": {"cat": ["a", "b"]}}, {"missing": {"merge": ["vin"]}}]}"#)
        #expect(rule.referencedVariables.isEmpty)
        #expect(rule.operators == ["cat", "var", "missing", "merge"])
    }

    @Test func rejectsUnknownOperatorsByName() {
        #expect(throws: LogicError(.unknownOperator, operatorName: "frobnicate")) {
            try Rule(parsing: #"{"if": [true, {"frobnicate": [1]}, 2]}"#)
        }
    }

    @Test(arguments: [#"{"/": [1]}"#, #"{"!": []}"#, #"{"map": [[1]]}"#, #"{"substr": ["a"]}"#, #"{"today": [1]}"#,
                      #"{"==": [1, 2, 3]}"#, #"{"var": ["a", 1, 2]}"#, #"{">": [1, 2, 3]}"#])
    func rejectsWrongArgumentCounts(_ text: String) {
        #expect(throws: LogicError.self) { try Rule(parsing: text) }
        #expect((try? Rule(parsing: text)) == nil)
    }

    @Test func multiKeyObjectsAreLiterals() throws {
        let rule = try Rule(parsing: #"{"a": 1, "b": {"var": "x"}}"#)
        #expect(rule.evaluate(data: ["x": 2], context: EvaluationContext()) == .success(["a": 1, "b": ["var": "x"]]))
        #expect(rule.operators.isEmpty)
    }

    @Test func limitsRuleDepth() {
        var deep: JSON = 1
        for _ in 0..<Rule.maximumDepth { deep = ["!!": [deep]] }
        #expect(throws: LogicError(.tooDeep)) { try Rule(deep) }
    }
}
