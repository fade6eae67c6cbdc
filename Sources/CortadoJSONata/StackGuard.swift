#if canImport(Glibc)
import Glibc

// glibc declares this only under _GNU_SOURCE, which Swift's Glibc module does not define.
@_silgen_name("pthread_getattr_np")
private func cPthreadGetattrNP(_ thread: pthread_t, _ attr: UnsafeMutablePointer<pthread_attr_t>) -> Int32
#elseif canImport(Darwin)
import Darwin
#endif

private let stackKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// Bounds recursion by the stack actually left on the current thread, so deep or endless
/// recursion ends in an error (U1001) instead of a crash, whatever thread evaluation runs on.
struct StackGuard {
    let base: UInt
    let budget: UInt

    /// `limit`: the most bytes to use; further capped by what the thread has left (minus a safety margin).
    init(limit: Int) {
        var marker = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        base = here
        let margin: UInt = 160 << 10
        if let avail = StackGuard.remaining(from: here), avail > margin {
            budget = min(UInt(limit), avail - margin)
        } else {
            budget = min(UInt(limit), 256 << 10)
        }
    }

    @inline(__always) func exceeded() -> Bool {
        var marker = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        return (here > base ? here - base : base - here) > budget
    }

    /// Bytes between `sp` and the low end of the current thread's stack.
    static func remaining(from sp: UInt) -> UInt? {
        guard let low = cachedLowEnd() else { return nil }
        return sp > low ? sp - low : nil
    }

    /// The low end of the current thread's stack, cached per thread (glibc reads
    /// /proc/self/maps to answer this for the main thread).
    static func cachedLowEnd() -> UInt? {
        if let p = pthread_getspecific(stackKey) { return UInt(bitPattern: p) }
        guard let low = lowEnd() else { return nil }
        pthread_setspecific(stackKey, UnsafeRawPointer(bitPattern: low))
        return low
    }

    static func lowEnd() -> UInt? {
#if canImport(Glibc)
        var attr = pthread_attr_t()
        guard cPthreadGetattrNP(pthread_self(), &attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        var addr: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &addr, &size) == 0, let addr else { return nil }
        return UInt(bitPattern: addr)
#elseif canImport(Darwin)
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return top - size
#else
        return nil
#endif
    }
}
