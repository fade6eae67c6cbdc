import CortadoPath
import Foundation

/// Date/time picture formatting and parsing (XPath F&O 3.1 §9.8, as JSONata implements it).
enum DateTimeFormat {
    struct Marker {
        var component: Character
        var presentation1: String = ""
        var presentation2: Character?
        var names: IntegerPicture.Case?
        var widthMin: Int?
        var widthMax: Int?
        var hasWidth = false
        var integer: IntegerPicture?
        var n = -1
    }
    enum Part { case literal(String), marker(Marker) }

    static let defaultPresentation: [Character: String] = ["Y": "1", "M": "1", "D": "1", "d": "1", "F": "n", "W": "1", "w": "1", "X": "1",
                                                           "x": "1", "H": "1", "h": "1", "P": "n", "m": "01", "s": "01", "f": "1",
                                                           "Z": "01:01", "z": "01:01", "C": "n", "E": "n"]
    static let days = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                         "November", "December"]

    static func analyse(_ picture: String) throws(JSONataError) -> [Part] {
        var spec: [Part] = []
        let p = Array(picture)
        func addLiteral(_ s: Int, _ e: Int) {
            if e > s { spec.append(.literal(String(p[s..<e]).replacingOccurrences(of: "]]", with: "]"))) }
        }
        var start = 0, pos = 0
        while pos < p.count {
            if p[pos] == "[" {
                if pos + 1 < p.count && p[pos + 1] == "[" {
                    addLiteral(start, pos)
                    spec.append(.literal("["))
                    pos += 2
                    start = pos
                    continue
                }
                addLiteral(start, pos)
                start = pos
                guard let close = p[start...].firstIndex(of: "]") else { throw jerr("D3135") }
                pos = close
                let marker = String(p[(start + 1)..<pos]).filter { !$0.isWhitespace }
                guard let comp = marker.first else { throw jerr("D3132") }
                var def = Marker(component: comp)
                var presMod: String
                if let comma = marker.lastIndex(of: ",") {
                    let widthMod = String(marker[marker.index(after: comma)...])
                    def.hasWidth = true
                    func parseWidth(_ s: String?) -> Int? {
                        guard let s, s != "*" else { return nil }
                        return Int(s.prefix { $0.isNumber })
                    }
                    if let dash = widthMod.firstIndex(of: "-") {
                        def.widthMin = parseWidth(String(widthMod[..<dash]))
                        def.widthMax = parseWidth(String(widthMod[widthMod.index(after: dash)...]))
                    } else {
                        def.widthMin = parseWidth(widthMod)
                    }
                    let afterComponent = marker.index(after: marker.startIndex)
                    presMod = comma > afterComponent ? String(marker[afterComponent..<comma]) : ""  // JS substring swaps/empties
                } else {
                    presMod = String(marker.dropFirst())
                }
                if presMod.count == 1 {
                    def.presentation1 = presMod
                } else if presMod.count > 1 {
                    let last = presMod.last!
                    if "atco".contains(last) {
                        def.presentation2 = last
                        def.presentation1 = String(presMod.dropLast())
                    } else {
                        def.presentation1 = presMod
                    }
                } else {
                    guard let d = defaultPresentation[comp] else { throw jerr("D3132", nil, String(comp)) }
                    def.presentation1 = d
                }
                let p1 = Array(def.presentation1)
                if p1.first == "n" {
                    def.names = .lower
                } else if p1.first == "N" {
                    def.names = p1.count > 1 && p1[1] == "n" ? .title : .upper
                } else if "YMDdFWwXxHhmsf".contains(comp) {
                    var pattern = def.presentation1
                    if let p2 = def.presentation2 { pattern += ";" + String(p2) }
                    var ip = try IntegerPicture(pattern)
                    if let mn = def.widthMin, ip.mandatoryDigits < mn { ip.mandatoryDigits = mn }
                    if "YMD".contains(comp) {
                        def.n = -1
                        if let mx = def.widthMax {
                            def.n = mx
                            ip.mandatoryDigits = mx
                        } else {
                            let w = ip.mandatoryDigits + ip.optionalDigits
                            if w >= 2 { def.n = w }
                        }
                    }
                    def.integer = ip
                }
                if comp == "Z" || comp == "z" { def.integer = try IntegerPicture(def.presentation1) }
                spec.append(.marker(def))
                start = pos + 1
            }
            pos += 1
        }
        addLiteral(start, pos)
        return spec
    }

    // MARK: calendar arithmetic (proleptic Gregorian, UTC)

    /// JavaScript Date.UTC (month zero-based, overflowing fields normalised).
    static func utc(_ y: Double, _ m0: Double, _ d: Double = 1, _ h: Double = 0, _ mi: Double = 0, _ s: Double = 0, _ ms: Double = 0) -> Double {
        guard y.isFinite, m0.isFinite, abs(y) < 1e6, abs(m0) < 1e7 else { return .nan }
        let ym = y + (m0 / 12).rounded(.down)
        let mn = Int(m0) - Int((m0 / 12).rounded(.down)) * 12
        let days = Double(CivilCalendar.days(year: Int(ym), month: mn + 1, day: 1)) + d - 1
        return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms
    }
    struct DT {
        var year, month, day, hour, minute, second, milli, weekday: Int   // month 1-12, weekday 0=Sunday
        let time: Double
        init(_ msIn: Double) {
            let ms = msIn.isFinite ? max(-8.64e15, min(8.64e15, msIn)).rounded(.towardZero) : 0  // JS TimeClip
            time = ms
            let days = Int((ms / 86_400_000).rounded(.down))
            var rem = Int(ms - Double(days) * 86_400_000)
            (year, month, day) = CivilCalendar.date(days: days)
            hour = rem / 3_600_000; rem %= 3_600_000
            minute = rem / 60_000; rem %= 60_000
            second = rem / 1000
            milli = rem % 1000
            weekday = ((days % 7) + 11) % 7   // 1970-01-01 was a Thursday (4)
        }
    }

    static func startOfFirstWeek(_ y: Int, _ m0: Int) -> Double {
        let jan1 = utc(Double(y), Double(m0))
        var dow = DT(jan1).weekday
        if dow == 0 { dow = 7 }
        return dow > 4 ? jan1 + Double(8 - dow) * 86_400_000 : jan1 - Double(dow - 1) * 86_400_000
    }

    static func fragment(_ date: DT, _ c: Character) -> JV? {
        func weeks(_ s: Double, _ e: Double) -> Double { (e - s) / (86_400_000 * 7) + 1 }
        switch c {
        case "Y": return .number(Double(date.year))
        case "M": return .number(Double(date.month))
        case "D": return .number(Double(date.day))
        case "d":
            let today = utc(Double(date.year), Double(date.month - 1), Double(date.day))
            return .number((today - utc(Double(date.year), 0)) / 86_400_000 + 1)
        case "F": return .number(Double(date.weekday == 0 ? 7 : date.weekday))
        case "W":
            let s1 = startOfFirstWeek(date.year, 0)
            let today = utc(Double(date.year), Double(date.month - 1), Double(date.day))
            var week = weeks(s1, today)
            if week > 52 {
                if today >= startOfFirstWeek(date.year + 1, 0) { week = 1 }
            } else if week < 1 {
                week = weeks(startOfFirstWeek(date.year - 1, 0), today)
            }
            return .number(week.rounded(.down))
        case "w":
            let m0 = date.month - 1
            let s1 = startOfFirstWeek(date.year, m0)
            let today = utc(Double(date.year), Double(m0), Double(date.day))
            var week = weeks(s1, today)
            if week > 4 {
                let (ny, nm) = m0 == 11 ? (date.year + 1, 0) : (date.year, m0 + 1)
                if today >= startOfFirstWeek(ny, nm) { week = 1 }
            } else if week < 1 {
                let (py, pm) = m0 == 0 ? (date.year - 1, 11) : (date.year, m0 - 1)
                week = weeks(startOfFirstWeek(py, pm), today)
            }
            return .number(week.rounded(.down))
        case "X":
            let s = startOfFirstWeek(date.year, 0), e = startOfFirstWeek(date.year + 1, 0)
            return .number(Double(date.time < s ? date.year - 1 : date.time >= e ? date.year + 1 : date.year))
        case "x":
            let m0 = date.month - 1
            let s = startOfFirstWeek(date.year, m0)
            let (ny, nm) = m0 == 11 ? (date.year + 1, 0) : (date.year, m0 + 1)
            let e = startOfFirstWeek(ny, nm)
            if date.time < s { return .number(Double(m0 == 0 ? 12 : m0)) }
            if date.time >= e { return .number(Double(nm + 1)) }
            return .number(Double(m0 + 1))
        case "H": return .number(Double(date.hour))
        case "h": let h = date.hour % 12; return .number(Double(h == 0 ? 12 : h))
        case "P": return .string(date.hour >= 12 ? "pm" : "am")
        case "m": return .number(Double(date.minute))
        case "s": return .number(Double(date.second))
        case "f": return .number(Double(date.milli))
        case "C", "E": return .string("ISO")
        default: return nil
        }
    }

    static let isoSpec: [Part] = try! analyse("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

    static func fromMillis(_ ms: Double, picture: String?, timezone: String?) throws(JSONataError) -> String {
        var offH = 0, offM = 0
        if let tz = timezone {
            let digits = tz.prefix { $0 == "-" || $0 == "+" || $0.isNumber }
            let off = Int(digits) ?? 0
            offH = Int((Double(off) / 100).rounded(.down))
            offM = off % 100
        }
        let spec = try picture.map { (p: String) throws(JSONataError) in try analyse(p) } ?? isoSpec
        let date = DT(ms + Double((60 * offH + offM) * 60_000))
        var out = ""
        for part in spec {
            switch part {
            case .literal(let s): out += s
            case .marker(let m): out += try formatComponent(date, m, offH, offM)
            }
        }
        return out
    }

    static func formatComponent(_ date: DT, _ m: Marker, _ offH: Int, _ offM: Int) throws(JSONataError) -> String {
        let value = fragment(date, m.component)
        let c = m.component
        if "YMDdFWwXxHhms".contains(c) {
            var v = value?.num ?? 0
            if c == "Y" && m.n != -1 { v = v.truncatingRemainder(dividingBy: pow(10, Double(m.n))) }
            if let names = m.names {
                var s: String
                if c == "M" || c == "x" { s = months[Int(v) - 1] } else if c == "F" { s = days[Int(v)] } else {
                    throw jerr("D3133", nil, String(c))
                }
                if names == .upper { s = s.uppercased() } else if names == .lower { s = s.lowercased() }
                if let mx = m.widthMax, s.count > mx { s = String(s.prefix(mx)) }
                return s
            }
            return try m.integer!.format(v)
        }
        if c == "f" { return try m.integer!.format(value?.num ?? 0) }
        if c == "Z" || c == "z" {
            let offset = offH * 100 + offM
            let ip = m.integer!
            var s: String
            if ip.regular {
                s = try ip.format(Double(offset))
            } else {
                let nd = ip.mandatoryDigits
                if nd == 1 || nd == 2 {
                    s = try ip.format(Double(offH))
                    if offM != 0 { s += ":" + (try IntegerPicture("00").format(Double(offM))) }
                } else if nd == 3 || nd == 4 {
                    s = try ip.format(Double(offset))
                } else {
                    throw jerr("D3134")
                }
            }
            if offset >= 0 { s = "+" + s }
            if c == "z" { s = "GMT" + s }
            if offset == 0 && m.presentation2 == "t" { s = "Z" }
            return s
        }
        if c == "P" {
            let s = value?.str ?? ""
            return m.names == .upper ? s.uppercased() : s
        }
        if let s = value?.str { return s }
        return "undefined"  // what the reference's string concatenation yields for unknown components
    }
}
