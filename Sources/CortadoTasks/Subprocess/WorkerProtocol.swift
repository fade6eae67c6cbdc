import CortadoJSON
import CortadoPath
import CortadoRuntime

/// The JSON-lines protocol between Cortado and a subprocess worker.
///
/// Request (one line on the worker's stdin):
///   {"id":"17","resource":"arn:...","input":<json>,"context":{"State":{"Name":"Charge","RetryCount":0},
///    "Execution":{"Id":"arn:...","Name":"e1"},"StateMachine":{"Name":"order"},
///    "TimeoutSeconds":30,"HeartbeatSeconds":10}}      (the last two only when set)
/// Answers (one line each on stdout, any order):
///   {"id":"17","output":<json>}
///   {"id":"17","error":"Payment.Declined","cause":"text"}     (cause optional)
///   {"id":"17","heartbeat":true}                              (any number, before the answer)
enum WorkerProtocol {
    /// The request line for `request`, newline included.
    static func encode(_ request: TaskRequest, id: UInt64) -> [UInt8] {
        // (Sized for the line: it waits in the queue until a worker takes it, and a writer's
        // doubling left most queued lines a third empty, a quarter of what a line waiting
        // for a worker held.)
        var w = JSONWriter(appendingTo: [])
        w.bytes.reserveCapacity(Self.fixedBytes + request.resource.utf8.count + request.stateName.utf8.count
            + request.executionArn.utf8.count + request.executionName.utf8.count + request.stateMachineName.utf8.count
            + { if case .text(let t) = request.given { t.count } else { 512 } }())
        w.bytes.append(contentsOf: #"{"id":""#.utf8)
        w.bytes.append(contentsOf: String(id).utf8)
        w.bytes.append(contentsOf: #"","resource":"#.utf8)
        w.writeString(request.resource)
        w.bytes.append(contentsOf: #","input":"#.utf8)
        request.given.write(to: &w)
        // (Written field by field: a context object built of dictionaries per request was a
        // seventh of a worker-bound run's time.)
        w.bytes.append(contentsOf: #","context":{"State":{"Name":"#.utf8)
        w.writeString(request.stateName)
        w.bytes.append(contentsOf: #","RetryCount":"#.utf8)
        w.bytes.append(contentsOf: String(request.attempt).utf8)
        w.bytes.append(contentsOf: #"},"Execution":{"Id":"#.utf8)
        w.writeString(request.executionArn)
        w.bytes.append(contentsOf: #","Name":"#.utf8)
        w.writeString(request.executionName)
        w.bytes.append(contentsOf: #"},"StateMachine":{"Name":"#.utf8)
        w.writeString(request.stateMachineName)
        w.bytes.append(UInt8(ascii: "}"))
        if let t = request.timeoutSeconds {
            w.bytes.append(contentsOf: #","TimeoutSeconds":"#.utf8)
            w.bytes.append(contentsOf: String(t).utf8)
        }
        if let h = request.heartbeatSeconds {
            w.bytes.append(contentsOf: #","HeartbeatSeconds":"#.utf8)
            w.bytes.append(contentsOf: String(h).utf8)
        }
        w.bytes.append(contentsOf: "}}\n".utf8)
        return w.bytes
    }

    /// The most bytes a request line has besides its strings and input (keys, quotes, the
    /// id, RetryCount and both limits at 20 digits each), and room for a few escapes.
    static let fixedBytes = 256 + 16

    enum Answer {
        case heartbeat(id: UInt64)
        case outcome(id: UInt64, TaskOutcome)
        /// A line to report on stderr and otherwise ignore.
        case invalid(String)
    }

    /// Decodes one line from a worker's stdout; never throws or traps. `reader`: the reading
    /// thread's parser, whose cache of short strings ("id", "output", the answers' keys) makes
    /// them cost no allocation.
    static func decode(_ line: UnsafeBufferPointer<UInt8>, reader: JSONReader = JSONReader()) -> Answer {
        let value: JSON
        do { value = try reader.parse(buffer: line) } catch {
            return .invalid("not JSON (\(error)): \(excerpt(line))")
        }
        guard let object = value.objectValue else { return .invalid("not a JSON object: \(excerpt(line))") }
        let id: UInt64?
        switch object["id"] {
        case .string(let s)?: id = UInt64(s)
        case .number(let n)?: id = UInt64(n.literal)
        default: return .invalid("no \"id\": \(excerpt(line))")
        }
        guard let id else { return .invalid("unknown task id: \(excerpt(line))") }
        if let e = object["error"] {
            guard let name = e.stringValue, !name.isEmpty else {
                return .outcome(id: id, .failure(ASLError(.taskFailed,
                    "The worker answered task \(id) with an \"error\" that is not a non-empty string: \(excerpt(line))")))
            }
            let cause: String?
            switch object["cause"] {
            case nil, .null?: cause = nil
            case .string(let s)?: cause = s
            case let other?: cause = other.serialized
            }
            return .outcome(id: id, .failure(ASLError(ErrorName(name), cause)))
        }
        if let output = object["output"] { return .outcome(id: id, .success(output)) }
        if object["heartbeat"]?.boolValue == true { return .heartbeat(id: id) }
        return .outcome(id: id, .failure(ASLError(.taskFailed,
            "The worker answered task \(id) with neither \"output\" nor \"error\": \(excerpt(line))")))
    }

    static func excerpt(_ line: UnsafeBufferPointer<UInt8>, limit: Int = 200) -> String {
        let text = String(decoding: line.prefix(limit), as: UTF8.self)
        return line.count > limit ? text + "…" : text
    }
}
