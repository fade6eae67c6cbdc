import CortadoASL
#if canImport(Glibc)
import Glibc
#endif

/// Where an execution's time comes from.
public enum ClockMode: String, Sendable, CaseIterable {
    /// Wall-clock time; waits really wait (by parking, never by blocking a worker).
    case real
    /// Time jumps to the next timer when nothing is runnable: a 24-hour Wait finishes at once.
    case virtual
}

/// Current wall-clock time in milliseconds since the epoch.
@inline(__always) public func wallClockMilliseconds() -> Int64 { Timestamp.nowMilliseconds() }

/// A min-heap of timers, keyed by deadline then insertion order (stable for equal deadlines).
/// The heap moves only its plain keys; each element stays in its slot until it is due (a
/// heap of elements that hold references retained and released them at every comparison
/// and swap: half the timer thread of a run whose every line waits). Inlinable, so that a
/// host's heap is specialized for its element.
public struct TimerHeap<Element> {
    @usableFromInline struct Key {
        @usableFromInline var deadline: Int64
        @usableFromInline var seq: UInt64
        @usableFromInline var slot: Int
        @inlinable init(deadline: Int64, seq: UInt64, slot: Int) { self.deadline = deadline; self.seq = seq; self.slot = slot }
        @inlinable func precedes(_ o: Key) -> Bool { deadline < o.deadline || (deadline == o.deadline && seq < o.seq) }
    }
    @usableFromInline var keys: [Key] = []
    @usableFromInline var slots: [Element?] = []
    /// Slots whose element was taken.
    @usableFromInline var freeSlots: [Int] = []
    @usableFromInline var seq: UInt64 = 0

    @inlinable public init() {}

    @inlinable public var isEmpty: Bool { keys.isEmpty }
    @inlinable public var count: Int { keys.count }
    @inlinable public var earliest: Int64? { keys.first?.deadline }

    @inlinable public mutating func push(_ e: Element, at deadline: Int64) {
        seq &+= 1
        let slot: Int
        if let f = freeSlots.popLast() {
            slots[f] = e
            slot = f
        } else {
            slots.append(e)
            slot = slots.count - 1
        }
        let key = Key(deadline: deadline, seq: seq, slot: slot)
        keys.append(key)
        var i = keys.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard key.precedes(keys[p]) else { break }
            keys[i] = keys[p]
            i = p
        }
        keys[i] = key
    }

    /// Removes the elements `isVoid` picks, with their deadlines (a host whose entries are
    /// cancelled in place compacts the heap so: they would stay until due otherwise).
    @inlinable public mutating func removeAll(where isVoid: (Element) -> Bool) {
        var kept: [Key] = []
        kept.reserveCapacity(keys.count)
        for k in keys {
            if let e = slots[k.slot], !isVoid(e) {
                kept.append(k)
            } else {
                slots[k.slot] = nil
                freeSlots.append(k.slot)
            }
        }
        // (Keys in order are a heap.)
        kept.sort { $0.precedes($1) }
        keys = kept
    }

    /// Removes and returns the earliest element if its deadline is at or before `now`.
    @inlinable public mutating func popDue(_ now: Int64) -> Element? {
        guard let first = keys.first, first.deadline <= now else { return nil }
        let last = keys.removeLast()
        let n = keys.count
        if n > 0 {
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = l
                guard l < n else { break }
                if r < n, keys[r].precedes(keys[l]) { m = r }
                guard keys[m].precedes(last) else { break }
                keys[i] = keys[m]
                i = m
            }
            keys[i] = last
        }
        let e = slots[first.slot]
        slots[first.slot] = nil
        freeSlots.append(first.slot)
        return e
    }
}

/// A one-thread host's wait: sleeps until woken or a wall-clock deadline.
final class WakeSignal: ExecutionWaker, @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var woken = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
    }

    deinit {
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    func wake(_ execution: Execution) {
        pthread_mutex_lock(&mutex)
        woken = true
        pthread_cond_signal(&cond)
        pthread_mutex_unlock(&mutex)
    }

    /// Waits for `wake` or until the epoch-millisecond deadline (nil: no deadline).
    func wait(untilMilliseconds deadline: Int64?) {
        pthread_mutex_lock(&mutex)
        while !woken {
            if let deadline {
                let ms = deadline - wallClockMilliseconds()
                if ms <= 0 { break }
                var ts = timespec()
                clock_gettime(CLOCK_REALTIME, &ts)
                let total = Int64(ts.tv_nsec) + (ms % 1000) * 1_000_000
                ts.tv_sec += Int(ms / 1000) + Int(total / 1_000_000_000)
                ts.tv_nsec = Int(total % 1_000_000_000)
                pthread_cond_timedwait(&cond, &mutex, &ts)
            } else {
                pthread_cond_wait(&cond, &mutex)
            }
        }
        woken = false
        pthread_mutex_unlock(&mutex)
    }
}
