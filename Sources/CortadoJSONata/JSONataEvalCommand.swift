import CortadoJSON
import Foundation

/// The engine contract of the JSONata test suite (and `cortado eval --jsonata --json`):
/// evaluates an expression and renders exactly one JSON object:
/// `{"value": …}`, `{"undefined": true}` or `{"error": {"code": …, "message": …}}`.
public enum JSONataEvalCommand {
    /// Evaluates `exprSource` against `input` (nil = no input) with variable `bindings`,
    /// on a thread with a 512 MB stack so deep recursion ends in U1001, and returns the JSON line.
    public static func run(exprSource: String, input: JSON?, bindings: [String: JSON] = [:],
                           options: JSONataOptions = JSONataOptions(maxDepth: 5000, stackBudgetBytes: 400 << 20,
                                                                    timeLimitMillis: 8000)) -> String {
        nonisolated(unsafe) var out = ""
        runOnLargeStack {
            out = render(exprSource: exprSource, input: input, bindings: bindings, options: options)
        }
        return out
    }

    static func render(exprSource: String, input: JSON?, bindings: [String: JSON], options: JSONataOptions) -> String {
        do throws(JSONataError) {
            let e = try JSONataExpression(exprSource, options: options)
            guard let v = try e.evaluate(input, bindings: bindings) else { return "{\"undefined\":true}" }
            return JSON.object(JSONObject([("value", v)])).serialized
        } catch {
            return JSON.object(JSONObject([("error", .object(JSONObject([("code", .string(error.code)), ("message", .string(error.message))])))])).serialized
        }
    }

    /// Reads the contract's files and runs: `--expr-file F [--input F] [--bindings F]`.
    public static func run(arguments: [String]) -> String {
        var exprFile: String?, inputFile: String?, bindingsFile: String?
        var stepFunctions = false
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            let v = i + 1 < arguments.count ? arguments[i + 1] : nil
            switch a {
            case "--expr-file": exprFile = v; i += 1
            case "--input": inputFile = v; i += 1
            case "--bindings": bindingsFile = v; i += 1
            case "--step-functions": stepFunctions = true
            default: break
            }
            i += 1
        }
        func fail(_ m: String) -> String {
            return JSON.object(JSONObject([("error", .object(JSONObject([("code", "X0000"), ("message", .string(m))])))])).serialized
        }
        guard let exprFile, let exprData = FileManager.default.contents(atPath: exprFile) else { return fail("cannot read expression") }
        let src = String(decoding: exprData, as: UTF8.self)
        var input: JSON?
        if let inputFile {
            guard let d = FileManager.default.contents(atPath: inputFile) else { return fail("cannot read input") }
            do { input = try JSON.parse(Array(d)) } catch { return fail("bad input JSON: \(error)") }
        }
        var bindings: [String: JSON] = [:]
        if let bindingsFile {
            guard let d = FileManager.default.contents(atPath: bindingsFile) else { return fail("cannot read bindings") }
            do {
                if case .object(let o) = try JSON.parse(Array(d)) { for m in o.members { bindings[m.key] = m.value } }
            } catch { return fail("bad bindings JSON: \(error)") }
        }
        var options = JSONataOptions(maxDepth: 5000, stackBudgetBytes: 400 << 20, timeLimitMillis: 8000)
        options.stepFunctions = stepFunctions
        return run(exprSource: src, input: input, bindings: bindings, options: options)
    }
}

/// Runs `body` synchronously on a new thread with a 512 MB stack.
func runOnLargeStack(_ body: @escaping () -> Void) {
    final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, 512 << 20)
    let box = Unmanaged.passRetained(Box(body))
#if canImport(Darwin)
    var tid: pthread_t?
#else
    var tid = pthread_t()
#endif
    let rc = pthread_create(&tid, &attr, { p in
        let b = Unmanaged<AnyObject>.fromOpaque(p!).takeRetainedValue() as! Box
        b.body()
        return nil
    }, box.toOpaque())
    pthread_attr_destroy(&attr)
    if rc != 0 {
        box.takeRetainedValue().body()
        return
    }
#if canImport(Darwin)
    pthread_join(tid!, nil)
#else
    pthread_join(tid, nil)
#endif
}
