import CortadoJSON
import CortadoPath

/// The `inspectionData` of a response, filled stage by stage as the state runs. At INFO it
/// stays empty and is left out of the response.
struct Inspection {
    let enabled: Bool
    private(set) var data = JSONObject()
    private var errorDetails = JSONObject()

    init(level: InspectionLevel) { enabled = level != .info }

    /// A data-processing stage (`afterInputPath`, `result`, ...): a JSON string, as AWS sends it.
    mutating func stage(_ key: String, _ value: JSON) {
        guard enabled else { return }
        data[key] = .string(value.serialized)
    }

    /// A plain value (`maxConcurrency`, `toleratedFailureCount`, ...).
    mutating func value(_ key: String, _ value: JSON) {
        guard enabled else { return }
        data[key] = value
    }

    /// One field of `errorDetails` (`retryIndex`, `retryBackoffIntervalSeconds`, `catchIndex`).
    mutating func errorDetail(_ key: String, _ value: Int) {
        errorDetails[key] = .number(JSONNumber(value))
    }

    /// The finished object, or nil when nothing is reported.
    var json: JSON? {
        guard enabled else { return nil }
        var out = data
        if !errorDetails.isEmpty { out["errorDetails"] = .object(errorDetails) }
        return out.isEmpty ? nil : .object(out)
    }
}

/// How the tested state ended.
enum StateOutcome {
    case succeeded(output: JSON, next: String?)
    /// An error no retrier or catcher handled (or a Fail state).
    case failed(ASLError)
    /// An error a retrier would retry (given `retrierRetryCount`).
    case retriable(ASLError)
    /// An error a catcher handled: its output and the catcher's `Next`.
    case caught(ASLError, output: JSON, next: String)

    /// The response body: `status`, `output` (a JSON string), `error`, `cause`, `nextState`.
    func response(inspection: Inspection) -> JSONObject {
        var o = JSONObject()
        func put(_ e: ASLError) {
            if let n = e.name { o["error"] = .string(n.rawValue) }
            if let c = e.cause { o["cause"] = .string(c) }
        }
        switch self {
        case .succeeded(let output, let next):
            o["status"] = "SUCCEEDED"
            o["output"] = .string(output.serialized)
            if let next { o["nextState"] = .string(next) }
        case .failed(let e):
            o["status"] = "FAILED"
            put(e)
        case .retriable(let e):
            o["status"] = "RETRIABLE"
            put(e)
        case .caught(let e, let output, let next):
            o["status"] = "CAUGHT_ERROR"
            o["output"] = .string(output.serialized)
            put(e)
            o["nextState"] = .string(next)
        }
        if let data = inspection.json { o["inspectionData"] = data }
        return o
    }
}
