/// Node kinds of the processed syntax tree.
enum NodeType {
    case path, binary, unary, name, string, number, value, wildcard, descendant, parent
    case condition, block, bind, regex, function, variable, lambda, partial, apply, transform, sort
    case placeholder   // the `?` argument of a partial application
    case op            // raw operator token (parser only)
    case end           // raw end token (parser only)
}

/// Binary operators, resolved from the token text at compile time.
enum BinOp: UInt8 {
    case none, add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, concat, range, `in`, and, or

    init(_ op: String) {
        switch op {
        case "+": self = .add
        case "-": self = .sub
        case "*": self = .mul
        case "/": self = .div
        case "%": self = .mod
        case "=": self = .eq
        case "!=": self = .ne
        case "<": self = .lt
        case "<=": self = .le
        case ">": self = .gt
        case ">=": self = .ge
        case "&": self = .concat
        case "..": self = .range
        case "in": self = .in
        case "and": self = .and
        case "or": self = .or
        default: self = .none
        }
    }
}

/// A parent-operator slot (`%`): resolved at compile time to a label bound in tuple streams.
final class Slot {
    var label: String
    var level: Int
    let index: Int
    init(label: String, level: Int, index: Int) { self.label = label; self.level = level; self.index = index }
}

enum Stage {
    case filter(Node, Int)
    case index(String)
}

struct SortTerm {
    var descending: Bool
    var expression: Node
}

struct GroupSpec {
    var pairs: [(Node, Node)]
    var position: Int
}

/// A node of the JSONata syntax tree. After `process`, the tree is immutable and shared
/// across threads by compiled expressions.
final class Node: @unchecked Sendable {
    var type: NodeType
    var position: Int
    var op: String = "" {             // binary/unary operator, raw op token text
        didSet { binop = BinOp(op) }
    }
    var binop: BinOp = .none
    var str: String = ""              // name / variable / string value
    var num: Double = 0
    var literal: JV = .null           // `value` nodes (true/false/null) and constants
    var lhs: Node?
    var rhs: Node?
    var expression: Node?             // unary operand
    var expressions: [Node] = []      // array constructor, block
    var pairs: [(Node, Node)] = []    // object constructor
    var terms: [SortTerm] = []        // order-by terms
    var steps: [Node] = []            // path
    var predicate: [Stage]?
    var stages: [Stage]?
    var group: GroupSpec?
    var keepArray = false
    var keepSingletonArray = false
    var consarray = false
    var tuple = false
    var focus: String?
    var index: String?
    var ancestor: Slot?
    var seekingParent: [Slot]?
    var slot: Slot?
    var condition: Node?
    var then: Node?
    var els: Node?
    var procedure: Node?
    var arguments: [Node] = []
    var params: [String] = []         // lambda parameter names
    var signature: Signature?
    var body: Node?
    var thunk = false
    var pattern: Node?                // transform
    var update: Node?
    var delete: Node?
    var regex: JRegex?
    /// A path of one plain field-name step (set after processing).
    var simpleName = false
    /// A path whose steps are plain field names (optionally after a leading variable), without
    /// predicates, bindings, grouping or sorting: evaluated without building tuple machinery.
    var plainPath = false

    init(_ type: NodeType, _ position: Int) { self.type = type; self.position = position }

    convenience init(token t: Token) {
        switch t.kind {
        case .name: self.init(.name, t.position); str = t.text
        case .variable: self.init(.variable, t.position); str = t.text
        case .op: self.init(.op, t.position); op = t.text
        case .string: self.init(.string, t.position); str = t.text; literal = .string(t.text)
        case .number: self.init(.number, t.position); num = t.number; literal = .number(t.number)
        case .value: self.init(.value, t.position); literal = t.literal
        case .regex: self.init(.regex, t.position); str = t.text; op = t.flags
        case .end: self.init(.end, t.position)
        }
    }

    /// Token id as the Pratt parser sees it.
    var id: String {
        switch type {
        case .op: return op
        case .name, .variable: return "(name)"
        case .string, .number, .value: return "(literal)"
        case .regex: return "(regex)"
        case .end: return "(end)"
        default: return ""
        }
    }
}
