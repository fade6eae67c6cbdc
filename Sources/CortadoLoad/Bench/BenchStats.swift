#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Summary statistics of repeated measurements, and Welch's t-test between two sets: what
/// `cortado bench` needs to call a change a regression only when it is both large and
/// unlikely to be noise.
public struct SampleStats: Sendable, Equatable {
    public let n: Int
    public let mean: Double
    /// Sample standard deviation (n - 1).
    public let sd: Double

    public init(_ xs: [Double]) {
        n = xs.count
        mean = xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count)
        let m = mean
        sd = xs.count > 1 ? (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() : 0
    }

    /// Half the width of the 95% confidence interval of the mean (Student's t).
    public var ci95: Double {
        guard n > 1 else { return 0 }
        return Self.tCritical95(df: Double(n - 1)) * sd / Double(n).squareRoot()
    }

    /// Two-sided p-value of Welch's t-test that `a` and `b` have the same mean.
    public static func welchP(_ a: SampleStats, _ b: SampleStats) -> Double {
        guard a.n > 1, b.n > 1 else { return 1 }
        let va = a.sd * a.sd / Double(a.n), vb = b.sd * b.sd / Double(b.n)
        let se2 = va + vb
        guard se2 > 0 else { return a.mean == b.mean ? 1 : 0 }
        let t = (a.mean - b.mean) / se2.squareRoot()
        let df = se2 * se2 / (va * va / Double(a.n - 1) + vb * vb / Double(b.n - 1))
        return studentTwoSidedP(t: abs(t), df: df)
    }

    /// P(|T| >= t) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).
    static func studentTwoSidedP(t: Double, df: Double) -> Double {
        regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The 97.5th percentile of Student's t (found by bisection on the p-value).
    static func tCritical95(df: Double) -> Double {
        var lo = 0.0, hi = 100.0
        for _ in 0..<80 {
            let mid = (lo + hi) / 2
            if studentTwoSidedP(t: mid, df: df) > 0.05 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b) by its continued fraction (Numerical Recipes' betacf, Lentz's method).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x)
        if x > (a + 1) / (a + b + 2) { return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a) }
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        for m in 1...300 {
            let m = Double(m)
            var num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; f *= d * c
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + num * d; if abs(d) < tiny { d = tiny }
            c = 1 + num / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) < 1e-12 { break }
        }
        return exp(lnFront) * f / a
    }
}
