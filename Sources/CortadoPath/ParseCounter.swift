import Synchronization

/// Counts path, intrinsic and JSONata expression parses made by the current task, so a test can prove that
/// running executions parses nothing (everything is parsed once, at compile time).
/// Reading the task-local costs a few nanoseconds and happens only when parsing.
public final class ParseCounter: Sendable {
    private let count = Atomic<Int>(0)
    public init() {}

    /// Parses counted while this counter was `current`.
    public var value: Int { count.load(ordering: .relaxed) }

    @TaskLocal public static var current: ParseCounter?

    public static func record() { current?.count.add(1, ordering: .relaxed) }
}
