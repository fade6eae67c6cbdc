import CortadoJSON
import CortadoPath
import CortadoRuntime

/// A stand-in for a service a workflow calls, for load tests: each task "takes" a latency
/// drawn from a distribution and fails at a given rate with one of the given errors. The
/// execution parks for that time on its clock (no thread is held), so thousands of
/// simulated calls in flight cost memory only.
public struct SimulatedService: TaskBackend {
    /// How long a call takes, in seconds.
    public enum Latency: Sendable, Equatable {
        case fixed(Double)
        case uniform(Double, Double)
        /// Log-normal with this median and 99th percentile.
        case lognormal(p50: Double, p99: Double)

        /// z of the 99th percentile of the standard normal distribution.
        static let z99 = 2.326_347_874_040_841

        public func sample<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
            switch self {
            case .fixed(let s): return s
            case .uniform(let a, let b): return a < b ? Double.random(in: a...b, using: &rng) : a
            case .lognormal(let p50, let p99):
                let mu = cLog(p50), sigma = max(0, (cLog(p99) - mu) / Self.z99)
                return cExp(mu + sigma * Self.normal(&rng))
            }
        }

        /// A standard normal deviate (Box–Muller).
        static func normal<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &rng), u2 = Double.random(in: 0..<1, using: &rng)
            return (-2 * cLog(u1)).squareRoot() * cCos(2 * .pi * u2)
        }
    }

    public let latency: Latency
    /// The share of calls that fail, 0...1.
    public let errorRate: Double
    /// The errors a failing call raises, one chosen at random (default: States.TaskFailed).
    public let errors: [ASLError]
    /// The result of a successful call; nil returns the task's input.
    public let output: JSON?

    public init(latency: Latency, errorRate: Double = 0, errors: [ASLError] = [], output: JSON? = nil) {
        self.latency = latency
        self.errorRate = errorRate
        self.errors = errors.isEmpty ? [ASLError(.taskFailed, "Simulated failure")] : errors
        self.output = output
    }

    /// Each call is answered at once (after its latency), and calls change nothing.
    public func answersAtOnce(resource: String) -> Bool { true }

    public func invoke(_ request: TaskRequest) -> TaskOutcome {
        var rng = SystemRandomNumberGenerator()
        let seconds = max(0, latency.sample(&rng))
        if errorRate > 0, Double.random(in: 0..<1, using: &rng) < errorRate {
            return .after(seconds: seconds, .failure(errors.randomElement(using: &rng)!))
        }
        return .after(seconds: seconds, .success(output ?? request.input))
    }

    /// Parses a `simulate` route of a tasks file:
    /// `{latency: {fixed: 10ms} | {uniform: [5ms, 50ms]} | {p50: 20ms, p99: 200ms},
    ///   errorRate: 0.01, errors: [{error: Name, cause: text}], output: {...}}`.
    /// Durations are numbers of milliseconds or strings with a unit (`ms`, `s`, `m`).
    /// - Throws: a message naming what is wrong.
    public static func parse(_ spec: JSON) throws(SimulationSpecError) -> SimulatedService {
        guard case .object(let o) = spec else { throw SimulationSpecError("simulate must be an object") }
        // (A misspelt key would be dropped without a word: `failureRate` simulates no failure.)
        try known(o, ["latency", "errorRate", "errors", "output"], in: "simulate")
        guard case .object(let l)? = o["latency"] else {
            throw SimulationSpecError("simulate needs latency: {fixed: 10ms}, {uniform: [5ms, 50ms]} or {p50: 20ms, p99: 200ms}")
        }
        try known(l, ["fixed", "uniform", "p50", "p99"], in: "latency")
        let latency: Latency
        if let f = l["fixed"] {
            latency = .fixed(try seconds(f))
        } else if let u = l["uniform"]?.arrayValue, u.count == 2 {
            latency = .uniform(try seconds(u[0]), try seconds(u[1]))
        } else if let a = l["p50"], let b = l["p99"] {
            let p50 = try seconds(a), p99 = try seconds(b)
            guard p50 > 0, p99 >= p50 else { throw SimulationSpecError("latency p50 must be > 0 and p99 >= p50") }
            latency = .lognormal(p50: p50, p99: p99)
        } else {
            throw SimulationSpecError("latency needs fixed, uniform [min, max], or p50 and p99")
        }
        let rate = o["errorRate"]?.numberValue?.double ?? 0
        guard rate >= 0, rate <= 1 else { throw SimulationSpecError("errorRate must be between 0 and 1") }
        var errors: [ASLError] = []
        if let e = o["errors"], e.arrayValue == nil { throw SimulationSpecError("errors must be a list of {error: Name, cause: text}") }
        for e in o["errors"]?.arrayValue ?? [] {
            guard let name = e["error"]?.stringValue else { throw SimulationSpecError("each of errors needs an 'error' name") }
            if case .object(let fields) = e { try known(fields, ["error", "cause"], in: "errors") }
            errors.append(ASLError(ErrorName(name), e["cause"]?.stringValue))
        }
        return SimulatedService(latency: latency, errorRate: rate, errors: errors, output: o["output"])
    }

    /// Refuses a key of `o` that is not one of `keys`, naming it and those it may be.
    static func known(_ o: JSONObject, _ keys: [String], in place: String) throws(SimulationSpecError) {
        for k in o.keys where !keys.contains(k) {
            throw SimulationSpecError("unknown key '\(k)' in \(place) (expected \(keys.joined(separator: ", ")))")
        }
    }

    /// `250` (ms), `"250ms"`, `"1.5s"`, `"2m"`: seconds.
    public static func seconds(_ v: JSON) throws(SimulationSpecError) -> Double {
        if let n = v.numberValue?.double, n >= 0 { return n / 1000 }
        guard let s = v.stringValue, let d = parseDuration(s) else {
            throw SimulationSpecError("'\(v.stringValue ?? v.serialized)' is not a duration (e.g. 20ms, 1.5s)")
        }
        return d
    }

    /// `"250ms"`, `"1.5s"`, `"2m"`, `"1h"` in seconds; nil for anything else.
    public static func parseDuration(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)), n >= 0, n.isFinite else { return nil }
            return n * scale
        }
        return nil
    }
}

public struct SimulationSpecError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func cLog(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func cExp(_ x: Double) -> Double { Glibc.exp(x) }
@inline(__always) func cCos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func cLog(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func cExp(_ x: Double) -> Double { Darwin.exp(x) }
@inline(__always) func cCos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
