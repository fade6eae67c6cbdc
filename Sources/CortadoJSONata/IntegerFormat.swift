import Foundation

/// Integer pictures (XPath `format-integer`): decimal digit patterns with grouping, letters,
/// roman numerals and words; used by $formatInteger, $parseInteger and date/time markers.
struct IntegerPicture {
    enum Primary { case decimal, letters, roman, words, sequence }
    enum Case { case upper, lower, title }
    var primary: Primary = .decimal
    var tcase: Case = .lower
    var ordinal = false
    var zeroCode: UInt32 = 0x30
    var mandatoryDigits = 0
    var optionalDigits = 0
    var regular = false
    var groupingSeparators: [(position: Int, character: String)] = []
    var token = ""
    var n = -1   // fixed width for date parsing

    static let decimalGroups: [UInt32] = [0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
                                          0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
                                          0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10]

    init(_ picture: String) throws(JSONataError) {
        var primaryFormat = picture
        if let semi = picture.lastIndex(of: ";") {
            primaryFormat = String(picture[..<semi])
            let modifier = picture[picture.index(after: semi)...]
            if modifier.first == "o" { ordinal = true }
        }
        switch primaryFormat {
        case "A": tcase = .upper; primary = .letters
        case "a": primary = .letters
        case "I": tcase = .upper; primary = .roman
        case "i": primary = .roman
        case "W": tcase = .upper; primary = .words
        case "Ww": tcase = .title; primary = .words
        case "w": primary = .words
        default:
            var zero: UInt32?
            var separatorPosition = 0
            var seps: [(Int, String)] = []
            for u in primaryFormat.unicodeScalars.reversed() {
                var digit = false
                for g in IntegerPicture.decimalGroups where u.value >= g && u.value <= g + 9 {
                    digit = true
                    mandatoryDigits += 1
                    separatorPosition += 1
                    if zero == nil { zero = g } else if zero != g { throw jerr("D3131") }
                    break
                }
                if !digit {
                    if u == "#" { separatorPosition += 1; optionalDigits += 1 } else { seps.append((separatorPosition, String(u))) }
                }
            }
            if mandatoryDigits > 0 {
                primary = .decimal
                zeroCode = zero!
                let r = IntegerPicture.regularRepeat(seps)
                if r > 0 {
                    regular = true
                    groupingSeparators = [(r, seps[0].1)]
                } else {
                    groupingSeparators = seps.map { ($0.0, $0.1) }
                }
            } else {
                primary = .sequence
                token = primaryFormat
            }
        }
    }

    static func regularRepeat(_ seps: [(Int, String)]) -> Int {
        guard let first = seps.first else { return 0 }
        if seps.contains(where: { $0.1 != first.1 }) { return 0 }
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let idx = seps.map { $0.0 }
        let factor = idx.dropFirst().reduce(idx[0], gcd)
        for i in 1...idx.count where !idx.contains(i * factor) { return 0 }
        return factor
    }

    func format(_ valueIn: Double) throws(JSONataError) -> String {
        let negative = valueIn < 0
        let value = abs(valueIn)
        var s: String
        switch primary {
        case .letters: s = IntegerWords.toLetters(toInt(value), upper: tcase == .upper)
        case .roman:
            if value > 1e7 { throw jerr("D1001") }
            s = IntegerWords.toRoman(toInt(value))
            if tcase == .upper { s = s.uppercased() }
        case .words:
            if !value.isFinite { throw jerr("D1001") }
            s = IntegerWords.toWords(value.rounded(.down), ordinal: ordinal)
            if tcase == .upper { s = s.uppercased() } else if tcase == .lower { s = s.lowercased() }
        case .decimal:
            s = formatJSNumber(value)
            let pad = mandatoryDigits - s.count
            if pad > 0 { s = String(repeating: "0", count: pad) + s }
            if zeroCode != 0x30 {
                var v = String.UnicodeScalarView()
                for u in s.unicodeScalars { v.append(Unicode.Scalar(u.value + zeroCode - 0x30) ?? u) }
                s = String(v)
            }
            var chars = s.unicodeScalars.map { String($0) }
            if regular, let g = groupingSeparators.first {
                let n = (chars.count - 1) / g.position
                if n > 0 {
                    for ii in stride(from: n, to: 0, by: -1) {
                        let pos = chars.count - ii * g.position
                        chars.insert(g.character, at: pos)
                    }
                }
            } else {
                for sep in groupingSeparators.reversed() {
                    let pos = chars.count - sep.position
                    if pos >= 0 && pos <= chars.count { chars.insert(sep.character, at: pos) }
                }
            }
            s = chars.joined()
            if ordinal {
                let last = chars.last ?? ""
                var suffix = ["1": "st", "2": "nd", "3": "rd"][last] ?? "th"
                if chars.count > 1 && chars[chars.count - 2] == "1" { suffix = "th" }
                s += suffix
            }
        case .sequence:
            throw jerr("D3130", nil, token)
        }
        return negative ? "-" + s : s
    }

    /// The regex fragment that matches a formatted integer and its parser.
    func matcher() throws(JSONataError) -> (regex: String, parse: (String) -> Double?) {
        let isUpper = tcase == .upper
        let occurrences: String
        if n > 0 {
            occurrences = optionalDigits == 0 ? "{\(n)}" : "{\(n - optionalDigits),\(n)}"
        } else {
            occurrences = "+"
        }
        switch primary {
        case .letters:
            return (isUpper ? "[A-Z]+" : "[a-z]+", { IntegerWords.fromLetters($0, upper: isUpper) })
        case .roman:
            return (isUpper ? "[MDCLXVI]+" : "[mdclxvi]+", { IntegerWords.fromRoman($0.uppercased()) })
        case .words:
            let words = IntegerWords.wordValues.keys.sorted { $0.count > $1.count }
            return ("(?:" + (words + ["and", "[\\-, ]"]).joined(separator: "|") + ")+", { IntegerWords.fromWords($0.lowercased()) })
        case .decimal:
            var re = "[0-9]\(occurrences)"
            if ordinal { re += "(?:th|st|nd|rd)" }
            let me = self
            return (re, { value in
                var digits = value
                if me.ordinal { digits = String(digits.dropLast(2)) }
                if me.regular {
                    digits = digits.replacingOccurrences(of: ",", with: "")
                } else {
                    for sep in me.groupingSeparators { digits = digits.replacingOccurrences(of: sep.character, with: "") }
                }
                if me.zeroCode != 0x30 {
                    var v = String.UnicodeScalarView()
                    for u in digits.unicodeScalars {
                        v.append(u.value >= me.zeroCode ? Unicode.Scalar(u.value - me.zeroCode + 0x30) ?? u : u)
                    }
                    digits = String(v)
                }
                return IntegerWords.parseIntPrefix(digits)
            })
        case .sequence:
            throw jerr("D3130", nil, token)
        }
    }
}

enum IntegerWords {
    static let few = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
                      "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
    static let ordinals = ["Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
                           "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth",
                           "Nineteenth"]
    static let decades = ["Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"]
    static let magnitudes = ["Thousand", "Million", "Billion", "Trillion"]

    static func toWords(_ value: Double, ordinal: Bool) -> String {
        func lookup(_ num: Double, _ prev: Bool, _ ord: Bool) -> String {
            var words = ""
            if num <= 19 {
                words = (prev ? " and " : "") + (ord ? ordinals[Int(num)] : few[Int(num)])
            } else if num < 100 {
                let tens = Int(num / 10), rem = Int(num) % 10
                words = (prev ? " and " : "") + decades[tens - 2]
                if rem > 0 { words += "-" + lookup(Double(rem), false, ord) } else if ord { words = String(words.dropLast()) + "ieth" }
            } else if num < 1000 {
                let hundreds = Int(num / 100), rem = Int(num) % 100
                words = (prev ? ", " : "") + few[hundreds] + " Hundred"
                if rem > 0 { words += lookup(Double(rem), true, ord) } else if ord { words += "th" }
            } else {
                var mag = Int((log10(num) / 3).rounded(.down))
                if mag > magnitudes.count { mag = magnitudes.count }
                let factor = pow(10, Double(mag * 3))
                let mant = (num / factor).rounded(.down)
                let rem = num - mant * factor
                words = (prev ? ", " : "") + lookup(mant, false, false) + " " + magnitudes[mag - 1]
                if rem > 0 { words += lookup(rem, true, ord) } else if ord { words += "th" }
            }
            return words
        }
        return lookup(value, false, ordinal)
    }

    static let wordValues: [String: Double] = {
        var w: [String: Double] = [:]
        for (i, x) in few.enumerated() { w[x.lowercased()] = Double(i) }
        for (i, x) in ordinals.enumerated() { w[x.lowercased()] = Double(i) }
        for (i, x) in decades.enumerated() {
            let l = x.lowercased()
            w[l] = Double((i + 2) * 10)
            w[String(l.dropLast()) + "ieth"] = Double((i + 2) * 10)
        }
        w["hundredth"] = 100
        for (i, x) in magnitudes.enumerated() {
            let v = pow(10, Double((i + 1) * 3))
            w[x.lowercased()] = v
            w[x.lowercased() + "th"] = v
        }
        return w
    }()

    static func fromWords(_ text: String) -> Double? {
        // split on ", " | " and " | whitespace | '-'
        // split on /,\s|\sand\s|[\s\\-]/, keeping empty parts (which then fail the look-up)
        let c = Array(text)
        var parts: [String] = []
        var cur = ""
        var i = 0
        while i < c.count {
            if c[i] == ",", i + 1 < c.count, c[i + 1].isWhitespace { parts.append(cur); cur = ""; i += 2; continue }
            if c[i].isWhitespace, i + 4 < c.count, String(c[(i + 1)...(i + 3)]) == "and", c[i + 4].isWhitespace {
                parts.append(cur); cur = ""; i += 5; continue
            }
            if c[i].isWhitespace || c[i] == "\\" || c[i] == "-" { parts.append(cur); cur = ""; i += 1; continue }
            cur.append(c[i]); i += 1
        }
        parts.append(cur)
        var segs: [Double] = [0]
        for p in parts {
            guard let value = wordValues[String(p)] else { return .nan }
            if value < 100 {
                var top = segs.removeLast()
                if top >= 1000 { segs.append(top); top = 0 }
                segs.append(top + value)
            } else {
                segs.append(segs.removeLast() * value)
            }
        }
        return segs.reduce(0, +)
    }

    /// JavaScript parseInt(s, 10): optional sign and leading digits; NaN when there are none.
    static func parseIntPrefix(_ s: String) -> Double {
        var t = s.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" })
        var sign = 1.0
        if t.first == "-" { sign = -1; t = t.dropFirst() } else if t.first == "+" { t = t.dropFirst() }
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let v = Double(digits) else { return .nan }
        return sign * v
    }

    static let romanNumerals: [(Int, String)] = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                                                 (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    static func toRoman(_ v: Int) -> String {
        var value = v, out = ""
        for (n, s) in romanNumerals { while value >= n { out += s; value -= n } }
        return out
    }
    static func fromRoman(_ r: String) -> Double {
        let values: [Character: Int] = ["M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1]
        var decimal = 0, maxV = 1
        for c in r.reversed() {
            guard let v = values[c] else { return .nan }
            if v < maxV { decimal -= v } else { maxV = v; decimal += v }
        }
        return Double(decimal)
    }
    static func toLetters(_ v: Int, upper: Bool) -> String {
        var value = v
        var letters: [Character] = []
        let a = upper ? 65 : 97
        while value > 0 {
            letters.insert(Character(Unicode.Scalar(UInt8((value - 1) % 26 + a))), at: 0)
            value = (value - 1) / 26
        }
        return String(letters)
    }
    static func fromLetters(_ s: String, upper: Bool) -> Double {
        let a = upper ? 65 : 97
        var d = 0.0
        for (i, u) in s.unicodeScalars.reversed().enumerated() { d += Double(Int(u.value) - a + 1) * pow(26, Double(i)) }
        return d
    }
}
