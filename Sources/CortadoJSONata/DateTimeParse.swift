import Foundation

/// $toMillis: ISO 8601 parsing and picture-driven parsing.
extension DateTimeFormat {
    static let isoRegex = try! NSRegularExpression(
        pattern: "^\\d{4}(-[01]\\d)*(-[0-3]\\d)*(T[0-2]\\d:[0-5]\\d:[0-5]\\d)*(\\.\\d+)?([+-][0-2]\\d:?[0-5]\\d|Z)?$")

    static func toMillis(_ s: String, picture: String?, now: Double = Date().timeIntervalSince1970 * 1000) throws(JSONataError) -> Double? {
        guard let picture else {
            let ns = s as NSString
            guard isoRegex.firstMatch(in: s, range: NSRange(location: 0, length: ns.length)) != nil else {
                throw jerr("D3110", nil, s)
            }
            return parseISO(s)
        }
        return try parseDateTime(s, picture, now: now)
    }

    /// Date.parse for the ISO shapes the suite's regex admits (no offset = UTC).
    static func parseISO(_ s: String) -> Double? {
        let c = Array(s.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= c.count else { return nil }
            var v = 0
            for i in a..<(a + n) { guard c[i] >= 48 && c[i] <= 57 else { return nil }; v = v * 10 + Int(c[i] - 48) }
            return v
        }
        guard let y = num(0, 4) else { return nil }
        var i = 4
        var mo = 1, d = 1, h = 0, mi = 0, sec = 0
        var ms = 0.0
        if i < c.count, c[i] == UInt8(ascii: "-") { guard let v = num(i + 1, 2) else { return nil }; mo = v; i += 3 }
        if i < c.count, c[i] == UInt8(ascii: "-") { guard let v = num(i + 1, 2) else { return nil }; d = v; i += 3 }
        if i < c.count, c[i] == UInt8(ascii: "T") {
            guard let hh = num(i + 1, 2), let mm = num(i + 4, 2), let ss = num(i + 7, 2) else { return nil }
            h = hh; mi = mm; sec = ss; i += 9
        }
        if i < c.count, c[i] == UInt8(ascii: ".") {
            var j = i + 1
            var frac = "0."
            while j < c.count, c[j] >= 48, c[j] <= 57 { frac.append(Character(Unicode.Scalar(c[j]))); j += 1 }
            ms = ((Double(frac) ?? 0) * 1000).rounded(.down)
            i = j
        }
        if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || (h == 24 && (mi > 0 || sec > 0)) { return nil }
        var t = utc(Double(y), Double(mo - 1), Double(d), Double(h), Double(mi), Double(sec), ms)
        if i < c.count {
            if c[i] == UInt8(ascii: "Z") { return t }
            let sign: Double = c[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2) else { return nil }
            var j = i + 3
            if j < c.count, c[j] == UInt8(ascii: ":") { j += 1 }
            guard let om = num(j, 2) else { return nil }
            t -= sign * Double(oh * 60 + om) * 60_000
        }
        return t
    }

    static func escapeRegex(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ".*+?^${}()|[]\\".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    static func parseDateTime(_ timestamp: String, _ picture: String, now: Double) throws(JSONataError) -> Double? {
        let spec = try analyse(picture)
        var regexes: [String] = []
        var parsers: [(Character, (String) -> Double?)?] = []
        for part in spec {
            switch part {
            case .literal(let s):
                regexes.append(escapeRegex(s)); parsers.append(nil)
            case .marker(let m):
                let c = m.component
                if c == "Z" || c == "z" {
                    let ip = m.integer!
                    let sep: String? = ip.regular ? ip.groupingSeparators.first?.character : nil
                    var re = c == "z" ? "GMT" : ""
                    re += "[-+][0-9]+"
                    if let sep { re += escapeRegex(sep) + "[0-9]+" }
                    regexes.append(re)
                    parsers.append((c, { v in
                        var value = v
                        if c == "z" { value = String(value.dropFirst(3)) }
                        var oh = 0, om = 0
                        if let sep, let r = value.range(of: sep) {
                            oh = Int(value[..<r.lowerBound]) ?? 0
                            om = Int(value[r.upperBound...]) ?? 0
                        } else {
                            let nd = value.count - 1
                            if nd <= 2 { oh = Int(value) ?? 0 } else {
                                oh = Int(value.prefix(3)) ?? 0
                                om = Int(value.dropFirst(3)) ?? 0
                            }
                        }
                        return Double(oh * 60 + om)
                    }))
                } else if var ip = m.integer {
                    ip.n = m.n
                    let mt = try ip.matcher()
                    regexes.append(mt.regex)
                    parsers.append((c, mt.parse))
                } else {
                    var lookup: [String: Double] = [:]
                    if c == "M" || c == "x" {
                        for (i, name) in months.enumerated() { lookup[m.widthMax.map { String(name.prefix($0)) } ?? name] = Double(i + 1) }
                    } else if c == "F" {
                        for (i, name) in days.enumerated() where i > 0 { lookup[m.widthMax.map { String(name.prefix($0)) } ?? name] = Double(i) }
                    } else if c == "P" {
                        lookup = ["am": 0, "AM": 0, "pm": 1, "PM": 1]
                    } else {
                        throw jerr("D3133", nil, String(c))
                    }
                    regexes.append("[a-zA-Z]+")
                    let lk = lookup
                    parsers.append((c, { v in lk[v] }))
                }
            }
        }
        let full = "^" + regexes.map { "(" + $0 + ")" }.joined() + "$"
        guard let re = try? NSRegularExpression(pattern: full, options: [.caseInsensitive]) else { return nil }
        let ns = timestamp as NSString
        guard let match = re.firstMatch(in: timestamp, range: NSRange(location: 0, length: ns.length)) else { return nil }
        var comps: [Character: Double] = [:]
        for (i, p) in parsers.enumerated() {
            guard let (c, parse) = p else { continue }
            let r = match.range(at: i + 1)
            guard r.location != NSNotFound else { continue }
            if let v = parse(ns.substring(with: r)) { comps[c] = v }
        }
        if comps.isEmpty { return nil }
        var mask = 0
        func shift(_ present: Bool) { mask = (mask << 1) + (present ? 1 : 0) }
        func isType(_ t: Int) -> Bool { (~t & mask) == 0 && (t & mask) != 0 }
        for ch in "YXMxWwdD" { shift(comps[ch] != nil) }
        let dateA = isType(161), dateB = !dateA && isType(130), dateC = isType(84), dateD = !dateC && isType(72)
        mask = 0
        for ch in "PHhmsf" { shift(comps[ch] != nil) }
        let timeA = isType(23), timeB = !timeA && isType(47)
        let dateComps = dateB ? "YD" : dateC ? "XxwF" : dateD ? "XWF" : "YMD"
        let timeComps = timeB ? "Phmsf" : "Hmsf"
        let nowDT = DT(now)
        var startSpecified = false, endSpecified = false
        for ch in dateComps + timeComps {
            if comps[ch] == nil {
                if startSpecified {
                    comps[ch] = "MDd".contains(ch) ? 1 : 0
                    endSpecified = true
                } else {
                    comps[ch] = fragment(nowDT, ch)?.num ?? 0
                }
            } else {
                startSpecified = true
                if endSpecified { throw jerr("D3136") }
            }
        }
        var month0 = (comps["M"] ?? 0) > 0 ? comps["M"]! - 1 : 0
        var day = comps["D"] ?? 1
        if dateB {
            let derived = DT(utc(comps["Y"]!, 0) + ((comps["d"] ?? 1) - 1) * 86_400_000)
            month0 = Double(derived.month - 1)
            day = Double(derived.day)
        }
        if dateC || dateD { throw jerr("D3136") }
        var hour = comps["H"] ?? 0
        if timeB {
            hour = comps["h"] == 12 ? 0 : (comps["h"] ?? 0)
            if comps["P"] == 1 { hour += 12 }
        }
        var millis = utc(comps["Y"] ?? 0, month0, day, hour, comps["m"] ?? 0, comps["s"] ?? 0, comps["f"] ?? 0)
        if let z = comps["Z"] ?? comps["z"], z != 0 { millis -= z * 60_000 }
        return millis
    }
}
