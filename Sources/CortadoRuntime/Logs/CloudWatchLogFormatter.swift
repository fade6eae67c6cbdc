import CortadoASL
import CortadoJSON

/// Writes history events as the CloudWatch Logs records of Express workflows: one JSON
/// object per line with `id`, `type`, `details`, `previous_event_id`, `event_timestamp`
/// (epoch milliseconds), `execution_arn` and `redrive_count`, every scalar a string.
///
/// Without `includeExecutionData` the execution data (`input`, `output`, `parameters`
/// and their `...Details`) are left out, as AWS does; errors and causes stay.
public struct CloudWatchLogFormatter: Sendable {
    public var includeExecutionData: Bool
    /// CloudWatch Logs truncates an input or output above 248 KiB and flags it `truncated`.
    public var maxDataBytes = 248 * 1024

    public init(includeExecutionData: Bool) { self.includeExecutionData = includeExecutionData }

    /// Appends `event` of the execution `executionArn` as one line (with its `\n`) to `out`.
    public func write(_ event: HistoryEvent, executionArn: String, region: String, redriveCount: Int = 0,
                      into out: inout JSONWriter) {
        write(event, tail: lineTail(executionArn: executionArn, redriveCount: redriveCount), region: region, into: &out)
    }

    /// `write` with the end of the line, the same for every event of an execution, made once
    /// (`lineTail`).
    /// `timestamp`: the event's timestamp already in decimal (a sink's, kept while its
    /// events share one).
    public func write(_ event: HistoryEvent, tail: [UInt8], timestamp: [UInt8]? = nil, region: String,
                      into out: inout JSONWriter) {
        // The line is staged on the stack and appended in as few appends as it takes (one,
        // unless a JSON value or a long text comes in between): an append costs far more
        // than the few bytes most pieces are.
        ByteRun.append(to: &out.bytes) { r in
            r.put(#"{"id":""#)
            r.put(event.id)
            r.put(#"","type":""#)
            // (Event type names are plain ASCII: nothing to escape.)
            var type = event.type.rawValue
            type.withUTF8 { r.put($0) }
            r.put(#"","details":{"#)
            writeDetails(event.details, of: event.type, region: region, &r)
            r.put(#"},"previous_event_id":""#)
            r.put(event.previousEventID)
            r.put(#"","event_timestamp":""#)
            if let timestamp {
                timestamp.withUnsafeBufferPointer { r.put($0) }
            } else {
                r.put(Int(event.timestamp))
            }
            tail.withUnsafeBufferPointer { r.put($0) }
        }
    }

    /// The end of each line of an execution's events, from the quote that closes
    /// `event_timestamp` on: `","execution_arn":...,"redrive_count":"0"}` and the newline.
    public func lineTail(executionArn: String, redriveCount: Int) -> [UInt8] {
        var tail: [UInt8] = []
        lineTail(executionArn: executionArn, redriveCount: redriveCount, into: &tail)
        return tail
    }

    /// `lineTail` written over `tail` (a sink's, reused for each execution).
    func lineTail(executionArn: String, redriveCount: Int, into tail: inout [UInt8]) {
        tail.removeAll(keepingCapacity: true)
        var w = JSONWriter(appendingTo: tail)
        tail = []  // `w` holds the array's only reference: its appends do not copy it
        Self.literal(#"","execution_arn":"#, &w.bytes)
        w.writeString(executionArn)
        Self.literal(#","redrive_count":""#, &w.bytes)
        int(redriveCount, &w.bytes)
        Self.literal("\"}\n", &w.bytes)
        tail = w.bytes
    }

    /// `d` is borrowed, not copied: a copy of the details is most of what an event costs
    /// beyond its bytes.
    func writeDetails(_ d: borrowing EventDetails, of type: EventType, region: String, _ r: inout ByteRun) {
        var first = true
        /// `k` is `,"name":`; the first key goes without its comma.
        func key(_ k: StaticString, _ r: inout ByteRun) {
            k.withUTF8Buffer { b in r.put(first ? UnsafeBufferPointer(rebasing: b[1...]) : b) }
            first = false
        }
        /// `k` and the string `s`, quoted (and escaped where it needs it).
        func field(_ k: StaticString, _ s: String, _ r: inout ByteRun) {
            key(k, &r)
            var s = s
            let plain = s.withUTF8 { u -> Bool in
                guard !u.contains(where: JSONWriter.needsEscape) else { return false }
                r.put("\"")
                r.put(u)
                r.put("\"")
                return true
            }
            if !plain { r.writeJSON { $0.writeString(s) } }
        }
        if let resource = d.resource {
            let (resourceType, name) = CloudWatchLogFormatter.splitResource(resource, type)
            if let resourceType { field(#","resourceType":"#, resourceType, &r) }
            field(#","resource":"#, name, &r)
            if type == .taskScheduled { field(#","region":"#, region, &r) }
        }
        if type == .evaluationFailed {
            if let name = d.name { field(#","state":"#, name, &r) }
            if let l = d.rare?.location { field(#","location":"#, l, &r) }
        } else if let name = d.name { field(#","name":"#, name, &r) }
        if let arn = d.rare?.mapRunArn { field(#","mapRunArn":"#, arn, &r) }
        if let index = d.index { key(#","index":"#, &r); r.put(index) }
        if let length = d.length { key(#","length":"#, &r); r.put(length) }
        if includeExecutionData {
            if let input = d.input {
                key(#","input":"#, &r)
                let t = data(input, &r)
                key(t ? #","inputDetails":{"truncated":true}"# : #","inputDetails":{"truncated":false}"#, &r)
            }
            if let parameters = d.parameters {
                key(#","parameters":"#, &r)
                _ = data(parameters, &r)
            }
            if let output = d.output {
                key(#","output":"#, &r)
                let t = data(output, &r)
                key(t ? #","outputDetails":{"truncated":true}"# : #","outputDetails":{"truncated":false}"#, &r)
            }
            if let assigned = d.rare?.assignedVariables {
                // NOTE: no AWS log with variables was recorded; this follows the history event's
                // shape (each value as its JSON text) and is execution data like `output`.
                key(#","assignedVariables":"#, &r)
                var vars = JSONObject()
                for (k, v) in assigned { vars[k] = .string(v.serialized) }
                r.writeJSON { $0.write(.object(vars)) }
                key(#","assignedVariablesDetails":{"truncated":false}"#, &r)
            }
        }
        if let rare = d.rare {
            if let roleArn = rare.roleArn { field(#","roleArn":"#, roleArn, &r) }
            if let error = rare.error { field(#","error":"#, error, &r) }
            if let cause = rare.cause { field(#","cause":"#, cause, &r) }
        }
    }

    /// Writes `value` as JSON (text as it is); above `maxDataBytes` writes its text cut to
    /// that size as a string instead and returns true (truncated).
    func data(_ value: LogValue, _ r: inout ByteRun) -> Bool {
        switch value {
        case .json(let v):
            return r.writeJSON { w in
                // Written first and measured after: one pass over the value, not two.
                let start = w.bytes.count
                w.write(v)
                return truncateData(from: start, &w)
            }
        case .text(let t):
            guard t.bytes.count > maxDataBytes else {
                r.put(t.bytes)
                return false
            }
            return r.writeJSON { w in
                let start = w.bytes.count
                w.bytes.append(contentsOf: t.bytes)
                return truncateData(from: start, &w)
            }
        }
    }

    /// The data written from `start` on, when above `maxDataBytes`, becomes its text cut to
    /// that size, as a string (returns true: truncated).
    func truncateData(from start: Int, _ out: inout JSONWriter) -> Bool {
        guard out.bytes.count - start > maxDataBytes else { return false }
        var text = out.bytes[start..<(start + maxDataBytes)]
        out.bytes.removeSubrange(start...)
        while let last = text.last, last & 0xC0 == 0x80 { text.removeLast() }  // whole characters only
        if let last = text.last, last >= 0xC0 { text.removeLast() }
        out.writeString(String(decoding: text, as: UTF8.self))
        return true
    }

    /// `resourceType` and `resource` of a task event (`TaskResource`). Lambda function
    /// events carry the whole ARN and no type.
    static func splitResource(_ resource: String, _ type: EventType) -> (String?, String) {
        switch type {
        case .lambdaFunctionScheduled, .lambdaFunctionStarted, .lambdaFunctionSucceeded, .lambdaFunctionFailed,
             .lambdaFunctionTimedOut, .lambdaFunctionScheduleFailed, .lambdaFunctionStartFailed:
            return (nil, resource)
        default:
            guard let (t, name) = TaskResource.split(resource) else { return (nil, resource) }
            return (t, name)
        }
    }

    /// Appends a literal's bytes (one copy; a String literal's `utf8` view appends slower).
    @inline(__always) static func literal(_ s: StaticString, _ b: inout [UInt8]) {
        s.withUTF8Buffer { b.append(contentsOf: $0) }
    }

    /// Decimal digits without building a String.
    func int(_ n: Int, _ b: inout [UInt8]) {
        ByteRun.append(to: &b) { $0.put(n) }
    }
}

/// A sink that formats the events its level admits as CloudWatch Logs lines into a
/// reusable byte buffer; the owner drains it (to a file, stderr, a batch writer).
///
/// Not thread-safe: give each worker thread its own and set it as `Execution.eventSink`
/// before every `advance` on that thread.
public final class CloudWatchLogSink: HistoryEventSink {
    public let level: LogLevel
    public var formatter: CloudWatchLogFormatter
    var writer = JSONWriter()
    /// The end of the lines of the execution last recorded (`lineTail`), and its ARN.
    var tailArn = ""
    var tail: [UInt8] = []
    /// The timestamp of the event last recorded, in decimal (an execution's events mostly
    /// share their millisecond).
    var timestamp: Int64 = -1
    var timestampText: [UInt8] = []

    /// Hands the buffered lines on before an execution parks (`executionWillPark`): a host
    /// whose executions resume on other threads, each with its own sink, writes them out.
    public var beforePark: (() -> Void)?

    public func executionWillPark(_ execution: Execution) { beforePark?() }

    public init(level: LogLevel, includeExecutionData: Bool = false) {
        self.level = level
        self.formatter = CloudWatchLogFormatter(includeExecutionData: includeExecutionData)
        writer.bytes.reserveCapacity(level == .off ? 0 : 64 * 1024)
    }

    /// The formatted lines not drained yet (each ends with `\n`).
    public var buffer: [UInt8] {
        get { writer.bytes }
        set { writer.bytes = newValue }
    }

    @inline(__always)
    public func wants(_ type: EventType) -> Bool { level.includes(type) }

    public func record(_ event: HistoryEvent, of execution: Execution) {
        record(event, executionArn: execution.executionArn, region: execution.options.region)
    }

    /// Records one event of the execution `executionArn` (a host that ran it without an
    /// `Execution`: `LinearRunLog`).
    public func record(_ event: HistoryEvent, executionArn: String, region: String) {
        if executionArn != tailArn {
            tailArn = executionArn
            formatter.lineTail(executionArn: executionArn, redriveCount: 0, into: &tail)
        }
        if event.timestamp != timestamp {
            timestamp = event.timestamp
            timestampText.removeAll(keepingCapacity: true)
            formatter.int(Int(timestamp), &timestampText)
        }
        formatter.write(event, tail: tail, timestamp: timestampText, region: region, into: &writer)
    }

    /// Appends the buffered lines to `out` and empties the buffer, keeping its capacity.
    public func drain(into out: inout [UInt8]) {
        out.append(contentsOf: writer.bytes)
        writer.bytes.removeAll(keepingCapacity: true)
    }

    /// Hands the buffered lines to `body` and empties the buffer, keeping its capacity.
    public func drain(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        writer.bytes.withUnsafeBufferPointer(body)
        writer.bytes.removeAll(keepingCapacity: true)
    }
}
