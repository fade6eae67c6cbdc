import Foundation

/// Object functions, type inspection, errors, $eval/$clone and URL encoding.
extension Builtins {
    static func keysOf(_ v: JV?) -> [String] {
        switch v {
        case .array(let a)?:
            var seen = Set<String>(), out: [String] = []
            for item in a.items { for k in keysOf(item) where seen.insert(k).inserted { out.append(k) } }
            return out
        case .object(let o)?: return o.keys
        default: return []
        }
    }

    static func spread(_ v: JV) -> JV? {
        switch v {
        case .array(let a):
            var result: JV? = .array(JArr.seq())
            for item in a.items {
                let sv = spread(item)
                // append semantics
                if let r = result, let s = sv {
                    let out = JArr()
                    if case .array(let x) = r { out.items = x.items } else { out.items = [r] }
                    if case .array(let y) = s { out.items.append(contentsOf: y.items) } else { out.items.append(s) }
                    result = .array(out)
                } else if result == nil { result = sv }
            }
            return result
        case .object(let o):
            let r = JArr.seq()
            for k in o.keys { let one = JObj(); one[k] = o[k]; r.items.append(.object(one)) }
            return .array(r)
        default: return v
        }
    }

    static func registerObject(_ r: inout [String: JFunc]) {
        r["keys"] = .native("keys", "<x-:a<s>>") { (_, a) throws(JSONataError) -> JV? in
            let ks = keysOf(arg(a, 0))
            return .array(JArr(ks.map { .string($0) }, sequence: true))
        }
        r["lookup"] = .native("lookup", "<x-s:x>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let k = argStr(a, 1) else { return nil }
            return ctx.ev.lookupField(arg(a, 0), k)
        }
        r["spread"] = .native("spread", "<x-:a<o>>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            if case .function = v { return v }
            return spread(v)
        }
        r["merge"] = .native("merge", "<a<o>:o>") { (_, a) throws(JSONataError) -> JV? in
            guard let arr = arg(a, 0)?.arr else { return nil }
            let out = JObj()
            for item in arr.items { if let o = item.obj { for k in o.keys { out[k] = o[k] } } }
            return .object(out)
        }
        r["each"] = .native("each", "<o-f:a>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let o = arg(a, 0)?.obj else { return nil }
            let f = arg(a, 1)
            let out = JArr.seq()
            for k in o.keys {
                if let v = try ctx.ev.apply(f, hofArgs(f, o[k], .string(k), .object(o)), nil, ctx.env) { out.items.append(v) }
            }
            return .array(out)
        }
        r["sift"] = .native("sift", "<o-f?:o>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let o = arg(a, 0)?.obj else { return nil }
            let f = arg(a, 1)
            let out = JObj()
            for k in o.keys {
                let v = try ctx.ev.apply(f, hofArgs(f, o[k], .string(k), .object(o)), nil, ctx.env)
                if ctx.ev.truthy(v) == true { out[k] = o[k] }
            }
            return out.count == 0 ? nil : .object(out)
        }
        r["type"] = .native("type", "<x:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            switch v {
            case .null: return .string("null")
            case .number: return .string("number")
            case .string: return .string("string")
            case .bool: return .string("boolean")
            case .array: return .string("array")
            case .function: return .string("function")
            case .object: return .string("object")
            }
        }
        r["error"] = .native("error", "<s?:x>") { (_, a) throws(JSONataError) -> JV? in
            let m = argStr(a, 0) ?? "$error() function evaluated"
            throw JSONataError(code: "D3137", message: m)
        }
        r["assert"] = .native("assert", "<bs?:x>") { (_, a) throws(JSONataError) -> JV? in
            if case .bool(true)? = arg(a, 0) { return nil }
            throw JSONataError(code: "D3141", message: argStr(a, 1) ?? "$assert() statement failed")
        }
        r["clone"] = .native("clone", "<(oa)-:o>") { (_, a) throws(JSONataError) -> JV? in
            guard let v = arg(a, 0) else { return nil }
            return try deepClone(v)
        }
        r["eval"] = .native("eval", "<sx?:x>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let src = argStr(a, 0) else { return nil }
            var input = ctx.input
            if a.count > 1, let focus = a[1] {
                input = focus
                if case .array(let arr) = focus, !arr.isSequence {
                    let w = JArr.seq(focus)
                    w.outerWrapper = true
                    input = .array(w)
                }
            }
            let ast: Node
            do throws(JSONataError) { ast = try Parser.parse(src) } catch { throw JSONataError(code: "D3120", message: error.message) }
            do throws(JSONataError) { return try ctx.ev.eval(ast, input, ctx.env) } catch {
                if error.code == "U1001" { throw error }
                throw JSONataError(code: "D3121", message: error.message)
            }
        }
    }

    // MARK: URL encoding (encodeURI / encodeURIComponent / decode…)

    static let uriUnreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()".unicodeScalars)
    static let uriReserved = Set(";/?:@&=+$,#".unicodeScalars)

    static func encodeURI(_ s: String, component: Bool, fn: String) throws(JSONataError) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if uriUnreserved.contains(u) || (!component && uriReserved.contains(u)) {
                out.unicodeScalars.append(u)
            } else {
                if u.value >= loneSurrogateBase { throw jerr("D3140", nil, fn) }
                for b in String(u).utf8 { out += "%" + String(format: "%02X", b) }
            }
        }
        return out
    }

    static func decodeURI(_ s: String, component: Bool, fn: String) throws(JSONataError) -> String {
        let u = Array(s.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%") {
                guard i + 2 < u.count, let b = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else {
                    throw jerr("D3140", nil, fn)
                }
                if !component && b < 0x80 && uriReserved.contains(Unicode.Scalar(b)) {
                    bytes.append(contentsOf: u[i...(i + 2)])
                } else {
                    bytes.append(b)
                }
                i += 3
            } else {
                bytes.append(u[i]); i += 1
            }
        }
        guard let r = String(validating: bytes, as: UTF8.self) else { throw jerr("D3140", nil, fn) }
        return r
    }

    static func registerURL(_ r: inout [String: JFunc]) {
        for (name, comp, enc) in [("encodeUrlComponent", true, true), ("encodeUrl", false, true),
                                  ("decodeUrlComponent", true, false), ("decodeUrl", false, false)] {
            r[name] = .native(name, "<s-:s>") { (_, a) throws(JSONataError) -> JV? in
                guard let s = argStr(a, 0) else { return nil }
                return .string(enc ? try encodeURI(s, component: comp, fn: name) : try decodeURI(s, component: comp, fn: name))
            }
        }
    }
}
