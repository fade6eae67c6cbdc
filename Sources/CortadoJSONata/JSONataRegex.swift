import Foundation

/// A compiled regular expression literal (`/pattern/flags`), backed by NSRegularExpression.
/// Offsets are UTF-16 based, as in JavaScript.
final class JRegex: @unchecked Sendable {
    let source: String
    let re: NSRegularExpression

    init(pattern: String, flags: String, position: Int) throws(JSONataError) {
        source = pattern
        var opts: NSRegularExpression.Options = []
        if flags.contains("i") { opts.insert(.caseInsensitive) }
        if flags.contains("m") { opts.insert(.anchorsMatchLines) }
        // JavaScript-only class forms: [] never matches, [^] matches anything.
        let icu = pattern.replacingOccurrences(of: "[^]", with: "[\\s\\S]").replacingOccurrences(of: "[]", with: "[^\\s\\S]")
        do {
            re = try NSRegularExpression(pattern: icu, options: opts)
        } catch {
            throw jerr("S0301", position)
        }
    }

    struct Match {
        var match: String
        var start: Int   // UTF-16 offsets
        var end: Int
        var groups: [String]
    }

    /// First match at or after UTF-16 offset `from`.
    func exec(_ s: NSString, from: Int) -> Match? {
        guard from <= s.length else { return nil }
        guard let m = re.firstMatch(in: s as String, options: [], range: NSRange(location: from, length: s.length - from)) else { return nil }
        var groups: [String] = []
        if m.numberOfRanges > 1 {
            for i in 1..<m.numberOfRanges {
                let r = m.range(at: i)
                groups.append(r.location == NSNotFound ? "" : s.substring(with: r))
            }
        }
        return Match(match: s.substring(with: m.range), start: m.range.location, end: m.range.location + m.range.length, groups: groups)
    }

    /// All successive matches, as the reference's `next()` chain yields them; a zero-length
    /// match after the first is error D1004.
    func allMatches(_ str: String, limit: Int? = nil) throws(JSONataError) -> [Match] {
        let s = str as NSString
        var out: [Match] = []
        guard var m = exec(s, from: 0) else { return out }
        while true {
            if let limit, out.count >= limit { break }
            out.append(m)
            let last = m.end
            if last >= s.length { break }
            guard let n = exec(s, from: last) else { break }
            if n.match.isEmpty { throw jerr("D1004") }
            m = n
        }
        return out
    }
}

extension Evaluator {
    func regexMatchObject(_ re: JRegex, _ s: String, from: Int) throws(JSONataError) -> JV? {
        guard let m = re.exec(s as NSString, from: from) else { return nil }
        let o = JObj()
        o["match"] = .string(m.match)
        o["start"] = .number(Double(m.start))
        o["end"] = .number(Double(m.end))
        o["groups"] = .array(JArr(m.groups.map { .string($0) }))
        return .object(o)
    }
}

extension Evaluator {
    /// Successive matches of a regex literal or of a custom matcher function (which returns
    /// `{match, start, end, groups, next}` objects, as the reference's regex closures do).
    func matches(_ f: JFunc, _ str: String, limit: Int?, env: Frame) throws(JSONataError) -> [JRegex.Match] {
        if let re = f.regex { return try re.allMatches(str, limit: limit) }
        func convert(_ v: JV?) throws(JSONataError) -> (JRegex.Match, JV?)? {
            guard let v else { return nil }
            guard case .object(let o) = v else { throw jerr("T1010") }
            let ok = o["start"]?.isNumber == true || o["end"]?.isNumber == true || o["groups"]?.isArray == true
                || o["next"]?.isFunction == true
            if !ok { throw jerr("T1010") }
            let groups = o["groups"]?.arr?.items.map { $0.str ?? "" } ?? []
            let m = JRegex.Match(match: o["match"]?.str ?? "", start: Int(o["start"]?.num ?? 0), end: Int(o["end"]?.num ?? 0), groups: groups)
            return (m, o["next"])
        }
        var out: [JRegex.Match] = []
        var cur = try convert(try apply(.function(f), [.string(str)], nil, env))
        while let (m, next) = cur {
            if let limit, out.count >= limit { break }
            out.append(m)
            guard let next else { break }
            cur = try convert(try apply(next, [], nil, env))
        }
        return out
    }
}
