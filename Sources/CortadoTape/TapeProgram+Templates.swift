import CortadoASL
import CortadoJSON
import CortadoPath

// Payload templates and intrinsic calls compiled for the lane: members and elements as
// spans of compiled templates, paths as values, the intrinsics the lane runs itself as
// their own templates and any other as the general code's call (`generalCall`).
extension TapeCompiler {
    /// An object template of compiled members (key, template), in order.
    mutating func objectTemplate(_ members: [(key: String, template: Int32)]) -> TTemplate {
        let span = Span(start: Int32(code.members.count), count: Int32(members.count))
        for m in members {
            let key = constant(.string(m.key))
            code.members.append(TMember(key: key, template: m.template, keySize: tape.nodes[Int(key)].size))
        }
        return .object(span)
    }

    /// An array template of compiled element templates.
    mutating func arrayTemplate(_ elements: [Int32]) -> TTemplate {
        let span = Span(start: Int32(code.items.count), count: Int32(elements.count))
        code.items.append(contentsOf: elements)
        return .array(span)
    }

    /// A template's index, or `none` when the field is absent.
    mutating func template(_ t: PayloadTemplate?, item: Bool) throws(Unsupported) -> Int32 {
        guard let t else { return none }
        return try template(t, item: item)
    }

    mutating func template(_ t: PayloadTemplate, item: Bool) throws(Unsupported) -> Int32 {
        let compiled: TTemplate
        switch t {
        case .literal(let j): compiled = .constant(constant(j))
        case .object(let ms):
            var kids: [(String, Int32)] = []
            for m in ms { kids.append((m.key, try template(m.value, item: item))) }
            compiled = objectTemplate(kids)
        case .array(let xs):
            var kids: [Int32] = []
            for x in xs { kids.append(try template(x, item: item)) }
            compiled = arrayTemplate(kids)
        case .path(let p, let field):
            compiled = .value(try value(p, item: item))
            code.templatePaths[Int32(code.templates.count)] = (p, field)
        case .intrinsic(let call, _): compiled = try intrinsic(call, item: item)
        }
        code.templates.append(compiled)
        return Int32(code.templates.count - 1)
    }

    mutating func intrinsic(_ call: IntrinsicCall, item: Bool) throws(Unsupported) -> TTemplate {
        // The lane runs a few calls natively; one that cannot run is the general code's to
        // fail, in its words.
        if call.arityError == nil {
            switch call.function {
            case .arrayLength:
                if case .path(let p) = call.arguments[0] { return .arrayLength(try value(p, item: item)) }
            case .format:
                let simple = call.arguments.dropFirst().allSatisfy { if case .call = $0 { return false } else { return true } }
                if let pieces = call.formatPieces, simple {
                    var args: [TValue] = []
                    for a in call.arguments.dropFirst() {
                        switch a {
                        case .path(let p): args.append(try value(p, item: item))
                        case .literal(let j): args.append(.constant(constant(j)))
                        case .call: break
                        }
                    }
                    var keys: [Int32] = []
                    for piece in pieces { keys.append(key(piece)) }
                    let pieceSpan = consecutive(keys)
                    let argSpan = Span(start: Int32(code.values.count), count: Int32(args.count))
                    code.values.append(contentsOf: args)
                    let plain = !pieces.contains { $0.utf8.contains(where: JSONWriter.needsEscape) }
                    // (A call that reads `$$` stays as it is: what it reads is the lane's.)
                    let general = TapeCompiler.readsContext(call) ? -1 : generalCall(call, context: TContextRead(kind: .none))
                    return .format(pieces: pieceSpan, args: argSpan, plain: plain, general: general)
                }
            case .jsonMerge:
                if case .literal(.bool(false)) = call.arguments[2],
                   let a = try mergeOperand(call.arguments[0], item: item), let b = try mergeOperand(call.arguments[1], item: item) {
                    return .jsonMerge(a, b)
                }
            default: break
            }
        }
        var context = TContextRead(kind: TapeCompiler.readsContext(call) ? .executionInput : .none)
        if TapeCompiler.readsContext(call, besidesExecutionInput: true) {
            guard let whole = wholeContext(item: item) else { throw Unsupported("\(call.function) reading $$") }
            context = whole
        }
        return .general(generalCall(call, context: context))
    }

    /// `call` as the general code runs it, in `TapeCode.calls`.
    mutating func generalCall(_ call: IntrinsicCall, context: TContextRead) -> Int32 {
        code.calls.append(call)
        code.callVariables.append(variables(in: call))
        code.callContext.append(context)
        return Int32(code.calls.count - 1)
    }

    /// A JsonMerge argument as a template: a path or a nested call (a literal is never an
    /// object, so the general engine words that error).
    mutating func mergeOperand(_ a: IntrinsicArgument, item: Bool) throws(Unsupported) -> Int32? {
        let compiled: TTemplate
        switch a {
        case .literal: return nil
        case .path(let p): compiled = .value(try value(p, item: item))
        case .call(let c): compiled = try intrinsic(c, item: item)
        }
        code.templates.append(compiled)
        return Int32(code.templates.count - 1)
    }

    /// Whether the call reads `$$` (`besidesExecutionInput`: other than `$$.Execution.Input`).
    static func readsContext(_ call: IntrinsicCall, besidesExecutionInput: Bool = false) -> Bool {
        call.arguments.contains { a in
            switch a {
            case .literal: return false
            case .path(let p): return p.isContextPath && !(besidesExecutionInput && readsExecutionInput(p))
            case .call(let c): return readsContext(c, besidesExecutionInput: besidesExecutionInput)
            }
        }
    }

    /// `$$.Execution.Input` and a path from it (names, indices, a wildcard).
    static func readsExecutionInput(_ p: JSONPath) -> Bool {
        guard p.isContextPath, p.variable == nil, let plain = p.plainSteps else { return false }
        return plain.count >= 2 && plain[0] == .name("Execution") && plain[1] == .name("Input")
    }
}
