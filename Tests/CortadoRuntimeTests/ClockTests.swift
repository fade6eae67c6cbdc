@testable import CortadoRuntime
import Testing

/// The timer heap under executions' timers and the batch runner's parked lines.
@Suite struct ClockTests {
    /// Due elements come out by deadline, equal deadlines in the order they were pushed, and
    /// none before its deadline; slots freed by taken elements are used again.
    @Test func timersComeOutByDeadlineThenOrder() {
        var heap = TimerHeap<String>()
        var rng = SystemRandomNumberGenerator()
        var pushed: [(deadline: Int64, order: Int, name: String)] = []
        for k in 0..<2_000 {
            let d = Int64.random(in: 0..<50, using: &rng)
            heap.push("e\(k)", at: d)
            pushed.append((d, k, "e\(k)"))
        }
        #expect(heap.count == 2_000 && heap.earliest == pushed.map(\.deadline).min())
        #expect(heap.popDue(-1) == nil, "nothing is due before the earliest deadline")
        var out: [String] = []
        for now in Int64(0)..<50 {
            while let e = heap.popDue(now) { out.append(e) }
            #expect(heap.earliest.map { $0 > now } ?? true)
        }
        #expect(out == pushed.sorted { ($0.deadline, $0.order) < ($1.deadline, $1.order) }.map(\.name))
        #expect(heap.isEmpty && heap.slots.count == 2_000)
        // Pushed again: the freed slots take them, and order holds across reuse.
        heap.push("late", at: 9)
        heap.push("early", at: 3)
        heap.push("tie", at: 9)
        #expect(heap.slots.count == 2_000)
        #expect(heap.popDue(100) == "early" && heap.popDue(100) == "late" && heap.popDue(100) == "tie" && heap.popDue(100) == nil)
    }

    /// An element leaves the heap when it is taken (its references are not kept).
    @Test func takenElementsAreReleased() {
        final class Box {}
        weak var weakBox: Box?
        var heap = TimerHeap<Box>()
        do {
            let b = Box()
            weakBox = b
            heap.push(b, at: 1)
        }
        #expect(weakBox != nil)
        _ = heap.popDue(1)
        #expect(weakBox == nil)
    }
}
