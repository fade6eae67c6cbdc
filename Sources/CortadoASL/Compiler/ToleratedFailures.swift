import CortadoPath

/// A Map's tolerated failures (ToleratedFailureCount/Percentage and their Path forms): AWS's
/// rules, written once for the interpreter's inline Maps, Distributed Maps and TestState, and
/// the tape lane's inline Maps.
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

extension MapState {
    /// It has a ToleratedFailureCount or ToleratedFailurePercentage (or their Path forms).
    public var toleratesFailures: Bool { toleratedFailureCount != nil || toleratedFailurePercentage != nil }
}
