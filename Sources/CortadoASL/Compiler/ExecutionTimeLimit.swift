extension Program {
    /// The seconds an execution of this machine may run: its TimeoutSeconds or the host's
    /// limit (Express's five minutes, `--time-limit`), whichever is shorter; nil: no limit.
    /// The one rule for the general engine's deadline and the tape lane's wait budget.
    public func executionTimeLimit(host: Int?) -> Int? {
        guard let host else { return timeoutSeconds }
        return min(timeoutSeconds ?? host, host)
    }
}
