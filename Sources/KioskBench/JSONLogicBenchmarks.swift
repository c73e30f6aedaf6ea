import JSONLogic

/// Rules evaluated per second. The rules and data are a representative selection (30 cases) of
/// the shared json-logic suite (MIT, jwadhams/json-logic), embedded here because a benchmark
/// must not read `../shared` at run time. Rules are parsed once, then each is evaluated against
/// its data in a loop, the way the form engine evaluates a loaded form's conditions.
public enum JSONLogicBenchmarks {
    static let suite: [(rule: String, data: String)] = [
        (#"{"==":[1,"1"]}"#, "{}"),
        (#"{"===":[1,1]}"#, "{}"),
        (#"{"!=":[1,2]}"#, "{}"),
        (#"{">=":["2",1]}"#, "{}"),
        (#"{"<":[1,2,3]}"#, "{}"),
        (#"{"!!":[[]]}"#, "{}"),
        (#"{"or":[false,false,true]}"#, "{}"),
        (#"{"and":[true,true,false]}"#, "{}"),
        (#"{"?:":[{">":[3,1]},"visible","hidden"]}"#, "{}"),
        (#"{"in":["Bart",["Bart","Homer","Lisa","Marge","Maggie"]]}"#, "{}"),
        (#"{"in":["Spring","Springfield"]}"#, "{}"),
        (#"{"cat":["we all scream for ","ice","cream"]}"#, "{}"),
        (#"{"max":[1,2,3]}"#, "{}"),
        (#"{"+":[2,2,2]}"#, "{}"),
        (#"{"/":[2,4]}"#, "{}"),
        (#"{"%":[3,2]}"#, "{}"),
        (#"{"substr":["jsonlogic",-5,-2]}"#, "null"),
        (#"{"merge":[[1],[2,3]]}"#, "null"),
        (#"{"if":[false,"apple",false,"banana",true,"carrot","date"]}"#, "null"),
        (#"{"var":"a.b"}"#, #"{"a":{"b":"c"}}"#),
        (#"{"var":["a.q",9]}"#, #"{"a":{"b":"c"}}"#),
        (#"{"and":[{"<":[{"var":"temp"},110]},{"==":[{"var":"pie.filling"},"apple"]}]}"#, #"{"temp":100,"pie":{"filling":"apple"}}"#),
        (#"{"missing":["a","b"]}"#, #"{"a":"apple"}"#),
        (#"{"missing_some":[2,["a","b","c"]]}"#, #"{"a":"apple","d":"durian"}"#),
        (#"{"missing":{"merge":["vin",{"if":[{"var":"financing"},["apr"],[]]}]}}"#, #"{"financing":true}"#),
        (#"{"filter":[{"var":"integers"},{"%":[{"var":""},2]}]}"#, #"{"integers":[1,2,3]}"#),
        (#"{"map":[{"var":"integers"},{"*":[{"var":""},2]}]}"#, #"{"integers":[1,2,3]}"#),
        (#"{"reduce":[{"var":"desserts"},{"+":[{"var":"accumulator"},{"var":"current.qty"}]},0]}"#,
         #"{"desserts":[{"name":"apple","qty":1},{"name":"brownie","qty":2},{"name":"cupcake","qty":3}]}"#),
        (#"{"all":[{"var":"items"},{">=":[{"var":"qty"},1]}]}"#, #"{"items":[{"qty":1,"sku":"apple"},{"qty":2,"sku":"banana"}]}"#),
        (#"{"some":[{"var":"items"},{">":[{"var":"qty"},1]}]}"#, #"{"items":[{"qty":1,"sku":"apple"},{"qty":2,"sku":"banana"}]}"#),
    ]

    public static func run() -> [Figure] {
        let context = EvaluationContext()
        let prepared: [(Rule, JSON)] = suite.compactMap { entry in
            guard let rule = try? Rule(parsing: entry.rule), let data = try? JSON(parsing: entry.data) else { return nil }
            return (rule, data)
        }
        guard prepared.count == suite.count else { return [] }
        let passesPerSecond = callsPerSecond {
            var successes = 0
            for (rule, data) in prepared {
                if case .success = rule.evaluate(data: data, context: context) { successes += 1 }
            }
            return successes
        }
        let parsesPerSecond = callsPerSecond {
            suite.reduce(0) { count, entry in (try? Rule(parsing: entry.rule)) == nil ? count : count + 1 }
        }
        return [
            Figure(name: "jsonlogic.evaluate", value: passesPerSecond * Double(prepared.count), unit: "rules/s"),
            Figure(name: "jsonlogic.parse", value: parsesPerSecond * Double(suite.count), unit: "rules/s"),
        ]
    }
}
