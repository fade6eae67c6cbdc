import CortadoAWSModels
import CortadoHTTP
import CortadoJSON

/// The query, REST-JSON and REST-XML protocols of the aws-sdk integrations, driven by the
/// generated models' bindings: where each member travels (URI, query string, header, body),
/// how lists and maps are written, and how a response is read back into the output shape.
/// (The JSON 1.0/1.1 protocol is a POST of the renamed Parameters: AWSSDKIntegration.)
extension AWSModels.Service {
    /// An HTTP request for `op` from Parameters already renamed to the model's members.
    struct WireRequest {
        var method = "POST"
        var path = "/"
        var query: [(name: String, value: String)] = []
        var headers: [(name: String, value: String)] = []
        var body: [UInt8] = []
    }

    func wireRequest(_ op: String, _ input: JSON) -> WireRequest {
        let (inputShape, _) = operations[op] ?? ("", "")
        let (method, uri, _) = http[op] ?? ("POST", "/", "")
        var r = WireRequest(method: method)
        if wireProtocol == "query" {
            var fields: [(String, String)] = [("Action", op), ("Version", apiVersion)]
            queryFields(input, inputShape, prefix: "", into: &fields)
            r.body = Array(fields.map { SigV4.encode($0.0) + "=" + SigV4.encode($0.1) }.joined(separator: "&").utf8)
            r.headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
            return r
        }
        let parts = uri.split(separator: "?", maxSplits: 1)
        var path = String(parts.first ?? "/")
        if parts.count > 1 {
            for q in parts[1].split(separator: "&") {
                let kv = q.split(separator: "=", maxSplits: 1)
                r.query.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
            }
        }
        let b = bindings[inputShape] ?? JSONObject()
        let locations = b["loc"]?.objectValue ?? JSONObject()
        var bodyMembers = JSONObject()
        for (member, value) in input.objectValue ?? JSONObject() {
            guard case .array(let loc)? = locations[member], loc.count == 2,
                  let kind = loc[0].stringValue, let name = loc[1].stringValue else {
                bodyMembers[member] = value
                continue
            }
            switch kind {
            case "uri":
                path = path.replacingOccurrences("{\(name)+}", SigV4.encode(Self.text(value), keepSlash: true))
                path = path.replacingOccurrences("{\(name)}", SigV4.encode(Self.text(value)))
            case "querystring":
                switch value {
                case .array(let items): for x in items { r.query.append((name, Self.text(x))) }
                case .object(let o): for (k, v) in o { r.query.append((k, Self.text(v))) }
                default: r.query.append((name, Self.text(value)))
                }
            case "header": r.headers.append((name, Self.text(value)))
            case "headers": for (k, v) in value.objectValue ?? JSONObject() { r.headers.append((name + k, Self.text(v))) }
            default: break
            }
        }
        r.path = path
        let members = b["s"]?.objectValue ?? JSONObject()
        if let payload = b["p"]?.stringValue {
            guard let value = bodyMembers[payload] else { return r }
            let target = members[payload]?.stringValue ?? "s"
            if target == "B" || target == "s" {
                r.body = Array(Self.text(value).utf8)
            } else if wireProtocol == "rest-xml" {
                r.body = Array(xml(value, target, element: (b["xn"]?[payload]?.stringValue ?? payload), namespace: bindings[target]?["ns"]?.stringValue).utf8)
            } else {
                r.body = value.serializedBytes
            }
        } else if !bodyMembers.isEmpty {
            if wireProtocol == "rest-xml" {
                r.body = Array(xml(.object(bodyMembers), inputShape, element: b["root"]?.stringValue ?? inputShape,
                                   namespace: b["ns"]?.stringValue).utf8)
            } else {
                r.body = JSON.object(bodyMembers).serializedBytes
                r.headers.append(("Content-Type", "application/json"))
            }
        }
        return r
    }

    /// A scalar as it travels in a URI, query string or header.
    static func text(_ v: JSON) -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.literal
        case .null: return ""
        default: return v.serialized
        }
    }

    /// The query protocol's fields: `A.B`, lists as `A.member.N` (flattened: `A.N`), maps as
    /// `A.entry.N.key` / `A.entry.N.value`.
    func queryFields(_ v: JSON, _ shape: String, prefix: String, into out: inout [(String, String)], flat: Bool = false) {
        let b = bindings[shape]
        switch v {
        case .object(let o) where b?["s"] != nil:
            let members = b?["s"]?.objectValue ?? JSONObject()
            let flattened = Set((b?["fl"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (m, x) in o {
                let name = b?["xn"]?[m]?.stringValue ?? m
                queryFields(x, members[m]?.stringValue ?? "s", prefix: prefix.isEmpty ? name : prefix + "." + name, into: &out,
                            flat: flattened.contains(m))
            }
        case .array(let items) where b?["l"] != nil:
            let item = b?["l"]?.stringValue ?? "s"
            let isFlat = flat || b?["flat"] == .bool(true)
            let member = b?["mn"]?.stringValue ?? "member"
            if items.isEmpty { out.append((prefix, "")) }
            for (i, x) in items.enumerated() {
                queryFields(x, item, prefix: isFlat ? "\(prefix).\(i + 1)" : "\(prefix).\(member).\(i + 1)", into: &out)
            }
        case .object(let o) where b?["m"] != nil:
            let value = b?["m"]?.stringValue ?? "s"
            let isFlat = flat || b?["flat"] == .bool(true)
            let k = b?["kn"]?.stringValue ?? "key", vn = b?["vn"]?.stringValue ?? "value"
            for (i, m) in o.members.enumerated() {
                let entry = isFlat ? "\(prefix).\(i + 1)" : "\(prefix).entry.\(i + 1)"
                out.append(("\(entry).\(k)", m.key))
                queryFields(m.value, value, prefix: "\(entry).\(vn)", into: &out)
            }
        default:
            out.append((prefix, Self.text(v)))
        }
    }

    /// A value as an XML element (REST-XML request bodies).
    func xml(_ v: JSON, _ shape: String, element: String, namespace: String? = nil, flat: Bool = false) -> String {
        let open = namespace.map { "<\(element) xmlns=\"\($0)\">" } ?? "<\(element)>"
        let b = bindings[shape]
        switch v {
        case .object(let o) where b?["s"] != nil:
            let members = b?["s"]?.objectValue ?? JSONObject()
            let flattened = Set((b?["fl"]?.arrayValue ?? []).compactMap(\.stringValue))
            var inner = ""
            for (m, x) in o {
                inner += xml(x, members[m]?.stringValue ?? "s", element: b?["xn"]?[m]?.stringValue ?? m, flat: flattened.contains(m))
            }
            return open + inner + "</\(element)>"
        case .array(let items) where b?["l"] != nil:
            let item = b?["l"]?.stringValue ?? "s"
            if flat || b?["flat"] == .bool(true) { return items.map { xml($0, item, element: element) }.joined() }
            let member = b?["mn"]?.stringValue ?? "member"
            return open + items.map { xml($0, item, element: member) }.joined() + "</\(element)>"
        case .object(let o) where b?["m"] != nil:
            let value = b?["m"]?.stringValue ?? "s"
            let k = b?["kn"]?.stringValue ?? "key", vn = b?["vn"]?.stringValue ?? "value"
            let entries = o.members.map { "<entry><\(k)>\(XMLElement.escape($0.key))</\(k)>" + xml($0.value, value, element: vn) + "</entry>" }
            return open + entries.joined() + "</\(element)>"
        default:
            return open + XMLElement.escape(Self.text(v)) + "</\(element)>"
        }
    }

    // MARK: - Responses

    /// A successful response as the output shape: header and status-code members, then the
    /// payload member or the body's members.
    func wireResponse(_ op: String, _ reply: HTTPReply) -> JSON {
        let (_, outputShape) = operations[op] ?? ("", "")
        if wireProtocol == "query" {
            guard let root = XMLElement.parse(reply.body) else { return .object(JSONObject()) }
            let wrapper = http[op]?.resultWrapper ?? ""
            let result = wrapper.isEmpty ? root : (root.child(wrapper) ?? XMLElement(name: wrapper))
            return fromXML(result, outputShape)
        }
        let b = bindings[outputShape] ?? JSONObject()
        let members = b["s"]?.objectValue ?? JSONObject()
        var out = JSONObject()
        for (member, loc) in b["loc"]?.objectValue ?? JSONObject() {
            guard case .array(let l) = loc, l.count == 2, let kind = l[0].stringValue, let name = l[1].stringValue else { continue }
            let target = members[member]?.stringValue ?? "s"
            switch kind {
            case "header":
                if let h = reply.headers.first(where: { $0.name.lowercased() == name.lowercased() }) { out[member] = scalar(h.value, target) }
            case "headers":
                var meta = JSONObject()
                for h in reply.headers where h.name.lowercased().hasPrefix(name.lowercased()) {
                    meta[String(h.name.dropFirst(name.count))] = .string(h.value)
                }
                if !meta.isEmpty { out[member] = .object(meta) }
            case "statusCode": out[member] = .number(JSONNumber(reply.status))
            default: break
            }
        }
        if let payload = b["p"]?.stringValue {
            let target = members[payload]?.stringValue ?? "s"
            if target == "B" || target == "s" {
                out[payload] = .string(String(decoding: reply.body, as: UTF8.self))
            } else if !reply.body.isEmpty {
                out[payload] = wireProtocol == "rest-xml" ? XMLElement.parse(reply.body).map { fromXML($0, target) } ?? .null
                    : response((try? JSON.parse(reply.body)) ?? .null, shape: target)
            }
            return .object(out)
        }
        guard !reply.body.isEmpty else { return .object(out) }
        let body: JSON
        if wireProtocol == "rest-xml" {
            body = XMLElement.parse(reply.body).map { fromXML($0, outputShape) } ?? .object(JSONObject())
        } else {
            body = response((try? JSON.parse(reply.body)) ?? .object(JSONObject()), shape: outputShape)
        }
        for (k, v) in body.objectValue ?? JSONObject() { out[k] = v }
        return .object(out)
    }

    /// An XML element read as `shape`: structures by member (XML) names, lists (flattened or
    /// in `member` elements), maps (`entry`/`key`/`value`), scalars by their type.
    func fromXML(_ e: XMLElement, _ shape: String, depth: Int = 0) -> JSON {
        guard depth < 100, let b = bindings[shape] else { return scalar(e.text, shape) }
        if let members = b["s"]?.objectValue {
            let located = b["loc"]?.objectValue ?? JSONObject()
            let flattened = Set((b["fl"]?.arrayValue ?? []).compactMap(\.stringValue))
            var out = JSONObject()
            for (m, t) in members where located[m] == nil {
                let target = t.stringValue ?? "s"
                let name = b["xn"]?[m]?.stringValue ?? m
                let tb = bindings[target]
                if tb?["l"] != nil || tb?["m"] != nil, flattened.contains(m) || tb?["flat"] == .bool(true) {
                    let items = e.all(name)
                    if !items.isEmpty { out[m] = collection(items, target, depth: depth) }
                } else if let c = e.child(name) {
                    out[m] = fromXML(c, target, depth: depth + 1)
                }
            }
            return .object(out)
        }
        if b["l"] != nil {
            return collection(e.all(b["mn"]?.stringValue ?? "member"), shape, depth: depth)
        }
        if b["m"] != nil {
            return collection(e.all("entry"), shape, depth: depth)
        }
        return scalar(e.text, shape)
    }

    /// List items, or map entries, read as the list's or map's shape.
    private func collection(_ elements: [XMLElement], _ shape: String, depth: Int) -> JSON {
        let b = bindings[shape]
        if let item = b?["l"]?.stringValue { return .array(elements.map { fromXML($0, item, depth: depth + 1) }) }
        let value = b?["m"]?.stringValue ?? "s"
        let k = b?["kn"]?.stringValue ?? "key", vn = b?["vn"]?.stringValue ?? "value"
        var o = JSONObject()
        for entry in elements {
            guard let key = entry.child(k)?.text else { continue }
            o[key] = entry.child(vn).map { fromXML($0, value, depth: depth + 1) } ?? .null
        }
        return .object(o)
    }

    /// A scalar's text as its JSON type (numbers and booleans typed, the rest strings).
    func scalar(_ text: String, _ code: String) -> JSON {
        switch code {
        case "i", "d":
            if let i = Int(text) { return .number(JSONNumber(i)) }
            if let d = Double(text), d.isFinite { return .number(JSONNumber(literal: text)) }
            return .string(text)
        case "b": return .bool(text == "true")
        default: return .string(text)
        }
    }

    // MARK: - Errors

    /// The error code, message, request id and (S3) extended request id of a failed response,
    /// in any of the four protocols.
    func wireError(_ reply: HTTPReply) -> (code: String, message: String, requestId: String, extended: String?) {
        func header(_ n: String) -> String? { reply.headers.first { $0.name.lowercased() == n }?.value }
        if wireProtocol == "json" || wireProtocol == "rest-json" {
            let body = (try? JSON.parse(reply.body)) ?? .object(JSONObject())
            var (code, message) = AWSServiceClient.jsonError(body, defaultCode: "")
            if wireProtocol == "rest-json" {
                // REST-JSON names the error in a header first (`Code:http://...`), or as `code`/`Type`.
                if let h = header("x-amzn-errortype"), !h.isEmpty { code = String(h.split(separator: ":").first ?? "") }
                if code.isEmpty { code = (body["code"] ?? body["Type"])?.stringValue.map { String($0.split(separator: "#").last ?? "") } ?? "" }
            }
            return (code, message, header("x-amzn-requestid") ?? "", nil)
        }
        let root = XMLElement.parse(reply.body)
        let error = root?.name == "Error" ? root : root?.child("Error")
        let code = error?.child("Code")?.text ?? ""
        let message = error?.child("Message")?.text ?? "Service error"
        let rid = root?.child("RequestId")?.text ?? error?.child("RequestId")?.text ?? header("x-amz-request-id") ?? header("x-amzn-requestid") ?? ""
        let extended = wireProtocol == "rest-xml" ? (error?.child("HostId")?.text ?? header("x-amz-id-2") ?? "") : nil
        return (code, message, rid, extended)
    }
}
