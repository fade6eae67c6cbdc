import CortadoJSON
import CortadoRuntime

/// JSONata's built-in functions that Cortado provides, plus Step Functions' additions
/// (`$partition`, `$range`, `$parse`, `$uuid`, `$random`).
enum JSONataBuiltins {
    static let names: Set<String> = [
        "count", "sum", "max", "min", "average", "string", "number", "boolean", "not", "exists", "length",
        "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim", "contains", "join",
        "split", "keys", "lookup", "append", "reverse", "sort", "distinct", "map", "filter", "reduce", "merge",
        "abs", "floor", "ceil", "round", "power", "sqrt", "type", "zip", "partition", "range", "parse", "uuid",
        "random",
    ]

    static func call(_ name: String, _ args: [JSONataValue?], _ ev: inout JSONataEvaluator) throws(JSONataError) -> JSONataValue? {
        func arg(_ i: Int) -> JSON? { i < args.count ? args[i]?.json : nil }
        func items(_ i: Int) -> [JSON]? {
            guard i < args.count, let v = args[i] else { return nil }
            return JSONataEvaluator.items(v)
        }
        func numbers(_ i: Int) throws(JSONataError) -> [Double]? {
            guard let xs = items(i) else { return nil }
            var out: [Double] = []
            for x in xs {
                guard case .number(let n) = x else {
                    throw JSONataError("T0412", "Argument 1 of function \"\(name)\" must be an array of numbers")
                }
                out.append(n.double)
            }
            return out
        }
        func str(_ i: Int) throws(JSONataError) -> String? {
            guard let v = arg(i) else { return nil }
            guard case .string(let s) = v else {
                throw JSONataError("T0410", "Argument \(i + 1) of function \"\(name)\" does not match function signature")
            }
            return s
        }
        func num(_ i: Int) throws(JSONataError) -> Double? {
            guard let v = arg(i) else { return nil }
            guard case .number(let n) = v else {
                throw JSONataError("T0410", "Argument \(i + 1) of function \"\(name)\" does not match function signature")
            }
            return n.double
        }
        func function(_ i: Int) throws(JSONataError) -> JSONataFunction {
            guard i < args.count, case .function(let f)? = args[i] else {
                throw JSONataError("T0410", "Argument \(i + 1) of function \"\(name)\" does not match function signature")
            }
            return f
        }
        func json(_ j: JSON) -> JSONataValue { .json(j) }

        switch name {
        case "count": return json(JSON(items(0)?.count ?? 0))
        case "sum":
            guard let xs = try numbers(0) else { return nil }
            return json(try JSONataEvaluator.number(xs.reduce(0, +)))
        case "max", "min", "average":
            guard let xs = try numbers(0), !xs.isEmpty else { return nil }
            let v = name == "max" ? xs.max() ?? 0 : name == "min" ? xs.min() ?? 0 : xs.reduce(0, +) / Double(xs.count)
            return json(try JSONataEvaluator.number(v))
        case "string":
            guard let v = arg(0) else { return nil }
            return json(.string(JSONataEvaluator.string(v)))
        case "number":
            guard let v = arg(0) else { return nil }
            switch v {
            case .number: return json(v)
            case .bool(let b): return json(JSON(b ? 1 : 0))
            case .string(let s):
                guard let d = Double(s.trimmingSpaces()), (try? JSON.parse(s)) != nil else {
                    throw JSONataError("D3030", "Unable to cast value to a number: \"\(s)\"")
                }
                return json(try JSONataEvaluator.number(d))
            default: throw JSONataError("D3030", "Unable to cast value to a number: \(v.serialized)")
            }
        case "boolean":
            guard args.first ?? nil != nil else { return nil }
            return json(.bool(JSONataEvaluator.truthy(args[0])))
        case "not":
            guard args.first ?? nil != nil else { return nil }
            return json(.bool(!JSONataEvaluator.truthy(args[0])))
        case "exists": return json(.bool(args.first ?? nil != nil))
        case "length":
            guard let s = try str(0) else { return nil }
            return json(JSON(s.count))
        case "substring":
            guard let s = try str(0), let start = try num(1) else { return nil }
            let chars = Array(s)
            var a = JSONataEvaluator.clampedInt(start)
            if a < 0 { a = max(0, chars.count + a) }
            a = min(a, chars.count)
            var b = chars.count
            if let len = try num(2) { b = min(chars.count, a + max(0, min(JSONataEvaluator.clampedInt(len), chars.count))) }
            return json(.string(String(chars[a..<b])))
        case "substringBefore", "substringAfter":
            guard let s = try str(0), let sep = try str(1) else { return nil }
            guard let r = s.firstRange(of: sep) else { return json(.string(s)) }
            return json(.string(String(name == "substringBefore" ? s[..<r.lowerBound] : s[r.upperBound...])))
        case "uppercase": return try str(0).map { json(.string($0.uppercased())) }
        case "lowercase": return try str(0).map { json(.string($0.lowercased())) }
        case "trim":
            guard let s = try str(0) else { return nil }
            return json(.string(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")))
        case "contains":
            guard let s = try str(0), let t = try str(1) else { return nil }
            return json(.bool(t.isEmpty || s.firstRange(of: t) != nil))
        case "join":
            guard let xs = items(0) else { return nil }
            var parts: [String] = []
            for x in xs {
                guard case .string(let s) = x else { throw JSONataError("T0412", "Argument 1 of function \"join\" must be an array of strings") }
                parts.append(s)
            }
            return json(.string(parts.joined(separator: try str(1) ?? "")))
        case "split":
            guard let s = try str(0), let sep = try str(1) else { return nil }
            let parts: [String] = sep.isEmpty
                ? s.map { String($0) } : s.split(separator: sep, omittingEmptySubsequences: false).map(String.init)
            return json(.array(parts.map { .string($0) }))
        case "keys":
            guard let v = arg(0) else { return nil }
            var keys: [JSON] = []
            for o in (v.arrayValue ?? [v]) {
                for k in o.objectValue?.keys ?? [] where !keys.contains(.string(k)) { keys.append(.string(k)) }
            }
            return .sequence(keys)
        case "lookup":
            guard let v = arg(0), let k = try str(1) else { return nil }
            return JSONataEvaluator.lookup(v, k)
        case "append":
            guard let a = arg(0) else { return args.count > 1 ? args[1] : nil }
            guard let b = arg(1) else { return json(a) }
            return json(.array((a.arrayValue ?? [a]) + (b.arrayValue ?? [b])))
        case "reverse":
            guard let xs = items(0) else { return nil }
            return json(.array(xs.reversed()))
        case "distinct":
            guard let xs = items(0) else { return nil }
            var out: [JSON] = []
            for x in xs where !out.contains(x) { out.append(x) }
            return json(.array(out))
        case "sort":
            guard let xs = items(0) else { return nil }
            if args.count > 1 {
                let f = try function(1)
                // Insertion sort: user comparators may throw, which `sort(by:)` cannot.
                var out: [JSON] = []
                for x in xs {
                    var k = out.count
                    while k > 0, JSONataEvaluator.truthy(try ev.call(f, [.json(out[k - 1]), .json(x)], nil)) { k -= 1 }
                    out.insert(x, at: k)
                }
                return json(.array(out))
            }
            if xs.allSatisfy({ $0.numberValue != nil }) {
                return json(.array(xs.sorted { ($0.numberValue?.double ?? 0) < ($1.numberValue?.double ?? 0) }))
            }
            if xs.allSatisfy({ $0.stringValue != nil }) {
                return json(.array(xs.sorted { ($0.stringValue ?? "") < ($1.stringValue ?? "") }))
            }
            throw JSONataError("D3070", "The single argument form of the sort function can only be applied to an array of strings or an array of numbers")
        case "map", "filter":
            guard let xs = items(0) else { return nil }
            let f = try function(1)
            var out: [JSON] = []
            for (i, x) in xs.enumerated() {
                let callArgs = Array([JSONataValue.json(x), .json(JSON(i)), .json(.array(xs))].prefix(max(1, f.arity)))
                let r = try ev.call(f, callArgs, nil)
                if name == "map" {
                    if let j = r?.json { out.append(j) }
                } else if JSONataEvaluator.truthy(r) {
                    out.append(x)
                }
            }
            return .sequence(out)
        case "reduce":
            guard let xs = items(0) else { return nil }
            let f = try function(1)
            var acc: JSON?
            var rest = xs[...]
            if args.count > 2, let initial = arg(2) { acc = initial } else { acc = rest.popFirst() }
            for x in rest {
                acc = try ev.call(f, [acc.map { .json($0) }, .json(x)], nil)?.json
            }
            return acc.map { json($0) }
        case "merge":
            guard let xs = items(0) else { return nil }
            var o = JSONObject()
            for x in xs {
                guard case .object(let m) = x else { throw JSONataError("T0412", "Argument 1 of function \"merge\" must be an array of objects") }
                for (k, v) in m { o[k] = v }
            }
            return json(.object(o))
        case "abs", "floor", "ceil", "round", "sqrt":
            guard let x = try num(0) else { return nil }
            let v: Double
            switch name {
            case "abs": v = abs(x)
            case "floor": v = x.rounded(.down)
            case "ceil": v = x.rounded(.up)
            case "sqrt":
                guard x >= 0 else { throw JSONataError("D3060", "The sqrt function cannot be applied to a negative number: \(x)") }
                v = x.squareRoot()
            default:
                let places = max(-20, min(20, JSONataEvaluator.clampedInt(try num(1) ?? 0)))
                var scale = 1.0
                for _ in 0..<abs(places) { scale *= 10 }
                let scaled = places >= 0 ? x * scale : x / scale
                let r = scaled.rounded(.toNearestOrEven)
                v = places >= 0 ? r / scale : r * scale
            }
            return json(try JSONataEvaluator.number(v))
        case "power":
            guard let b = try num(0), let e = try num(1) else { return nil }
            var v = 1.0
            if e == e.rounded(), abs(e) < 1024 {
                for _ in 0..<Int(abs(e)) { v *= b }
                if e < 0 { v = 1 / v }
            } else {
                throw JSONataError("D3061", "The power function has resulted in a value that cannot be represented as a JSON number")
            }
            return json(try JSONataEvaluator.number(v))
        case "type":
            guard let v = args.first ?? nil else { return nil }
            if case .function = v { return json("function") }
            return json(.string(v.json?.typeName ?? "undefined"))
        case "zip":
            let lists = (0..<args.count).compactMap { items($0) }
            guard let n = lists.map(\.count).min() else { return json(.array([])) }
            return json(.array((0..<n).map { i in .array(lists.map { $0[i] }) }))
        case "partition":
            guard let xs = items(0), let size = try num(1) else { return nil }
            let n = JSONataEvaluator.clampedInt(size)
            guard n > 0 else { throw JSONataError("States.QueryEvaluationError", "The chunk size must be a positive integer") }
            return json(.array(stride(from: 0, to: xs.count, by: n).map { .array(Array(xs[$0..<min($0 + n, xs.count)])) }))
        case "range":
            guard let a = try num(0), let b = try num(1) else { return nil }
            let step = try num(2) ?? 1
            guard step != 0 else { throw JSONataError("States.QueryEvaluationError", "The step must not be zero") }
            var out: [JSON] = []
            var x = a
            while (step > 0 ? x <= b : x >= b) && out.count < 1000 {
                out.append(try JSONataEvaluator.number(x))
                x += step
            }
            return json(.array(out))
        case "parse":
            guard let s = try str(0) else { return nil }
            do { return json(try JSON.parse(s)) } catch {
                throw JSONataError("States.QueryEvaluationError", "The string could not be parsed as JSON: \(error)")
            }
        case "uuid":
            return json(.string(UUID4.random()))
        case "random":
            return json(.number(JSONNumber(Double.random(in: 0..<1))))
        default:
            throw JSONataError("T1006", "Attempted to invoke a non-function")
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
