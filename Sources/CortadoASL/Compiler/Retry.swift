#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CortadoPath

/// Retry's rules, written once for the interpreter, TestState and the tape lane: which
/// Retrier takes an error, how many attempts it has left, how long it waits, and which
/// Catcher takes an error no Retrier retries.
extension Retrier {
    /// IntervalSeconds × BackoffRate^retries, capped by MaxDelaySeconds (before any jitter):
    /// how long an execution waits, and what TestState reports.
    public func delaySeconds(afterRetries retries: Int) -> Double {
        let delay = intervalSeconds * pow(backoffRate, Double(retries))
        return maxDelaySeconds.map { min(delay, $0) } ?? delay
    }

    /// A delay in whole milliseconds, as executions wait it, at most a year (the longest
    /// MaxDelaySeconds AWS accepts, and the longest any AWS execution lives): a BackoffRate
    /// raised to many retries grows past any clock (to infinity), and each back-off moves an
    /// execution's clock on.
    public static func milliseconds(_ seconds: Double) -> Int {
        let ms = (seconds * 1000).rounded()
        return ms < Double(longestDelaySeconds) * 1000 ? max(0, Int(ms)) : longestDelaySeconds * 1000
    }

    /// A year (366 days) in seconds: the longest one back-off lasts (`milliseconds`).
    public static let longestDelaySeconds = 31_622_400

    /// The wait before the next attempt: `delay`, or with JitterStrategy FULL a random
    /// share of it.
    public func jittered(_ delay: Double) -> Double { fullJitter ? Double.random(in: 0...delay) : delay }
}

extension ResultProcessing {
    /// The first Retrier whose ErrorEquals names `e`.
    public func retrier(for e: ASLError) -> Int? {
        retry.firstIndex { ErrorEquals.matches($0.errorEquals, e) }
    }

    /// The first Catcher whose ErrorEquals names `e`.
    public func catcher(for e: ASLError) -> Int? {
        catchers.firstIndex { ErrorEquals.matches($0.errorEquals, e) }
    }

    /// Whether `e` is retried, counting the retry: the Retrier that takes it (the first that
    /// names it; later ones never see it) retries while it has attempts left, each Retrier
    /// counting its own. `counts` holds each Retrier's retries so far in this state entry.
    /// - Returns: the wait before the next attempt in seconds (before any jitter), or nil
    ///   when the error goes on to Catch.
    public func retry(_ e: ASLError, counts: inout [Int]) -> (retrier: Int, delaySeconds: Double)? {
        if counts.count != retry.count { counts = Array(repeating: 0, count: retry.count) }
        guard let i = retrier(for: e), counts[i] < retry[i].maxAttempts else { return nil }
        let delay = retry[i].delaySeconds(afterRetries: counts[i])
        counts[i] += 1
        return (i, delay)
    }
}
