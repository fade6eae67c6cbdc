import CortadoASL
import CortadoJSON
import CortadoPath
import CortadoRuntime

/// A backend whose Task states answer each attempt from a script (state name -> answers by
/// attempt, the last one repeated), at once and whatever the input: the tape lane plays
/// such answers when it compiles a program (`constantOutcome`).
public struct ScriptedTasks: TaskBackend {
    public let script: [String: [Result<JSON, ASLError>]]
    public init(script: [String: [Result<JSON, ASLError>]]) { self.script = script }
    public func constantOutcome(stateName: String, resource: String, attempt: Int) -> Result<JSON, ASLError>? {
        script[stateName].map { $0[min(attempt, $0.count - 1)] }
    }
    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        switch constantOutcome(stateName: request.stateName, resource: request.resource, attempt: request.attempt) {
        case .success(let v)?: return .success(v)
        case .failure(let e)?: return .failure(e)
        case nil: return .failure(ASLError(ErrorName("Unscripted"), request.stateName))
        }
    }
}

/// A backend that is called for each attempt, at once and without side effects (as a
/// simulated service is): `answer` gives each request's outcome, which arrives `delay`
/// seconds later (none at 0). It gives no constants, so the tape lane calls it as it runs.
public struct CalledTasks: TaskBackend {
    public let delay: Double
    public let answer: @Sendable (TaskRequest) -> Result<JSON, ASLError>
    public init(delay: Double, answer: @escaping @Sendable (TaskRequest) -> Result<JSON, ASLError>) {
        self.delay = delay; self.answer = answer
    }
    /// The answers of a script (by state name, each attempt's; the last repeats).
    public init(delay: Double, script: ScriptedTasks) {
        self.init(delay: delay) { r in
            script.constantOutcome(stateName: r.stateName, resource: r.resource, attempt: r.attempt)
                ?? .failure(ASLError(ErrorName("Unscripted"), r.stateName))
        }
    }
    public func answersAtOnce(resource: String) -> Bool { true }
    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        let o: TaskOutcome
        switch answer(request) {
        case .success(let v): o = .success(v)
        case .failure(let e): o = .failure(e)
        }
        return delay > 0 ? .after(seconds: delay, o) : o
    }
}

/// Random state machines of every state type the tape lane runs, and random inputs for them
/// (the differential tests of the lane against the general engine, outputs and logs).
public enum RandomPrograms {
    public struct Gen {
        public var rng: SplitMix64
        public init(rng: SplitMix64) { self.rng = rng }
        /// The Task states of the program made last.
        public var tasks: [String] = []

        public mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

        mutating func path() -> String {
            pick(["$", "$.a", "$.b", "$.x.y", "$.c", "$.c[0]", "$.c[1].v", "$.c[*].v", "$.missing", "$.x", "$.d", "$.c[-1:]",
                  "$.u", "$.c[?(@.v > 1)]", "$.c.length()", "$..v", "$['x']['y']", "$.c[0:2]", "$v", "$w.k"])
        }

        mutating func value() -> String {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: return #""v.$":"\#(path())""#
            case 1: return #""f.$":"States.Format('{} and {}', \#(pick(["$.a", "$.b", "$.d"])), \#(pick(["$.a", "$.b"])))""#
            case 2: return #""n.$":"States.ArrayLength(\#(pick(["$.c", "$.a", "$.c[*].v"])))""#
            case 3: return #""m.$":"States.MathAdd(\#(pick(["$.a", "$.c[0].v"])), \#(pick(["1", "-2", "$.a"])))""#
            case 4: return #""k":\#(pick(["1", "\"s\"", "[1,2]", "{\"z\":null}", "true"]))"#
            case 5: return #""ctx.$":"\#(pick(["$$.State.Name", "$$.Execution.Input.a", "$$.State.RetryCount"]))""#
            case 6: return #""o":{\#(value())}"#
            case 7: return #""j.$":"States.JsonMerge(\#(pick(["$.x", "$.c[0]"])), \#(pick(["$.x", "$"])), false)""#
            case 8: return #""s.$":"States.\#(pick(["JsonToString($.x)", "StringToJson($.b)", "Array($.a, $.b)", "ArrayContains($.c, $.c[0])", "ArrayUnique($.c[*].v)", "StringSplit($.b, 'y')", "Base64Encode($.b)", "Hash($.b, 'SHA-1')", "ArrayGetItem($.c, 0)", "ArrayRange(0, $.a, 1)", "ArrayPartition($.c, 1)", "MathAdd($.a, $.a)"]))""#
            default: return #""u.$":"\#(pick(["$.u", "$.x.y", "$v"]))""#
            }
        }

        mutating func template() -> String {
            (0..<Int.random(in: 1...3, using: &rng)).map { _ in value() }.joined(separator: ",")
        }

        mutating func filters(_ resultPath: Bool) -> String {
            var f = ""
            if chance(0.3) { f += #","InputPath":"\#(pick(["$", "$.x", "$.c", "$.missing", "$.c[0]"]))""# }
            if chance(0.3) { f += #","OutputPath":"\#(pick(["$", "$.x", "$.r", "$.missing", "$.c"]))""# }
            if resultPath && chance(0.5) { f += #","ResultPath":"\#(pick(["$.r", "$", "$.x.z", "$.a.q", "$.c[0].w"]))""# }
            return f
        }

        mutating func rule() -> String {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: return #"{"Variable":"$.a","NumericGreaterThan":\#(Int.random(in: 0...5, using: &rng))"#
            case 1: return #"{"Variable":"$.b","StringMatches":"\#(pick(["x*", "*y", "*"]))""#
            case 2: return #"{"Variable":"\#(pick(["$.d", "$.missing", "$.a"]))","IsPresent":true"#
            case 3: return #"{"Not":{"Variable":"$.c[0].v","NumericEqualsPath":"$.a"}"#
            default: return #"{"Variable":"$.x.y","StringEquals":"\#(pick(["p", "q"]))""#
            }
        }

        /// Retry and Catch of `names` (a Catcher goes to state `catchTo`).
        mutating func errorHandling(_ names: [String], catchTo: String = "End") -> String {
            var out = ""
            if chance(0.4) {
                out += #","Retry":[{"ErrorEquals":["\#(pick(names))"],"IntervalSeconds":\#(Int.random(in: 1...3, using: &rng)),"MaxAttempts":\#(Int.random(in: 0...2, using: &rng))}]"#
            }
            if chance(0.5) {
                // A Catcher's Assign reads the error output as `$` (a path that selects nothing
                // fails the state with States.Runtime).
                let assign = chance(0.3) ? #","Assign":{"caught.$":"\#(pick(["$.Error", "$.Cause", "$.missing"]))"}"# : ""
                out += #","Catch":[{"ErrorEquals":["\#(pick(names))"],"ResultPath":"\#(pick(["$.err", "$"]))"\#(assign),"Next":"\#(catchTo)"}]"#
            }
            return out
        }

        /// A child machine (its states' names begin with `at`): a Choice between a Pass and a
        /// Fail or a Task.
        mutating func child(_ at: String) -> String {
            let bad: String
            if chance(0.5) {
                bad = #""\#(at)Bad":{"Type":"Fail","Error":"\#(pick(["E1", "E2"]))","Cause":"c"}"#
            } else {
                tasks.append(at + "Bad")
                bad = #""\#(at)Bad":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}"#
            }
            // Sometimes the Pass is a Map of its own (children of children), whose items may
            // fail (a Fail state) and which may retry or catch them.
            let innerItem = chance(0.5)
                ? #"{"StartAt":"\#(at)N","States":{"\#(at)N":{"Type":"Pass","Parameters":{\#(template())},"End":true}}}"#
                : #"{"StartAt":"\#(at)Q","States":{"\#(at)Q":{"Type":"Choice","Choices":[\#(rule()),"Next":"\#(at)F"}],"Default":"\#(at)N"},"\#(at)N":{"Type":"Pass","End":true},"\#(at)F":{"Type":"Fail","Error":"E1","Cause":"inner"}}}"#
            let good = chance(0.2)
                ? #""\#(at)P":{"Type":"Map","ItemsPath":"$.c","ItemProcessor":\#(innerItem),"ResultPath":"$.inner"\#(errorHandling(["E1", "States.ALL"], catchTo: at + "Bad")),"End":true}"#
                : #""\#(at)P":{"Type":"Pass","Parameters":{\#(template())},"End":true}"#
            return #"{"StartAt":"\#(at)C","States":{"\#(at)C":{"Type":"Choice","Choices":[\#(rule()),"Next":"\#(at)Bad"}],"Default":"\#(at)P"},\#(good),\#(bad)}}"#
        }

        mutating func state(_ name: String, next: String) -> String {
            let to = chance(0.15) ? #""End":true"# : #""Next":"\#(next)""#
            switch Int.random(in: 0..<8, using: &rng) {
            case 0, 1:
                let body = chance(0.5) ? #","Parameters":{\#(template())}"# : (chance(0.5) ? #","Result":{"r":1}"# : "")
                let assign = chance(0.3) ? #","Assign":{"v.$":"\#(pick(["$.a", "$.b", "$.c[0]"]))","w":{"k.$":"\#(pick(["$.x", "$.d", "$.a"]))"}}"# : ""
                return #""\#(name)":{"Type":"Pass"\#(body)\#(assign)\#(filters(true)),\#(to)}"#
            case 2:
                return #""\#(name)":{"Type":"Choice","Choices":[\#(rule()),"Next":"\#(next)"}],"Default":"End"}"#
            case 3:
                let wait = pick([#""Seconds":\#(Int.random(in: 0...3, using: &rng))"#, #""SecondsPath":"\#(pick(["$.a", "$.b", "$.missing"]))""#])
                return #""\#(name)":{"Type":"Wait",\#(wait)\#(filters(false)),\#(to)}"#
            case 4:
                let tolerance = chance(0.4) ? pick([#","ToleratedFailureCount":1"#, #","ToleratedFailurePercentage":50"#, #","ToleratedFailureCountPath":"$.a""#]) : ""
                let selector = chance(0.5) ? #","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index","a.$":"$.a"}"# : ""
                let rs = chance(0.3) ? #","ResultSelector":{"all.$":"$","n.$":"States.ArrayLength($)"}"# : ""
                return #""\#(name)":{"Type":"Map","ItemsPath":"\#(pick(["$.c", "$.c", "$.a", "$.missing"]))"\#(selector),"MaxConcurrency":\#(Int.random(in: 0...2, using: &rng)),"ItemProcessor":\#(child(name + "i"))\#(tolerance)\#(rs)\#(filters(true))\#(errorHandling(["E1", "E2", "States.ALL", "States.ExceedToleratedFailureThreshold", "T"])),\#(to)}"#
            case 5:
                return #""\#(name)":{"Type":"Parallel","Branches":[\#(child(name + "a")),\#(child(name + "b"))]\#(filters(true))\#(errorHandling(["E1", "States.ALL", "T"])),\#(to)}"#
            case 6:
                tasks.append(name)
                let rs = chance(0.4) ? #","ResultSelector":{"p.$":"$.Payload","s.$":"\#(pick(["$.StatusCode", "$.missing"]))"}"# : ""
                return #""\#(name)":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{\#(template())}}\#(rs)\#(filters(true))\#(errorHandling(["T", "States.ALL", "States.TaskFailed"])),\#(to)}"#
            default:
                return #""\#(name)":{"Type":"Fail","Error":"\#(pick(["E1", "Stop"]))","Cause":"\#(pick(["why", "because"]))"}"#
            }
        }

        public mutating func program() -> String {
            tasks = []
            let n = Int.random(in: 1...4, using: &rng)
            let states = (0..<n).map { k in state("S\(k)", next: k == n - 1 ? "End" : "S\(k + 1)") }
            return #"{"StartAt":"S0","States":{\#(states.joined(separator: ",")),"End":{"Type":"Pass","End":true}}}"#
        }

        public mutating func input() -> String {
            let c = (0..<Int.random(in: 0...3, using: &rng)).map { _ in #"{"v":\#(pick(["1", "2.5", "\"t\"", "null"]))}"# }
            var fields = [#""a":\#(pick(["1", "3", "0", "-2", "7.5", "\"4\""]))"#, #""b":"\#(pick(["xy", "x", "zy", ""]))""#,
                          #""c":[\#(c.joined(separator: ","))]"#, #""x":{"y":"\#(pick(["p", "q"]))"}"#]
            if chance(0.5) { fields.append(#""d":\#(pick(["true", "false", "null"]))"#) }
            if chance(0.4) { fields.append(#""u":\#(pick(["\"caf\\u00e9 \\\"q\\\"\"", "1e2", "-0", "123456789012345678901", "0.1", "\"\\n\"", "[]", "{}"]))"#) }
            return "{" + fields.joined(separator: ",") + "}"
        }
    }

    /// JSONata programs: Output, Assign and variables, Conditions, Map Items and ItemSelector,
    /// Task Arguments, Fail Error and Cause expressions.
    public struct JSONataGen {
        public var g: Gen
        public init(g: Gen) { self.g = g }

        mutating func expr() -> String {
            g.pick(["$states.input.a", "$states.input.b", "$states.input.c", "$states.input.x.y", "$states.input.missing",
                    "$count($states.input.c)", "$states.input.a + 1", "$states.input.b & '!'", "$v", "$w.k",
                    "$states.input.c.v", "$states.input.a > 2", "$sum($states.input.c.v)", "$string($states.input.a)",
                    "{'k': $states.input.a, 'l': [1, $states.input.b]}", "$merge([$states.input.x, {'z': 1}])",
                    "$states.context.State.Name", "$states.input.a = 1 ? 'one' : 'other'", "$number($states.input.b)",
                    "$states.input.c[0]", "$exists($states.input.d)", "$not($states.input.d)"])
        }

        mutating func fields() -> String {
            (0..<Int.random(in: 1...3, using: &g.rng)).map { k in #""f\#(k)":"{% \#(expr()) %}""# }.joined(separator: ",")
        }

        mutating func assign() -> String {
            g.chance(0.5) ? #","Assign":{"v":"{% \#(expr()) %}","w":{"k":"{% \#(expr()) %}"}}"# : ""
        }

        mutating func output(_ result: Bool) -> String {
            guard g.chance(0.6) else { return "" }
            return result && g.chance(0.5) ? #","Output":{"r":"{% $states.result %}",\#(fields())}"# : #","Output":{\#(fields())}"#
        }

        mutating func child(_ at: String) -> String {
            let bad: String
            if g.chance(0.5) {
                bad = #""\#(at)Bad":{"Type":"Fail","Error":"{% \#(g.pick(["'E1'", "$string($states.input.a)", "$states.input.b"])) %}","Cause":"c"}"#
            } else {
                g.tasks.append(at + "Bad")
                bad = #""\#(at)Bad":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"End":true}"#
            }
            return #"{"StartAt":"\#(at)C","States":{"\#(at)C":{"Type":"Choice","Choices":[{"Condition":"{% \#(g.pick(["$states.input.a > 1", "$exists($states.input.bad)", "$states.input.b = 'x'"])) %}","Next":"\#(at)Bad"}],"Default":"\#(at)P"},"\#(at)P":{"Type":"Pass"\#(output(false)),"End":true},\#(bad)}}"#
        }

        mutating func catches(_ names: [String]) -> String {
            var out = ""
            if g.chance(0.3) { out += #","Retry":[{"ErrorEquals":["\#(g.pick(names))"],"MaxAttempts":\#(Int.random(in: 0...2, using: &g.rng))}]"# }
            if g.chance(0.5) {
                let o = g.chance(0.5) ? #","Output":{"e":"{% $states.errorOutput %}","i":"{% $states.input.a %}"}"# : ""
                out += #","Catch":[{"ErrorEquals":["\#(g.pick(names))"]\#(o)\#(assign()),"Next":"End"}]"#
            }
            return out
        }

        mutating func state(_ name: String, next: String) -> String {
            let to = g.chance(0.15) ? #""End":true"# : #""Next":"\#(next)""#
            switch Int.random(in: 0..<7, using: &g.rng) {
            case 0, 1:
                return #""\#(name)":{"Type":"Pass"\#(output(false))\#(assign()),\#(to)}"#
            case 2:
                return #""\#(name)":{"Type":"Choice","Choices":[{"Condition":"{% \#(g.pick(["$states.input.a > 2", "$v = 1", "$exists($states.input.d)", "$states.input.b"])) %}","Next":"\#(next)"\#(output(false))}],"Default":"End"\#(assign())}"#
            case 3:
                let items = g.pick(["$states.input.c", "$states.input.c", "$states.input.a", "[1, 2, $states.input.a]"])
                let selector = g.chance(0.5) ? #","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}"}"# : ""
                let tolerance = g.chance(0.3) ? #","ToleratedFailureCount":"{% $states.input.a %}""# : ""
                return #""\#(name)":{"Type":"Map","Items":"{% \#(items) %}"\#(selector)\#(tolerance),"ItemProcessor":\#(child(name + "i"))\#(output(true))\#(assign())\#(catches(["E1", "States.ALL", "T"])),\#(to)}"#
            case 4:
                return #""\#(name)":{"Type":"Parallel","Branches":[\#(child(name + "a")),\#(child(name + "b"))]\#(output(true))\#(assign())\#(catches(["E1", "States.ALL", "T"])),\#(to)}"#
            case 5:
                g.tasks.append(name)
                return #""\#(name)":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":{\#(fields())}}\#(output(true))\#(assign())\#(catches(["T", "States.ALL", "States.QueryEvaluationError"])),\#(to)}"#
            default:
                return #""\#(name)":{"Type":"Fail","Error":"{% \#(g.pick(["'Stop'", "$string($states.input.a)", "$v"])) %}","Cause":"{% \#(g.pick(["'why'", "$states.input.b", "$string($w)"])) %}"}"#
            }
        }

        public mutating func program() -> String {
            g.tasks = []
            let n = Int.random(in: 1...4, using: &g.rng)
            let states = (0..<n).map { k in state("S\(k)", next: k == n - 1 ? "End" : "S\(k + 1)") }
            return #"{"QueryLanguage":"JSONata","StartAt":"S0","States":{\#(states.joined(separator: ",")),"End":{"Type":"Pass","End":true}}}"#
        }
    }

    /// Each Task state of the program `g` made last answers with a random script: a result,
    /// an error (`T`), or errors then a result.
    public static func backend(_ g: inout Gen) -> ScriptedTasks {
        let ok: Result<JSON, ASLError> = .success(["StatusCode": 200, "Payload": ["v": 1]])
        let err: Result<JSON, ASLError> = .failure(ASLError(ErrorName("T"), "task"))
        var script: [String: [Result<JSON, ASLError>]] = [:]
        for t in g.tasks { script[t] = g.pick([[ok], [err], [err, ok], [err, err, ok]]) }
        return ScriptedTasks(script: script)
    }
}
