import CortadoRuntime

/// Sees the lines one worker of a batch run finishes, on that worker's thread (so it needs
/// no lock): a load test measures each line from its scheduled start and hands its figures
/// on once per job (`flush`), not once per line.
public protocol LineObserver: AnyObject {
    /// Line `line` ended at `endNanos`; it was due (or started) at `startNanos` (monotonic
    /// nanoseconds). `error` names a failure's error.
    func lineEnded(line: Int, status: ExecutionStatus, error: String?, startNanos: UInt64, endNanos: UInt64)
    /// After each job the worker ran: `stats` holds its per-state counts, times and visits
    /// since the last call. The worker resets the counts and times after this call; the
    /// observer empties `visits` itself.
    func flush(_ stats: StateStats)
}
