/// A growable buffer of plain values that never checks uniqueness or retains anything:
/// the tape's arrays are appended to a few hundred times a line. The owner frees it.
public struct UnsafeVec<T> {
    public private(set) var base: UnsafeMutablePointer<T>
    public private(set) var count = 0
    public private(set) var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    public func free() { base.deallocate() }

    @inline(__always) public subscript(i: Int) -> T {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }

    @inline(__always) public mutating func append(_ x: T) {
        if count == capacity { grow(count + 1) }
        (base + count).initialize(to: x)
        count += 1
    }

    /// Appends where the caller has already made room (`grow`): no capacity check.
    @inline(__always) mutating func appendUnchecked(_ x: T) {
        (base + count).initialize(to: x)
        count &+= 1
    }

    /// Makes room for `n` more and returns where they go (the caller initializes them).
    @inline(__always) mutating func extend(by n: Int) -> UnsafeMutablePointer<T> {
        if count + n > capacity { grow(count + n) }
        let p = base + count
        count += n
        return p
    }

    /// Makes room for at least `minimum` values in all.
    @inline(__always) public mutating func grow(_ minimum: Int) {
        if minimum > capacity { reallocate(minimum) }
    }

    @inline(never) mutating func reallocate(_ minimum: Int) {
        let newCapacity = max(capacity * 2, minimum)
        let b = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
        b.moveInitialize(from: base, count: count)
        base.deallocate()
        base = b
        capacity = newCapacity
    }

    /// Sets the count after the caller wrote values up to `n` within the capacity.
    @inline(__always) mutating func setCount(_ n: Int) { count = n }

    /// Keeps the first `n` (T is a plain value: nothing to deinitialize).
    @inline(__always) public mutating func truncate(to n: Int) { count = n }
}

extension UnsafeVec where T == UInt8 {
    @inline(__always) public mutating func append(_ b: UnsafeRawPointer, _ n: Int) {
        Tape.copy(b.assumingMemoryBound(to: UInt8.self), n, to: extend(by: n))
    }

    public mutating func append(_ s: StaticString) { append(s.utf8Start, s.utf8CodeUnitCount) }

    public mutating func append(_ b: UnsafeBufferPointer<UInt8>) { if let a = b.baseAddress { append(a, b.count) } }

    /// Appends bytes that are in this buffer already (safe across growth).
    mutating func appendOwn(from: Int, to: Int) {
        let n = to - from
        _ = extend(by: n)
        (base + count - n).update(from: base + from, count: n)
    }

    public var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
}
