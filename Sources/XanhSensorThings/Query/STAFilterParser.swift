import XanhCore
import XanhStore
import XanhSQL
/// Recursive-descent parser for `$filter` and `$orderby`.
public struct STAFilterParser {
    enum Token: Equatable {
        case ident(String)
        case string(String)
        case number(String)
        case time(Double)
        case interval(Double, Double)
        case typed(String, String)  // geography'…', duration'…'
        case open, close, comma
        case end
    }

    var tokens: [Token]
    var pos = 0
    let source: String
    /// Nesting reached so far and operators seen: a filter is bounded in both, so that neither the parser nor the
    /// compiler that walks the tree can run out of stack.
    var depth = 0
    var nodes = 0
    public static let maxDepth = 64
    public static let maxNodes = 1_000

    /// Counts one operator or call; refuses a filter with too many.
    mutating func node() throws(STAQueryError) {
        nodes += 1
        guard nodes <= Self.maxNodes else {
            throw STAQueryError("the expression has more than \(Self.maxNodes) operators and calls (the limit); split the query")
        }
    }

    /// Enters one level of nesting; refuses a filter nested deeper than the limit.
    mutating func enter() throws(STAQueryError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw STAQueryError("the expression is nested more than \(Self.maxDepth) levels deep (the limit)") }
    }

    public static func parse(_ text: String) throws(STAQueryError) -> STAExpr {
        var p = STAFilterParser(tokens: try tokenize(text), source: text)
        let e = try p.parseOr()
        guard p.peek == .end else { throw STAQueryError("unexpected \(p.describe(p.peek)) in $filter '\(text)'") }
        return e
    }

    public static func parseOrderBy(_ text: String) throws(STAQueryError) -> [STAOrder] {
        var out: [STAOrder] = []
        for item in try STAOptions.splitTopLevel(text, by: ",") {
            var p = STAFilterParser(tokens: try tokenize(item), source: item)
            let e = try p.parseAdditive()
            var desc = false
            if case .ident(let w) = p.peek, w.lowercased() == "asc" || w.lowercased() == "desc" {
                desc = w.lowercased() == "desc"
                p.pos += 1
            }
            guard p.peek == .end else { throw STAQueryError("unexpected \(p.describe(p.peek)) in $orderby '\(text)'") }
            out.append(STAOrder(expr: e, descending: desc))
        }
        return out
    }

    var peek: Token { pos < tokens.count ? tokens[pos] : .end }

    func describe(_ t: Token) -> String {
        switch t {
        case .ident(let s): return "'\(s)'"
        case .string(let s): return "string '\(s)'"
        case .number(let n): return "number \(n)"
        case .time, .interval: return "a date/time"
        case .typed(let k, let v): return "\(k)'\(v)'"
        case .open: return "'('"
        case .close: return "')'"
        case .comma: return "','"
        case .end: return "end of expression"
        }
    }

    mutating func keyword(_ words: [String]) -> String? {
        if case .ident(let w) = peek, words.contains(w) {
            pos += 1
            return w
        }
        return nil
    }

    mutating func parseOr() throws(STAQueryError) -> STAExpr {
        try enter()
        defer { depth -= 1 }
        var l = try parseAnd()
        while keyword(["or"]) != nil {
            try node()
            l = .binary(.or, l, try parseAnd())
        }
        return l
    }

    mutating func parseAnd() throws(STAQueryError) -> STAExpr {
        var l = try parseNot()
        while keyword(["and"]) != nil {
            try node()
            l = .binary(.and, l, try parseNot())
        }
        return l
    }

    mutating func parseNot() throws(STAQueryError) -> STAExpr {
        if keyword(["not"]) != nil {
            try node()
            try enter()
            defer { depth -= 1 }
            return .not(try parseNot())
        }
        return try parseEquality()
    }

    mutating func parseEquality() throws(STAQueryError) -> STAExpr {
        var l = try parseRelational()
        while let w = keyword(["eq", "ne"]), let op = STABinaryOp(rawValue: w) {
            try node()
            l = .binary(op, l, try parseRelational())
        }
        return l
    }

    mutating func parseRelational() throws(STAQueryError) -> STAExpr {
        var l = try parseAdditive()
        while let w = keyword(["gt", "ge", "lt", "le"]), let op = STABinaryOp(rawValue: w) {
            try node()
            l = .binary(op, l, try parseAdditive())
        }
        return l
    }

    mutating func parseAdditive() throws(STAQueryError) -> STAExpr {
        var l = try parseMultiplicative()
        while let w = keyword(["add", "sub"]), let op = STABinaryOp(rawValue: w) {
            try node()
            l = .binary(op, l, try parseMultiplicative())
        }
        return l
    }

    mutating func parseMultiplicative() throws(STAQueryError) -> STAExpr {
        var l = try parseUnary()
        while let w = keyword(["mul", "div", "mod"]), let op = STABinaryOp(rawValue: w) {
            try node()
            l = .binary(op, l, try parseUnary())
        }
        return l
    }

    mutating func parseUnary() throws(STAQueryError) -> STAExpr {
        if case .ident("-") = peek {
            pos += 1
            try node()
            try enter()
            defer { depth -= 1 }
            return .negate(try parseUnary())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(STAQueryError) -> STAExpr {
        let t = peek
        pos += 1
        switch t {
        case .open:
            let e = try parseOr()
            guard peek == .close else { throw STAQueryError("expected ')' in $filter '\(source)'") }
            pos += 1
            return e
        case .string(let s): return .literal(.string(s))
        case .number(let n):
            guard let d = Double(n), d.isFinite else { throw STAQueryError("'\(n)' is not a finite number") }
            return .literal(.number(d, text: n))
        case .time(let t): return .literal(.time(t))
        case .interval(let a, let b): return .literal(.interval(a, b))
        case .typed(let kind, let text):
            switch kind.lowercased() {
            case "geography", "geometry":
                do { return .literal(.geometry(try Geometry.parseWKT(text))) } catch { throw STAQueryError("\(kind)'\(text)': \(error.message)") }
            case "duration":
                guard let d = STATime.parseDuration(text) else { throw STAQueryError("duration'\(text)' is not an ISO 8601 duration") }
                return .literal(.duration(d))
            default: throw STAQueryError("unknown literal type \(kind)'…'")
            }
        case .ident(let name):
            switch name {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default: break
            }
            if peek == .open {
                pos += 1
                try node()
                var args: [STAExpr] = []
                if peek != .close {
                    while true {
                        args.append(try parseOr())
                        if peek == .comma {
                            pos += 1
                            continue
                        }
                        break
                    }
                }
                guard peek == .close else { throw STAQueryError("expected ')' after the arguments of \(name)") }
                pos += 1
                return .call(name.lowercased(), args)
            }
            guard name.first.map({ $0.isLetter || $0 == "@" || $0 == "_" }) == true else {
                throw STAQueryError("unexpected '\(name)' in $filter '\(source)'")
            }
            let path = name.split(separator: "/").map(String.init)
            return .path(path.map { $0 == "@iot.id" ? "id" : $0 })
        default:
            throw STAQueryError("unexpected \(describe(t)) in $filter '\(source)'")
        }
    }

    static func tokenize(_ text: String) throws(STAQueryError) -> [Token] {
        let c = Array(text.unicodeScalars)
        var i = 0
        var out: [Token] = []
        func isIdent(_ u: Unicode.Scalar) -> Bool {
            u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_" || u == "/" || u == "." || u == "@" || u == "[" || u == "]"
        }
        while i < c.count {
            let u = c[i]
            if u == " " || u == "\t" || u == "\n" || u == "\r" {
                i += 1
                continue
            }
            if u == "(" {
                out.append(.open)
                i += 1
                continue
            }
            if u == ")" {
                out.append(.close)
                i += 1
                continue
            }
            if u == "," {
                out.append(.comma)
                i += 1
                continue
            }
            if u == "'" {
                var s = ""
                i += 1
                var closed = false
                while i < c.count {
                    if c[i] == "'" {
                        if i + 1 < c.count, c[i + 1] == "'" {
                            s.unicodeScalars.append("'")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    s.unicodeScalars.append(c[i])
                    i += 1
                }
                guard closed else { throw STAQueryError("unterminated string in '\(text)'") }
                out.append(.string(s))
                continue
            }
            if ("0"..."9").contains(u) {
                // A date/time (yyyy-mm-dd…) or a number.
                var j = i
                while j < c.count, ("0"..."9").contains(c[j]) { j += 1 }
                if j - i == 4, j < c.count, c[j] == "-" {
                    var k = j
                    while k < c.count, "0123456789-:.TZ+/".unicodeScalars.contains(c[k]) || c[k] == "t" || c[k] == "z" { k += 1 }
                    let word = String(String.UnicodeScalarView(c[i..<k]))
                    let parts = word.split(separator: "/", omittingEmptySubsequences: false)
                    if parts.count == 2 {
                        guard let a = STATime.parse(String(parts[0])), let b = STATime.parse(String(parts[1])) else {
                            throw STAQueryError("'\(word)' is not a valid time interval")
                        }
                        out.append(.interval(a, b))
                    } else {
                        guard let t = STATime.parse(word) else { throw STAQueryError("'\(word)' is not a valid date/time") }
                        out.append(.time(t))
                    }
                    i = k
                    continue
                }
                if j < c.count, c[j] == "." {
                    j += 1
                    while j < c.count, ("0"..."9").contains(c[j]) { j += 1 }
                }
                if j < c.count, c[j] == "e" || c[j] == "E" {
                    var k = j + 1
                    if k < c.count, c[k] == "+" || c[k] == "-" { k += 1 }
                    if k < c.count, ("0"..."9").contains(c[k]) {
                        while k < c.count, ("0"..."9").contains(c[k]) { k += 1 }
                        j = k
                    }
                }
                // Type suffixes some clients add (1.5d, 3L, 2.0f, 1m) are accepted and dropped.
                var text = String(String.UnicodeScalarView(c[i..<j]))
                if j < c.count, "dDfFmMlL".unicodeScalars.contains(c[j]), j + 1 >= c.count || !isIdent(c[j + 1]) {
                    j += 1
                }
                if text.hasSuffix(".") { text.removeLast() }
                out.append(.number(text))
                i = j
                continue
            }
            if u == "-" {
                // A negative number literal directly after an operator or at the start; otherwise unary minus.
                out.append(.ident("-"))
                i += 1
                continue
            }
            if isIdent(u) || u == "$" {
                var j = i
                while j < c.count, isIdent(c[j]) || c[j] == "$" || (c[j] == ":" && false) { j += 1 }
                let word = String(String.UnicodeScalarView(c[i..<j]))
                if j < c.count, c[j] == "'", ["geography", "geometry", "duration"].contains(word.lowercased()) {
                    var k = j + 1
                    while k < c.count, c[k] != "'" { k += 1 }
                    guard k < c.count else { throw STAQueryError("unterminated \(word)'…' literal") }
                    out.append(.typed(word, String(String.UnicodeScalarView(c[j + 1..<k]))))
                    i = k + 1
                    continue
                }
                out.append(.ident(word))
                i = j
                continue
            }
            throw STAQueryError("unexpected character '\(Character(u))' at position \(i + 1) of '\(text)'")
        }
        return out
    }
}
