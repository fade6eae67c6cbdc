import CortadoASL
import Testing

/// Children side by side (`SideBySide`): how many start at once, and when the last ends.
@Suite struct SideBySideTests {
    static func end(_ d: [Int], _ limit: Int) -> Int { d.withUnsafeBufferPointer { SideBySide.end(of: $0, limit: limit) } }

    @Test func launchedAtStart() {
        #expect(SideBySide.launchedAtStart(limit: 0, count: 7) == 7)
        #expect(SideBySide.launchedAtStart(limit: 3, count: 7) == 3)
        #expect(SideBySide.launchedAtStart(limit: 9, count: 7) == 7)
        #expect(SideBySide.launchedAtStart(limit: 2, count: 0) == 0)
    }

    /// All at once: the longest. One at a time: the sum. Else each next starts as the first
    /// of those running ends.
    @Test func theLastEnds() {
        #expect(Self.end([], 0) == 0 && Self.end([], 2) == 0)
        #expect(Self.end([1, 2, 3], 0) == 3)
        #expect(Self.end([1, 2, 3], 1) == 6)
        #expect(Self.end([1, 2, 3], 2) == 4)
        #expect(Self.end([3, 1, 1, 1, 1], 2) == 4)
        #expect(Self.end([5, 0, 0, 0, 0, 4], 2) == 5)
        #expect(Self.end([2, 2, 2, 2, 2], 3) == 4)
        #expect(Self.end([Int.max, 1], 1) == Int.max)
    }

    /// Against a step-by-step simulation of the launching rule, for random durations.
    @Test func randomDurationsAgreeWithASimulation() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let d = (0..<Int.random(in: 0...12, using: &rng)).map { _ in Int.random(in: 0...9, using: &rng) }
            let limit = Int.random(in: 0...5, using: &rng)
            // Running children's end times; launch in order whenever fewer than the limit run.
            var running: [Int] = [], next = 0, now = 0, last = 0
            while next < d.count || !running.isEmpty {
                while next < d.count && (limit == 0 || running.count < limit) {
                    running.append(now + d[next]); next += 1
                }
                let first = running.min()!
                running.remove(at: running.firstIndex(of: first)!)
                now = first
                last = max(last, first)
            }
            #expect(Self.end(d, limit) == last, "\(d) \(limit)")
        }
    }
}
