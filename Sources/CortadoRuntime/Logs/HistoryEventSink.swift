import CortadoJSON

/// The fields of one event's `details`. Only those an event type has are set; the
/// execution data (`input`, `output`, `parameters`) are references to the documents the
/// interpreter already holds, or JSON text a host lends for the time the event is recorded
/// (`LogValue`), never copies.
///
/// Every event of a run makes one and the sink drops it, so its copies and destroys are on
/// the logging path (they were a quarter of its instructions with thirteen fields): the
/// fields most events carry are stored inline, those a few event types carry (role, error,
/// cause, variables, map run, location) in one shared box, allocated only by those events.
public struct EventDetails: Sendable {
    /// The state's name (state entered/exited, Map iteration events).
    public var name: String?
    /// The full `Resource` of a Task state (task and Lambda function events).
    public var resource: String?
    /// `index` of a Map iteration.
    public var index: Int?
    /// `length` of a Map state (number of items).
    public var length: Int?
    /// Execution data: a state's or the execution's input.
    public var input: LogValue?
    /// Execution data: the effective parameters a task is scheduled with.
    public var parameters: LogValue?
    /// Execution data: a state's, a task's or the execution's output.
    public var output: LogValue?
    /// The fields few event types carry (nil: none set); copied before a shared box changes.
    var rare: Rare?

    final class Rare: @unchecked Sendable {
        var roleArn: String?
        var error: String?
        var cause: String?
        var assignedVariables: JSONObject?
        var mapRunArn: String?
        var location: String?

        init(roleArn: String? = nil, error: String? = nil, cause: String? = nil) {
            self.roleArn = roleArn; self.error = error; self.cause = cause
        }

        func copy() -> Rare {
            let r = Rare(roleArn: roleArn, error: error, cause: cause)
            r.assignedVariables = assignedVariables; r.mapRunArn = mapRunArn; r.location = location
            return r
        }
    }

    /// The box to change a rare field in: this value's own (copied if shared, made if none).
    private mutating func ownRare() -> Rare {
        if rare == nil { rare = Rare() } else if !isKnownUniquelyReferenced(&rare!) { rare = rare!.copy() }
        return rare!
    }

    public var roleArn: String? {
        get { rare?.roleArn }
        set { ownRare().roleArn = newValue }
    }
    public var error: String? {
        get { rare?.error }
        set { ownRare().error = newValue }
    }
    public var cause: String? {
        get { rare?.cause }
        set { ownRare().cause = newValue }
    }
    /// Execution data: the variables a state's Assign (or its Catcher's) set, on its exited event.
    public var assignedVariables: JSONObject? {
        get { rare?.assignedVariables }
        set { ownRare().assignedVariables = newValue }
    }
    /// `MapRunStarted`: the map run's ARN.
    public var mapRunArn: String? {
        get { rare?.mapRunArn }
        set { ownRare().mapRunArn = newValue }
    }
    /// `EvaluationFailed`: the field whose expression failed.
    public var location: String? {
        get { rare?.location }
        set { ownRare().location = newValue }
    }

    public init(name: String? = nil, resource: String? = nil, index: Int? = nil, length: Int? = nil,
                input: JSON? = nil, parameters: JSON? = nil, output: JSON? = nil,
                roleArn: String? = nil, error: String? = nil, cause: String? = nil) {
        self.name = name; self.resource = resource; self.index = index; self.length = length
        self.input = input.map(LogValue.json); self.parameters = parameters.map(LogValue.json)
        self.output = output.map(LogValue.json)
        if roleArn != nil || error != nil || cause != nil { rare = Rare(roleArn: roleArn, error: error, cause: cause) }
    }

    /// Details with execution data as a host holds it (`StateEvents.swift`), made in one go.
    @inline(__always)
    init(name: String? = nil, resource: String? = nil, roleArn: String? = nil,
         input: LogValue?, parameters: LogValue? = nil, output: LogValue? = nil) {
        self.name = name; self.resource = resource
        self.input = input; self.parameters = parameters; self.output = output
        if let roleArn { rare = Rare(roleArn: roleArn) }
    }

    /// The details as a JSON object with every field set (execution data as JSON values).
    public var json: JSON {
        var o = JSONObject()
        if let name { o["name"] = .string(name) }
        if let resource { o["resource"] = .string(resource) }
        if let index { o["index"] = .number(JSONNumber(index)) }
        if let length { o["length"] = .number(JSONNumber(length)) }
        if let input { o["input"] = input.json }
        if let parameters { o["parameters"] = parameters.json }
        if let output { o["output"] = output.json }
        if let roleArn { o["roleArn"] = .string(roleArn) }
        if let error { o["error"] = .string(error) }
        if let cause { o["cause"] = .string(cause) }
        if let assignedVariables { o["assignedVariables"] = .object(assignedVariables) }
        if let mapRunArn { o["mapRunArn"] = .string(mapRunArn) }
        if let location { o["location"] = .string(location) }
        return .object(o)
    }
}

/// A value's compact JSON text, borrowed for the time an event is recorded.
public struct LogText: @unchecked Sendable {
    public let bytes: UnsafeBufferPointer<UInt8>
    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
}

/// An event's execution data as its host holds it: the interpreter's JSON value, or the JSON
/// text of a value a host keeps in its own form (the tape lane; see `LinearRunLog`), which
/// the CloudWatch Logs formatter copies as it is.
public enum LogValue: Sendable {
    case json(JSON)
    case text(LogText)

    /// The value as JSON (text is parsed: only the history API asks for it so).
    public var json: JSON {
        switch self {
        case .json(let v): return v
        case .text(let t): return (try? JSON.parse(buffer: t.bytes)) ?? .null
        }
    }
}

/// One execution-history event.
public struct HistoryEvent: Sendable {
    /// Numbered from 1 in the order the events happen (filtered events keep their numbers).
    public let id: Int
    /// The event this one follows within its thread of control (0 for `ExecutionStarted`
    /// and, as in AWS, for the first state entered).
    public let previousEventID: Int
    public let type: EventType
    /// Epoch milliseconds.
    public let timestamp: Int64
    public let details: EventDetails

    @inline(__always)
    public init(id: Int, previousEventID: Int, type: EventType, timestamp: Int64, details: EventDetails) {
        self.id = id; self.previousEventID = previousEventID; self.type = type
        self.timestamp = timestamp; self.details = details
    }
}

/// Receives an execution's history events.
///
/// The interpreter asks `wants(type)` first and builds the event's details only when it
/// answers true, so a sink that wants nothing (level OFF) costs one call per event and
/// allocates nothing. A sink belongs to one thread at a time: set it on the `Execution`
/// (`Execution.eventSink`) before each `advance`, e.g. one sink per batch worker.
public protocol HistoryEventSink: AnyObject {
    /// Whether events of `type` are recorded; false means `record` is not called for them.
    func wants(_ type: EventType) -> Bool
    /// Records one event of `execution` (`execution.executionArn` names it).
    func record(_ event: HistoryEvent, of execution: Execution)
    /// `execution` is about to park, after which any thread may resume it with another sink:
    /// a sink that holds its events must hand them on now, or its later events, recorded
    /// elsewhere, could be written first.
    func executionWillPark(_ execution: Execution)
}

extension HistoryEventSink {
    public func executionWillPark(_ execution: Execution) {}
}

/// Adapts a closure (`ExecutionOptions.eventSink`) to a sink that takes every event.
final class ClosureEventSink: HistoryEventSink {
    let body: @Sendable (HistoryEvent) -> Void
    init(_ body: @escaping @Sendable (HistoryEvent) -> Void) { self.body = body }
    func wants(_ type: EventType) -> Bool { true }
    func record(_ event: HistoryEvent, of execution: Execution) { body(event) }
}
