import CortadoASL
import CortadoRuntime
@testable import CortadoTape
import Testing

/// A Map's MaxConcurrency and tolerated failures read from the input or computed: the lane
/// keeps a line whose values the interpreter accepts (they change nothing it can see) and
/// hands back any other, for the interpreter to fail in AWS's words.
@Suite struct TapeLaneLimitsTests {
    static let processor = #""ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}"#

    @Test func pathForms() throws {
        let d = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrencyPath":"$.c","#
            + #""ToleratedFailureCountPath":"$.n","ToleratedFailurePercentagePath":"$.p","# + Self.processor + #","End":true}}}"#)
        let lane = try Lane.lane(d)
        // AWS reads a number's text: "2" and "1.5" count.
        for line in [#"{"xs":[1,2],"c":1,"n":0,"p":10}"#, #"{"xs":[1],"c":"2","n":"3","p":"1.5"}"#,
                     #"{"xs":[],"c":0,"n":1.0,"p":100}"#, #"{"xs":[1],"c":-1,"n":5,"p":0}"#] {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(d, lane, line))
        }
        for handed in [#"{"xs":[1],"c":1.5,"n":0,"p":1}"#, #"{"xs":[1],"c":"x","n":0,"p":1}"#, #"{"xs":[1],"c":1,"n":-1,"p":1}"#,
                       #"{"xs":[1],"c":1,"n":0,"p":100.1}"#, #"{"xs":[1],"c":1,"n":0,"p":-1}"#, #"{"xs":[1],"c":1,"n":0}"#,
                       #"{"xs":[1],"c":1,"n":0,"p":"NoNumber"}"#, #"{"xs":[1],"c":{},"n":0,"p":1}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
            let r = Lane.general(d, handed)
            #expect(r?.status == .failed && r?.error?.name == .runtime, "\(handed)")
        }
    }

    @Test func jsonataForms() throws {
        let d = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.xs %}","#
            + #""MaxConcurrency":"{% $states.input.c %}","ToleratedFailureCount":"{% $states.input.n %}","#
            + #""ToleratedFailurePercentage":"{% $v := $states.input.p %}","# + Self.processor + #","End":true}}}"#)
        let lane = try Lane.lane(d)
        for line in [#"{"xs":[1,2],"c":1,"n":0,"p":10}"#, #"{"xs":[1],"c":2,"n":3,"p":1.5}"#] {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(d, lane, line))
        }
        // A JSONata value must be a number (a string is not read as one) and an integer where one is asked.
        for handed in [#"{"xs":[1],"c":1.5,"n":0,"p":1}"#, #"{"xs":[1],"c":"2","n":0,"p":1}"#, #"{"xs":[1],"c":1,"n":-1,"p":1}"#,
                       #"{"xs":[1],"c":1,"n":0,"p":101}"#, #"{"xs":[1],"c":1,"n":0,"p":"1"}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
            #expect(Lane.general(d, handed)?.status == .failed, "\(handed)")
        }
    }

    /// Bug: a logged lane (which records each Map's MaxConcurrency) trapped converting the
    /// value 2^63 - 1 back from the Double it is read as (2^63 has no Int); it now saturates.
    @Test func theLargestIntegersDoNotTrap() throws {
        let d = try Lane.program(#"{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrencyPath":"$.c","#
            + #""ToleratedFailureCountPath":"$.n","# + Self.processor + #","End":true}}}"#)
        let lane = try TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit, logsEveryState: true).get()
        lane.recordsValues = true
        for line in [#"{"xs":[1],"c":"9223372036854775807","n":9223372036854775807}"#, #"{"xs":[1],"c":9223372036854775807,"n":0}"#] {
            #expect(Lane.run(lane, line) == "[1]", "\(line)")
            #expect(Lane.agree(d, lane, line))
        }
        #expect(TapeLane.whole(0x1p63) == .max && TapeLane.whole(-0x1p70) == .min && TapeLane.whole(-3) == -3)
    }

    /// The rules the interpreter and the lane share.
    @Test func valuesAreReadAsAWSReadsThem() {
        #expect(MapLimits.integer("12") == 12 && MapLimits.integer(3.0) == 3 && MapLimits.integer(3.5) == nil)
        #expect(MapLimits.integer("3.0") == nil && MapLimits.integer(true) == nil)
        #expect(MapLimits.percentage("1.5") == 1.5 && MapLimits.percentage("NoNumber") == nil && MapLimits.percentage([:]) == nil)
        #expect(MapLimits.expressionInteger("2") == nil && MapLimits.expressionInteger(2) == 2)
        #expect(MapLimits.rangeCause(.toleratedFailureCount, -1) == "ToleratedFailureCount cannot be negative.")
        #expect(MapLimits.rangeCause(.toleratedFailurePercentage, 100) == nil)
        #expect(MapLimits.rangeCause(.toleratedFailurePercentage, 100.5) == "ToleratedFailurePercentage must be between 0 and 100.")
        #expect(MapLimits.rangeCause(.maxConcurrency, -3) == nil)
    }

    /// A mocked Task's TimeoutSecondsPath and HeartbeatSecondsPath (its answer never times
    /// out): kept when the interpreter accepts the values (`TaskSeconds`), else handed back.
    @Test func taskSecondsReadFromTheInput() throws {
        let d = try Lane.program(#"""
            {"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
              "Parameters":{"FunctionName":"f"},"TimeoutSecondsPath":"$.t","HeartbeatSecondsPath":"$.h","ResultPath":"$.r","End":true}}}
            """#)
        let tasks = HandlerRegistry()
        tasks.register("arn:aws:states:::lambda:invoke") { _ in .success(["ok": true]) }
        let lane = try #require(try? TapeLane.make(d, payloadLimit: ExecutionOptions.payloadLimit,
                                                   taskResults: { _, _, _ in .success(["ok": true]) }).get())
        for line in [#"{"t":10,"h":5}"#, #"{"t":1,"h":1}"#] {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(d, lane, line, backend: tasks))
        }
        for handed in [#"{"t":0,"h":5}"#, #"{"t":10,"h":-1}"#, #"{"t":"10","h":5}"#, #"{"t":1.5,"h":5}"#, #"{"h":5}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
            #expect(Lane.general(d, handed, backend: tasks)?.status == .failed, "\(handed)")
        }
    }
}
