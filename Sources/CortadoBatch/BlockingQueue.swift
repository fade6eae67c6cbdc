import Foundation

/// A FIFO that blocks `pop` until an element arrives. Workers take whole batches from it,
/// so the lock is taken once per few hundred executions.
final class BlockingQueue<Element>: @unchecked Sendable {
    private let cond = NSCondition()
    // NOTE: a popped slot is cleared at once, so a finished batch (and its input chunk)
    // is not kept alive by the queue until the next compaction.
    private var items: [Element?] = []
    private var head = 0

    func push(_ e: Element) {
        cond.lock()
        items.append(e)
        cond.signal()
        cond.unlock()
    }

    /// Pushes several under one lock, waking as many waiting threads as there are items.
    func push(contentsOf es: [Element]) {
        guard !es.isEmpty else { return }
        cond.lock()
        items.append(contentsOf: es)
        if es.count == 1 { cond.signal() } else { cond.broadcast() }
        cond.unlock()
    }

    func pop() -> Element {
        cond.lock()
        defer { cond.unlock() }
        while head == items.count { cond.wait() }
        let e = items[head].take()!
        head += 1
        if head == items.count { items.removeAll(keepingCapacity: true); head = 0 }
        else if head > 1024, head * 2 > items.count { items.removeFirst(head); head = 0 }
        return e
    }
}

/// A counting permit pool: the reader takes one per batch, the writer returns it once the
/// batch is written. This is what bounds memory by the in-flight window.
final class Permits: @unchecked Sendable {
    private let cond = NSCondition()
    private var available: Int
    init(_ n: Int) { available = n }

    func acquire() {
        cond.lock()
        while available == 0 { cond.wait() }
        available -= 1
        cond.unlock()
    }

    func release(_ n: Int = 1) {
        cond.lock()
        available += n
        cond.broadcast()
        cond.unlock()
    }
}
