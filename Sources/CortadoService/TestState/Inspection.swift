import CortadoJSON
import CortadoPath
import CortadoRuntime

extension StateInspection {
    /// The response body: `status`, `output` (a JSON string), `error`, `cause`, `nextState`
    /// and, at DEBUG and TRACE, `inspectionData` (each stage a JSON string, as AWS sends it).
    func response() -> JSONObject {
        var o = JSONObject()
        func put(_ e: ASLError) {
            if let n = e.name { o["error"] = .string(n.rawValue) }
            if let c = e.cause { o["cause"] = .string(c) }
        }
        switch outcome {
        case .succeeded(let output, let next)?:
            o["status"] = "SUCCEEDED"
            o["output"] = .string(output.serialized)
            if let next { o["nextState"] = .string(next) }
        case .failed(let e)?:
            o["status"] = "FAILED"
            put(e)
        case .retriable(let e)?:
            o["status"] = "RETRIABLE"
            put(e)
        case .caught(let e, let output, let next)?:
            o["status"] = "CAUGHT_ERROR"
            o["output"] = .string(output.serialized)
            put(e)
            o["nextState"] = .string(next)
        case nil:
            o["status"] = "FAILED"
            put(ASLError(.runtime, "The tested state did not end."))
        }
        guard recordsStages else { return o }
        var data = JSONObject()
        for (k, v) in stages { data[k] = .string(v.serialized) }
        for (k, v) in values { data[k] = v }
        // The variables after the state (given and assigned); AWS leaves them out when there are
        // none, even when the request gave `{}`.
        if !finalVariables.isEmpty {
            let names = finalVariables.keys.sorted()
            data["variables"] = .string(JSON.object(JSONObject(names.map { ($0, finalVariables[$0]!) })).serialized)
        }
        if !errorDetails.isEmpty { data["errorDetails"] = .object(errorDetails) }
        if !data.isEmpty { o["inspectionData"] = .object(data) }
        return o
    }
}
