import CortadoASL
import CortadoJSON
import CortadoPath

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
