import CortadoASL
import CortadoRuntime
@testable import CortadoTape
import Testing

/// A Wait for a timestamp on the lane: one long past waits for nothing on any clock; one
/// ahead waits on the virtual clock, held a margin clear of the line's time limit; anything
/// the general engine might decide otherwise, or must word, goes back to it.
@Suite struct TapeLaneWaitTests {
    static func iso(secondsFromNow s: Int64) -> String { Timestamp(milliseconds: Timestamp.nowMilliseconds() + s * 1000).iso8601 }

    @Test func aConstantTimestamp() throws {
        let past = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2016-03-14T01:59:00Z","Next":"P"},"P":{"Type":"Pass","End":true}}}"#)
        for clock in [TapeLane.Clock.real, .virtual(hostLimitSeconds: 300)] {
            let lane = try Lane.lane(past, clock: clock)
            #expect(Lane.run(lane, #"{"a":1}"#) == #"{"a":1}"#)
            #expect(Lane.agree(past, lane, #"{"a":1}"#))
        }
        let ahead = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"\#(Self.iso(secondsFromNow: 60))","End":true}}}"#)
        #expect(Lane.run(try Lane.lane(ahead, clock: .virtual(hostLimitSeconds: 300)), "{}") == "{}")
        #expect(Lane.run(try Lane.lane(ahead, clock: .virtual(hostLimitSeconds: nil)), "{}") == "{}")
        // A real clock really waits; past the time limit the general engine times the line out.
        #expect(Lane.run(try Lane.lane(ahead, clock: .real), "{}") == nil)
        #expect(Lane.run(try Lane.lane(ahead, clock: .virtual(hostLimitSeconds: 30)), "{}") == nil)
        // Right at the limit (within the margin): the general engine decides.
        let atLimit = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"\#(Self.iso(secondsFromNow: 300))","End":true}}}"#)
        #expect(Lane.run(try Lane.lane(atLimit, clock: .virtual(hostLimitSeconds: 300)), "{}") == nil)
        // The waits add up: 50 seconds, then a timestamp 60 seconds after the start, is 10 more.
        let both = try Lane.program(#"{"StartAt":"S","TimeoutSeconds":65,"States":{"S":{"Type":"Wait","Seconds":50,"Next":"W"},"W":{"Type":"Wait","Timestamp":"\#(Self.iso(secondsFromNow: 60))","End":true}}}"#)
        #expect(Lane.run(try Lane.lane(both, clock: .virtual(hostLimitSeconds: 300)), "{}") == "{}")
        // A timestamp that is not one fails in the general engine at once (not on the lane).
        #expect(throws: (any Error).self) { try Lane.lane(try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2016-03-14","End":true}}}"#)) }
    }

    @Test func aTimestampPath() throws {
        let d = try Lane.program(#"{"StartAt":"W","States":{"W":{"Type":"Wait","InputPath":"$.w","TimestampPath":"$.t","End":true}}}"#)
        let lane = try Lane.lane(d, clock: .virtual(hostLimitSeconds: 300))
        for line in [#"{"w":{"t":"2016-03-05T21:29:29Z"}}"#, #"{"w":{"t":"2016-03-05T21:29:29.243167252Z"}}"#,
                     #"{"w":{"t":"2016-03-05T23:29:29+02:00","x":1}}"#, #"{"w":{"t":"\#(Self.iso(secondsFromNow: 100))"}}"#] {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(d, lane, line))
        }
        for handed in [#"{"w":{"t":"05-12-2016T21:29:29Z"}}"#, #"{"w":{"t":"2016-03-05T21:29:29"}}"#, #"{"w":{"t":"2016-03-05 21:29:29Z"}}"#,
                       #"{"w":{"t":1457213369}}"#, #"{"w":{}}"#, #"{"w":{"t":"2016-13-05T21:29:29Z"}}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
            #expect(Lane.general(d, handed)?.status == .failed, "\(handed)")
        }
        // On a real clock only a timestamp long past stays.
        let real = try Lane.lane(d, clock: .real)
        #expect(Lane.run(real, #"{"w":{"t":"2016-03-05T21:29:29Z"}}"#) == #"{"t":"2016-03-05T21:29:29Z"}"#)
        #expect(Lane.run(real, #"{"w":{"t":"\#(Self.iso(secondsFromNow: 100))"}}"#) == nil)
    }

    @Test func aJSONataTimestamp() throws {
        let d = try Lane.program(#"{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"{% $states.input.t %}","Output":{"t":"{% $states.input.t %}"},"End":true}}}"#)
        let lane = try Lane.lane(d, clock: .virtual(hostLimitSeconds: 300))
        for line in [#"{"t":"2016-03-05T21:29:29Z"}"#, #"{"t":"2016-03-05T21:29:29.243167252Z"}"#] {
            #expect(Lane.run(lane, line) != nil, "\(line)")
            #expect(Lane.agree(d, lane, line))
        }
        for handed in [#"{"t":"2016-03-05T21:29:29"}"#, #"{"t":1}"#, #"{}"#] {
            #expect(Lane.run(lane, handed) == nil, "\(handed)")
            #expect(Lane.general(d, handed)?.status == .failed, "\(handed)")
        }
    }
}
