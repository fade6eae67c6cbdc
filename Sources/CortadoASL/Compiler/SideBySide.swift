// Children side by side: how a Map's iterations (under its MaxConcurrency) and a Parallel's
// branches run at once. The interpreter launches them by this rule; the tape lane, which runs
// them one after another, takes from it when they end.

/// A Map's iterations and a Parallel's branches run side by side: the first `limit` of them
/// (0: all) start at once, in order, and each that ends starts the next.
public enum SideBySide {
    /// How many of `count` children start at once under a MaxConcurrency of `limit` (0: all).
    @inline(__always)
    public static func launchedAtStart(limit: Int, count: Int) -> Int {
        limit <= 0 ? count : min(limit, count)
    }

    /// How long after they start the last of children that take `durations` (in order;
    /// milliseconds, each its own waits) ends, launched as `launchedAtStart` and one more as
    /// each ends.
    public static func end(of durations: UnsafeBufferPointer<Int>, limit: Int) -> Int {
        let n = launchedAtStart(limit: limit, count: durations.count)
        if n == durations.count { return durations.max() ?? 0 }
        // When each of the `n` running children ends (a min-heap); the next takes the first free.
        var ends = Array(durations.prefix(n))
        func siftDown(_ i: Int) {
            var i = i
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && ends[l] < ends[m] { m = l }
                if r < n && ends[r] < ends[m] { m = r }
                if m == i { return }
                ends.swapAt(i, m)
                i = m
            }
        }
        for i in stride(from: n / 2 - 1, through: 0, by: -1) { siftDown(i) }
        var last = ends.max() ?? 0
        for d in durations[n...] {
            let t = ends[0] > Int.max - d ? Int.max : ends[0] + d
            last = max(last, t)
            ends[0] = t
            siftDown(0)
        }
        return last
    }
}
