import CortadoPath
#if canImport(Glibc)
import Glibc
#endif
/// An instant parsed from an ISO-8601 extended offset date-time
/// (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+01:00`), as ASL timestamps are.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Seconds since the Unix epoch and the nanoseconds within that second.
    public let seconds: Int64
    public let nanos: Int32

    public init(seconds: Int64, nanos: Int32 = 0) { self.seconds = seconds; self.nanos = nanos }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanos) < (b.seconds, b.nanos)
    }

    /// Milliseconds since the epoch.
    public var milliseconds: Int64 { seconds * 1000 + Int64(nanos / 1_000_000) }

    /// The wall clock's time, in milliseconds since the epoch (`wallClockMilliseconds`).
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    public init(milliseconds ms: Int64) {
        var s = ms / 1000, r = ms % 1000
        if r < 0 { s -= 1; r += 1000 }
        self.init(seconds: s, nanos: Int32(r) * 1_000_000)
    }

    /// Parses a strict ISO-8601 extended offset date-time; nil when the text is not one.
    public static func parse(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1; return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), expect(UInt8(ascii: "T")), let hour = digits(2), expect(UInt8(ascii: ":")),
            let minute = digits(2), expect(UInt8(ascii: ":")), let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0, scale = 100_000_000
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                nanos += Int(b[i] - 0x30) * scale; scale /= 10; n += 1; i += 1
                if n > 9 { return nil }
            }
            if n == 0 { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let secs = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        return Timestamp(seconds: secs, nanos: Int32(nanos))
    }

    /// Formats as AWS prints context timestamps: `2024-05-01T12:00:00.123Z`.
    public var iso8601: String {
        var days = seconds / 86400, rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let c = CivilCalendar.date(days: Int(days))
        let (y, m, d) = (Int64(c.year), Int64(c.month), Int64(c.day))
        guard y >= 0, y <= 9999 else {
            func p(_ v: Int64, _ w: Int) -> String {
                let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s
            }
            return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(rem / 3600, 2)):\(p(rem / 60 % 60, 2)):\(p(rem % 60, 2)).\(p(Int64(nanos / 1_000_000), 3))Z"
        }
        // The usual years: 24 fixed-width bytes, written digit by digit (the interpolation
        // above cost ~40,000 instructions; a Map builds this for every item's context).
        return String(unsafeUninitializedCapacity: 24) { b in
            func put(_ v: Int64, _ at: Int, _ width: Int) {
                var v = v
                for k in stride(from: at + width - 1, through: at, by: -1) { b[k] = UInt8(48 + v % 10); v /= 10 }
            }
            put(y, 0, 4); b[4] = 45; put(m, 5, 2); b[7] = 45; put(d, 8, 2); b[10] = 84
            put(rem / 3600, 11, 2); b[13] = 58; put(rem / 60 % 60, 14, 2); b[16] = 58; put(rem % 60, 17, 2)
            b[19] = 46; put(Int64(nanos / 1_000_000), 20, 3); b[23] = 90
            return 24
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

}
