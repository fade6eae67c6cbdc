import Foundation

/// $formatNumber (XPath `format-number`), $formatInteger, $parseInteger.
extension Builtins {
    static func registerFormat(_ r: inout [String: JFunc]) {
        r["formatInteger"] = .native("formatInteger", "<n-s:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = argNum(a, 0) else { return nil }
            let pic = try IntegerPicture(argStr(a, 1) ?? "")
            return .string(try pic.format(v.rounded(.down)))
        }
        r["parseInteger"] = .native("parseInteger", "<s-s:n>") { (_, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            let pic = try IntegerPicture(argStr(a, 1) ?? "")
            return try pic.matcher().parse(s).map { .number($0) }
        }
        r["formatNumber"] = .native("formatNumber", "<n-so?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = argNum(a, 0) else { return nil }
            return .string(try NumberPicture.format(v, argStr(a, 1) ?? "", options: arg(a, 2)?.obj))
        }
    }
}

enum NumberPicture {
    struct Parts {
        var prefix: [Character], suffix: [Character], active: [Character], mantissa: [Character]
        var exponent: [Character]?
        var integer: [Character], fractional: [Character], sub: [Character]
    }
    struct Vars {
        var intGrouping: [Int], regular: Int, minInt: Int, scaling: Int, prefix: String
        var fracGrouping: [Int], minFrac: Int, maxFrac: Int, minExp: Int, suffix: String, picture: [Character]
    }

    static func format(_ value: Double, _ picture: String, options: JObj?) throws(JSONataError) -> String {
        var props: [String: String] = ["decimal-separator": ".", "grouping-separator": ",", "exponent-separator": "e",
                                       "infinity": "Infinity", "minus-sign": "-", "NaN": "NaN", "percent": "%", "per-mille": "\u{2030}",
                                       "zero-digit": "0", "digit": "#", "pattern-separator": ";"]
        if let options { for k in options.keys { if let s = options[k]?.str { props[k] = s } } }
        func ch(_ k: String) -> Character { props[k]!.first ?? " " }
        let decSep = ch("decimal-separator"), grpSep = ch("grouping-separator"), expSep = ch("exponent-separator")
        let percent = ch("percent"), permille = ch("per-mille"), zero = ch("zero-digit"), digit = ch("digit"), patSep = ch("pattern-separator")
        let minus = props["minus-sign"]!
        let zeroCode = zero.unicodeScalars.first!.value
        let family: [Character] = (0..<10).map { Character(Unicode.Scalar(zeroCode + UInt32($0))!) }
        let active = Set(family + [decSep, expSep, grpSep, digit, patSep])
        func isDigitChar(_ c: Character) -> Bool { family.contains(c) }

        let subs = Array(picture).split(separator: patSep, omittingEmptySubsequences: false).map(Array.init)
        if subs.count > 2 { throw jerr("D3080") }

        func split(_ sp: [Character]) -> Parts {
            let pi = sp.firstIndex { active.contains($0) && $0 != expSep } ?? sp.count
            let prefix = Array(sp[..<pi])
            let si = sp.lastIndex { active.contains($0) && $0 != expSep }.map { $0 + 1 } ?? sp.count
            let suffix = Array(sp[max(si, pi)...])
            let activePart = Array(sp[prefix.count..<(sp.count - suffix.count)])
            var mantissa = activePart
            var exponent: [Character]?
            if let ep = sp[prefix.count...].firstIndex(of: expSep), ep <= sp.count - suffix.count {
                let rel = ep  // the reference indexes the active part with the picture offset
                mantissa = Array(activePart[..<min(rel, activePart.count)])
                exponent = rel + 1 <= activePart.count ? Array(activePart[(rel + 1)...]) : []
            }
            var integer = mantissa, fractional = suffix
            if let dp = mantissa.firstIndex(of: decSep) {
                integer = Array(mantissa[..<dp])
                fractional = Array(mantissa[(dp + 1)...])
            }
            return Parts(prefix: prefix, suffix: suffix, active: activePart, mantissa: mantissa, exponent: exponent,
                         integer: integer, fractional: fractional, sub: sp)
        }

        func validate(_ p: Parts) throws(JSONataError) {
            var error: String?
            let sp = p.sub
            let decPos = sp.firstIndex(of: decSep)
            if decPos != sp.lastIndex(of: decSep) { error = "D3081" }
            if sp.firstIndex(of: percent) != sp.lastIndex(of: percent) { error = "D3082" }
            if sp.firstIndex(of: permille) != sp.lastIndex(of: permille) { error = "D3083" }
            if sp.contains(percent) && sp.contains(permille) { error = "D3084" }
            if !p.mantissa.contains(where: { isDigitChar($0) || $0 == digit }) { error = "D3085" }
            if p.active.contains(where: { !active.contains($0) }) { error = "D3086" }
            if let d = decPos {
                if (d > 0 && sp[d - 1] == grpSep) || (d + 1 < sp.count && sp[d + 1] == grpSep) { error = "D3087" }
            } else if p.integer.last == grpSep {
                error = "D3088"
            }
            for i in 0..<max(0, sp.count - 1) where sp[i] == grpSep && sp[i + 1] == grpSep { error = "D3089" }
            if let od = p.integer.firstIndex(of: digit), p.integer[..<od].contains(where: isDigitChar) { error = "D3090" }
            if let od = p.fractional.lastIndex(of: digit), p.fractional[od...].contains(where: isDigitChar) { error = "D3091" }
            if let e = p.exponent {
                if !e.isEmpty && (sp.contains(percent) || sp.contains(permille)) { error = "D3092" }
                if e.isEmpty || e.contains(where: { !isDigitChar($0) }) { error = "D3093" }
            }
            if let error { throw jerr(error) }
        }

        func analyse(_ p: Parts) -> Vars {
            func groupingPositions(_ part: [Character], toLeft: Bool) -> [Int] {
                var positions: [Int] = []
                var gp = part.firstIndex(of: grpSep)
                while let g = gp {
                    let seg = toLeft ? Array(part[..<g]) : Array(part[g...])
                    positions.append(seg.filter { isDigitChar($0) || $0 == digit }.count)
                    gp = g + 1 < p.integer.count ? p.integer[(g + 1)...].firstIndex(of: grpSep) : nil
                }
                return positions
            }
            let ig = groupingPositions(p.integer, toLeft: false)
            func regular(_ idx: [Int]) -> Int {
                guard let f0 = idx.first else { return 0 }
                func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
                let factor = idx.dropFirst().reduce(f0, gcd)
                for i in 1...idx.count where !idx.contains(i * factor) { return 0 }
                return factor
            }
            let fg = groupingPositions(p.fractional, toLeft: true)
            var minInt = p.integer.filter(isDigitChar).count
            let scaling = minInt
            var minFrac = p.fractional.filter(isDigitChar).count
            var maxFrac = p.fractional.filter { isDigitChar($0) || $0 == digit }.count
            let expPresent = p.exponent != nil
            if minInt == 0 && maxFrac == 0 {
                if expPresent { minFrac = 1; maxFrac = 1 } else { minInt = 1 }
            }
            if expPresent && minInt == 0 && p.integer.contains(digit) { minInt = 1 }
            if minInt == 0 && minFrac == 0 { minFrac = 1 }
            let minExp = p.exponent?.filter(isDigitChar).count ?? 0
            return Vars(intGrouping: ig, regular: regular(ig), minInt: minInt, scaling: scaling, prefix: String(p.prefix),
                        fracGrouping: fg, minFrac: minFrac, maxFrac: maxFrac, minExp: minExp, suffix: String(p.suffix), picture: p.sub)
        }

        let parts = subs.map(split)
        for p in parts { try validate(p) }
        var vars = parts.map(analyse)
        if vars.count == 1 {
            var neg = vars[0]
            neg.prefix = minus + neg.prefix
            vars.append(neg)
        }
        let pic = value >= 0 ? vars[0] : vars[1]
        var adjusted = value
        if pic.picture.contains(percent) { adjusted = value * 100 } else if pic.picture.contains(permille) { adjusted = value * 1000 }
        var mantissa = adjusted
        var exponent: Int?
        if pic.minExp != 0 {
            let maxM = pow(10, Double(pic.scaling)), minM = pow(10, Double(pic.scaling - 1))
            var e = 0
            while mantissa < minM { mantissa *= 10; e -= 1 }
            while mantissa > maxM { mantissa /= 10; e += 1 }
            exponent = e
        }
        let rounded = Builtins.roundHalfEven(mantissa, Double(pic.maxFrac))
        func makeString(_ v: Double, _ dp: Int) -> [Character] {
            let s = String(format: "%.\(dp)f", abs(v))
            return s.map { c in
                if let d = c.wholeNumberValue, c.isASCII { return family[d] }
                return c
            }
        }
        var sv = makeString(rounded, pic.maxFrac)
        if let dp = sv.firstIndex(of: ".") { sv[dp] = decSep } else { sv.append(decSep) }
        while sv.first == zero { sv.removeFirst() }
        while sv.last == zero { sv.removeLast() }
        var decPos = sv.firstIndex(of: decSep)!
        let padLeft = pic.minInt - decPos
        let padRight = pic.minFrac - (sv.count - decPos - 1)
        if padLeft > 0 { sv = Array(repeating: zero, count: padLeft) + sv }
        if padRight > 0 { sv += Array(repeating: zero, count: padRight) }
        decPos = sv.firstIndex(of: decSep)!
        if pic.regular > 0 {
            let groups = (decPos - 1) / pic.regular
            if groups >= 1 {
                for g in 1...groups { sv.insert(grpSep, at: decPos - g * pic.regular) }
            }
        } else {
            for pos in pic.intGrouping {
                let at = decPos - pos
                if at >= 0 && at <= sv.count { sv.insert(grpSep, at: at) }
                decPos += 1
            }
        }
        decPos = sv.firstIndex(of: decSep)!
        for pos in pic.fracGrouping {
            let at = pos + decPos + 1
            if at <= sv.count { sv.insert(grpSep, at: at) }
        }
        decPos = sv.firstIndex(of: decSep)!
        if !pic.picture.contains(decSep) || decPos == sv.count - 1 { sv.removeLast() }
        var result = String(sv)
        if let e = exponent {
            var se = makeString(Double(e), 0)
            let pl = pic.minExp - se.count
            if pl > 0 { se = Array(repeating: zero, count: pl) + se }
            result += String(expSep) + (e < 0 ? minus : "") + String(se)
        }
        return pic.prefix + result + pic.suffix
    }
}
