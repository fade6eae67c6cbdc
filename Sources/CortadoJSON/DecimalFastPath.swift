extension JSONNumber {
    /// 10^0 ... 10^22, each exact in a double.
    static let exactPowersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// The double of the text `-?digits(.digits)?` times 10^`shift`, exactly as parsing that
    /// text with its exponent moved (strtod) gives it, where that can be had without
    /// parsing: the digits read as an integer are exact in a double (below 2^53) and the
    /// decimal exponent after the shift is at most 22 either way, so one multiplication or
    /// division by an exact power of ten rounds as strtod does (Clinger's fast path). nil for
    /// anything else (an exponent, more digits, NaN, Infinity): parse it then.
    /// Serves the tape lane's reading of a literal (`shift` 0) and JSONata's `$round`.
    public static func fastPathDouble(_ b: UnsafeBufferPointer<UInt8>, timesPowerOfTen shift: Int = 0) -> Double? {
        var k = 0
        var negative = false
        if k < b.count, b[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        var point = false
        while k < b.count {
            let c = b[k]
            if c == UInt8(ascii: ".") {
                guard !point else { return nil }
                point = true
            } else if c >= 0x30 && c <= 0x39 {
                digits += 1
                guard digits <= 17 else { return nil }
                mantissa = mantissa * 10 + UInt64(c - 0x30)
                if point { exponent -= 1 }
            } else {
                return nil
            }
            k += 1
        }
        let e = exponent + shift
        guard digits > 0, mantissa < (1 << 53), abs(e) <= 22 else { return nil }
        let v = e >= 0 ? Double(mantissa) * exactPowersOfTen[e] : Double(mantissa) / exactPowersOfTen[-e]
        return negative ? -v : v
    }
}
