/// A function signature such as `<s-n?:s>`, validated against supplied arguments.
final class Signature: @unchecked Sendable {
    enum Quant { case one, optional, plus }
    struct Param {
        var allowed: Set<UInt8> = []
        var type: String = ""
        var quant: Quant = .one
        var context = false
        var contextAllowed: Set<UInt8> = []
        var subtype: String?
        var isArray = false       // type "a" (precomputed: checked on every call)
        var subtypeSymbol: UInt8?
    }
    let definition: String
    var params: [Param] = []

    init(_ sig: String) throws(JSONataError) {
        definition = sig
        let s = Array(sig.utf8)
        var pos = 1
        var param = Param()
        func close(_ s: [UInt8], _ start: Int, _ open: UInt8, _ close: UInt8) -> Int {
            var depth = 1, p = start
            while p < s.count {
                p += 1
                if p >= s.count { break }
                if s[p] == close { depth -= 1; if depth == 0 { break } } else if s[p] == open { depth += 1 }
            }
            return p
        }
        let m = UInt8(ascii: "m")
        while pos < s.count {
            let c = s[pos]
            if c == UInt8(ascii: ":") { break }
            switch c {
            case UInt8(ascii: "s"), UInt8(ascii: "n"), UInt8(ascii: "b"), UInt8(ascii: "l"), UInt8(ascii: "o"):
                param.allowed = [c, m]; param.type = String(UnicodeScalar(c)); params.append(param); param = Param()
            case UInt8(ascii: "a"):
                param.allowed = Set("asnblfom".utf8); param.type = "a"; params.append(param); param = Param()
            case UInt8(ascii: "f"):
                param.allowed = [c]; param.type = "f"; params.append(param); param = Param()
            case UInt8(ascii: "j"):
                param.allowed = Set("asnblom".utf8); param.type = "j"; params.append(param); param = Param()
            case UInt8(ascii: "x"):
                param.allowed = Set("asnblfom".utf8); param.type = "x"; params.append(param); param = Param()
            case UInt8(ascii: "-"):
                if var p = params.popLast() {
                    p.context = true; p.contextAllowed = p.allowed; p.quant = .optional; params.append(p)
                }
            case UInt8(ascii: "?"):
                if var p = params.popLast() { p.quant = .optional; params.append(p) }
            case UInt8(ascii: "+"):
                if var p = params.popLast() { p.quant = .plus; params.append(p) }
            case UInt8(ascii: "("):
                let end = close(s, pos, UInt8(ascii: "("), UInt8(ascii: ")"))
                let choice = Array(s[(pos + 1)..<min(end, s.count)])
                if choice.contains(UInt8(ascii: "<")) { throw jerr("S0402", pos) }
                param.allowed = Set(choice + [m])
                param.type = "(" + String(decoding: choice, as: UTF8.self) + ")"
                pos = end
                params.append(param); param = Param()
            case UInt8(ascii: "<"):
                guard var p = params.last, p.type == "a" || p.type == "f" else {
                    throw jerr("S0401", pos)
                }
                let end = close(s, pos, UInt8(ascii: "<"), UInt8(ascii: ">"))
                p.subtype = String(decoding: s[(pos + 1)..<min(end, s.count)], as: UTF8.self)
                params[params.count - 1] = p
                pos = end
            default: break
            }
            pos += 1
        }
        for i in params.indices {
            params[i].isArray = params[i].type == "a"
            params[i].subtypeSymbol = params[i].subtype?.utf8.first
        }
    }

    /// Matches the supplied type symbols; returns the count each parameter consumed.
    private func match(_ syms: [UInt8]) -> [Int]? {
        var counts = [Int](repeating: 0, count: params.count)
        func go(_ pi: Int, _ si: Int) -> Bool {
            if pi == params.count { return si == syms.count }
            let p = params[pi]
            var maxN = 0
            while si + maxN < syms.count && p.allowed.contains(syms[si + maxN]) {
                maxN += 1
                if p.quant != .plus { break }
            }
            let minN = p.quant == .optional ? 0 : 1
            if maxN < minN { return false }
            var n = maxN
            while n >= minN {
                counts[pi] = n
                if go(pi + 1, si + n) { return true }
                n -= 1
            }
            return false
        }
        return go(0, 0) ? counts : nil
    }

    private func partialMatchLength(_ syms: [UInt8], upTo k: Int) -> Int? {
        let sub = Signature.copy(self, count: k)
        // longest prefix of syms matched by the first k params
        for len in stride(from: syms.count, through: 0, by: -1) {
            if sub.match(Array(syms[0..<len])) != nil { return len }
        }
        return nil
    }

    private static func copy(_ s: Signature, count: Int) -> Signature {
        let c = try! Signature("<>")
        c.params = Array(s.params.prefix(count))
        return c
    }

    func validate(_ args: [JV?], context: JV?) throws(JSONataError) -> [JV?] {
        // Fast path: arguments line up one per parameter, each of an accepted type with nothing
        // to wrap, and any parameters left over are optional (no context value to insert).
        if args.count <= params.count {
            var simple = true
            for i in 0..<args.count {
                let p = params[i]
                guard let a = args[i], p.quant != .plus, p.allowed.contains(a.sigSymbol) else { simple = false; break }
                if p.isArray {
                    guard case .array(let arr) = a else { simple = false; break }
                    if let t = p.subtypeSymbol, !arr.items.allSatisfy({ $0.sigSymbol == t }) { simple = false; break }
                }
            }
            if simple && args.count < params.count {
                for j in args.count..<params.count where params[j].quant != .optional || params[j].context { simple = false; break }
            }
            if simple {
                if args.count == params.count { return args }
                return args + [JV?](repeating: nil, count: params.count - args.count)
            }
        }
        let syms = args.map { $0?.sigSymbol ?? UInt8(ascii: "m") }
        guard let counts = match(syms) else {
            var goodTo = 0
            for k in 1...max(params.count, 1) where k <= params.count {
                guard let len = partialMatchLength(syms, upTo: k) else {
                    throw jerr("T0410", nil, "\(goodTo + 1)")
                }
                goodTo = len
            }
            throw jerr("T0410", nil, "\(goodTo + 1)")
        }
        var out: [JV?] = []
        out.reserveCapacity(args.count + 1)
        var argIndex = 0
        for (pi, p) in params.enumerated() {
            let n = counts[pi]
            if n == 0 {
                if p.context {
                    let ctype = context?.sigSymbol ?? UInt8(ascii: "m")
                    if p.contextAllowed.contains(ctype) { out.append(context) } else { throw jerr("T0411", nil, "\(argIndex + 1)") }
                } else {
                    out.append(argIndex < args.count ? args[argIndex] : nil)
                    argIndex += 1
                }
                continue
            }
            for k in 0..<n {
                let single = argIndex < syms.count ? syms[argIndex] : UInt8(ascii: "m")
                var arg = argIndex < args.count ? args[argIndex] : nil
                if p.type == "a" {
                    if single == UInt8(ascii: "m") {
                        arg = nil
                    } else {
                        var ok = true
                        if let sub = p.subtype {
                            if single != UInt8(ascii: "a") && String(UnicodeScalar(single)) != sub {
                                ok = false
                            } else if single == UInt8(ascii: "a"), let a = arg?.arr, let first = a.items.first {
                                let t = first.sigSymbol
                                if t != sub.utf8.first { ok = false } else { ok = a.items.allSatisfy { $0.sigSymbol == t } }
                            }
                        }
                        if !ok { throw jerr("T0412", nil, "\(argIndex + 1)") }
                        if single != UInt8(ascii: "a"), let v = arg { arg = .array(JArr([v])) }
                    }
                }
                _ = k
                out.append(arg)
                argIndex += 1
            }
        }
        return out
    }
}
