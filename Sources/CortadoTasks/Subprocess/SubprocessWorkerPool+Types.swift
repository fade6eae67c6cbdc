// What `SubprocessWorkerPool` reports: a command that cannot start, a snapshot of the pool.
extension SubprocessWorkerPool {
    /// The worker command could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// A snapshot of the pool, for monitoring and tests.
    public struct Stats: Sendable {
        /// The pids of the processes running now (one per slot that is not restarting).
        public var processIDs: [Int32]
        /// Tasks sent to a process and not yet answered.
        public var inFlight: Int
        /// Tasks waiting for a free slot.
        public var queued: Int
        /// How many times a process ended unexpectedly and was replaced.
        public var restarts: Int
    }
}
