import Foundation

/// $now, $millis, $fromMillis, $toMillis.
extension Builtins {
    static func registerDateTime(_ r: inout [String: JFunc]) {
        r["now"] = .native("now", "<s?s?:s>") { (ctx, a) throws(JSONataError) -> JV? in
            .string(try DateTimeFormat.fromMillis(ctx.ev.timestamp, picture: argStr(a, 0), timezone: argStr(a, 1)))
        }
        r["millis"] = .native("millis", "<:n>") { (ctx, _) throws(JSONataError) -> JV? in .number(ctx.ev.timestamp) }
        r["fromMillis"] = .native("fromMillis", "<n-s?s?:s>") { (_, a) throws(JSONataError) -> JV? in
            guard let ms = argNum(a, 0) else { return nil }
            return .string(try DateTimeFormat.fromMillis(ms, picture: argStr(a, 1), timezone: argStr(a, 2)))
        }
        r["toMillis"] = .native("toMillis", "<s-s?:n>") { (ctx, a) throws(JSONataError) -> JV? in
            guard let s = argStr(a, 0) else { return nil }
            return try DateTimeFormat.toMillis(s, picture: argStr(a, 1), now: ctx.ev.timestamp).map { .number($0) }
        }
    }
}
