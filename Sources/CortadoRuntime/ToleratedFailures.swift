import CortadoASL
import CortadoJSON
import CortadoPath

/// A Map's tolerated failures (ToleratedFailureCount/Percentage and their Path forms): AWS's
/// rules, written once for inline Maps, Distributed Maps and TestState.
public enum ToleratedFailures {
    /// What a Map fails with when its children's failures exceed the tolerance.
    public static let exceeded = ASLError(.exceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")

    /// With only a count or only a percentage, exceeding it fails the Map; with both, both
    /// must be exceeded; with neither, any failure does.
    public static func exceeds(failures: Int, of total: Int, count: Int?, percentage: Double?) -> Bool {
        guard failures > 0 else { return false }
        let overCount = count.map { failures > $0 }
        let overPercentage = percentage.map { Double(failures) * 100 / Double(max(total, 1)) > $0 }
        switch (overCount, overPercentage) {
        case (nil, nil): return true
        case (let c?, nil): return c
        case (nil, let p?): return p
        case (let c?, let p?): return c && p
        }
    }
}

extension Execution {
    /// ToleratedFailureCount(Path) and ToleratedFailurePercentage(Path) of a Map.
    func toleratedFailures(_ s: MapState, _ eff: JSON, _ f: Frame) throws(ASLError) -> (count: Int?, percentage: Double?) {
        var count: Int? = nil, percentage: Double? = nil
        if let t = s.toleratedFailureCount {
            let n = try mapInt(t, eff, f, field: MapLimits.Field.toleratedFailureCount.pathName)
            if let cause = MapLimits.rangeCause(.toleratedFailureCount, Double(n)) { throw ASLError.runtime(cause) }
            count = n
        }
        if let t = s.toleratedFailurePercentage {
            let p: Double
            switch t {
            case .constant(let c): p = c
            case .path(let path):
                p = try MapLimits.percentage(try read(path, eff, f), path: path.source).get()
            case .expression(let e):
                guard case .number(let n) = try e.evaluate(scope(f, input: eff), expecting: "number") else { p = 0; break }
                p = n.double
            }
            if let cause = MapLimits.rangeCause(.toleratedFailurePercentage, p) { throw ASLError.runtime(cause) }
            percentage = p
        }
        return (count, percentage)
    }
}
