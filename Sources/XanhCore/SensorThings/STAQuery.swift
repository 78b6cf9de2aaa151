/// The SensorThings API 1.1 query language, parsed into values the store compiles to SQL.
/// Grammar and precedence follow OGC 18-088 §9.3 (see docs/decisions/0008-sensorthings.md).

public struct STAQueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// 501 for a query option or function the server does not implement, 400 otherwise.
    public var notImplemented: Bool
    public init(_ message: String, notImplemented: Bool = false) {
        self.message = message
        self.notImplemented = notImplemented
    }
    public var description: String { message }
}

/// A literal in `$filter`.
public enum STALiteral: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double, text: String)
    case string(String)
    /// An instant, in (possibly fractional) seconds since 1970 UTC.
    case time(Double)
    /// A half-open interval [start, end).
    case interval(Double, Double)
    /// A duration in seconds (`duration'PT1H'`).
    case duration(Double)
    case geometry(Geometry)
}

public enum STABinaryOp: String, Sendable {
    case eq, ne, gt, ge, lt, le, and, or, add, sub, mul, div, mod
    public var isComparison: Bool { [.eq, .ne, .gt, .ge, .lt, .le].contains(self) }
}

public indirect enum STAExpr: Sendable, Equatable {
    case literal(STALiteral)
    /// A property or navigation path, e.g. `["Datastream", "Thing", "name"]` or `["properties", "a"]`.
    case path([String])
    case call(String, [STAExpr])
    case binary(STABinaryOp, STAExpr, STAExpr)
    case not(STAExpr)
    case negate(STAExpr)
}

public struct STAOrder: Sendable, Equatable {
    public var expr: STAExpr
    public var descending: Bool
}

/// One `$expand` item: a navigation path and the options that apply to its last step.
public struct STAExpand: Sendable, Equatable {
    public var path: [String]
    public var options: STAOptions
    public init(path: [String], options: STAOptions) {
        self.path = path
        self.options = options
    }
}

public struct STAOptions: Sendable, Equatable {
    public var top: Int?
    public var skip: Int = 0
    public var count: Bool = false
    public var filter: STAExpr?
    public var orderBy: [STAOrder] = []
    /// Property and navigation names; nil means everything.
    public var select: [String]?
    public var expand: [STAExpand] = []
    public var resultFormat: String?
    /// The options as sent (`$filter=…` with values re-encoded), for next links; `$skip` excluded.
    public var raw: [String] = []

    public init() {}

    /// The options as a query string, for the next link of an expanded collection.
    public var queryString: String { raw.joined(separator: "&") }

    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~$'(),/:".contains(c)) {
                out.append(c)
            } else {
                out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// Parses the system query options of a URL query string (percent-encoded, `+` for a space).
    public static func parse(query: String) throws(STAQueryError) -> STAOptions {
        var pairs: [(String, String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = STAOptions.percentDecode(String(kv[0]))
            let value = kv.count > 1 ? STAOptions.percentDecode(String(kv[1])) : ""
            pairs.append((key, value))
        }
        return try parse(pairs: pairs)
    }

    public static func parse(pairs: [(String, String)]) throws(STAQueryError) -> STAOptions {
        var o = STAOptions()
        for (key, value) in pairs {
            try o.apply(key: key, value: value)
        }
        return o
    }

    mutating func apply(key: String, value: String) throws(STAQueryError) {
        if key.hasPrefix("$"), key != "$skip" { raw.append(STAOptions.encode(key) + "=" + STAOptions.encode(value)) }
        switch key {
        case "$top":
            guard let n = Int(value.trimmingSpaces), n >= 0 else { throw STAQueryError("$top must be a non-negative integer, not '\(value)'") }
            top = n
        case "$skip":
            guard let n = Int(value.trimmingSpaces), n >= 0 else { throw STAQueryError("$skip must be a non-negative integer, not '\(value)'") }
            skip = n
        case "$count":
            switch value.trimmingSpaces.lowercased() {
            case "true": count = true
            case "false": count = false
            default: throw STAQueryError("$count must be true or false, not '\(value)'")
            }
        case "$filter": filter = try STAFilterParser.parse(value)
        case "$orderby": orderBy = try STAFilterParser.parseOrderBy(value)
        case "$select":
            select = try STAOptions.splitTopLevel(value, by: ",").map { s throws(STAQueryError) in
                let name = s.trimmingSpaces
                guard !name.isEmpty else { throw STAQueryError("$select has an empty item in '\(value)'") }
                return name == "@iot.id" ? "id" : name
            }
        case "$expand": expand = try STAOptions.parseExpand(value)
        case "$resultFormat":
            guard value == "dataArray" || value == "default" || value.isEmpty else {
                throw STAQueryError("$resultFormat '\(value)' is not supported (dataArray is)", notImplemented: true)
            }
            resultFormat = value == "dataArray" ? value : nil
        default:
            if key.hasPrefix("$") { throw STAQueryError("the query option \(key) is not supported", notImplemented: true) }
        // Custom (non-$) options are ignored, as the standard allows.
        }
    }

    static func parseExpand(_ text: String) throws(STAQueryError) -> [STAExpand] {
        var out: [STAExpand] = []
        for item in try splitTopLevel(text, by: ",") {
            let s = item.trimmingSpaces
            guard !s.isEmpty else { throw STAQueryError("$expand has an empty item in '\(text)'") }
            var pathText = s
            var options = STAOptions()
            if let open = s.firstIndex(of: "(") {
                guard s.hasSuffix(")") else { throw STAQueryError("$expand item '\(s)' has unbalanced parentheses") }
                pathText = String(s[..<open])
                let inner = String(s[s.index(after: open)..<s.index(before: s.endIndex)])
                for opt in try splitTopLevel(inner, by: ";") where !opt.trimmingSpaces.isEmpty {
                    let kv = opt.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard kv.count == 2 else { throw STAQueryError("$expand option '\(opt)' needs a value") }
                    let key = String(kv[0]).trimmingSpaces
                    guard key.hasPrefix("$"), key != "$resultFormat" else { throw STAQueryError("'\(key)' is not a query option allowed in $expand") }
                    try options.apply(key: key, value: String(kv[1]))
                }
            }
            let path = pathText.split(separator: "/").map { String($0).trimmingSpaces }
            guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else { throw STAQueryError("$expand path '\(pathText)' is not valid") }
            out.append(STAExpand(path: path, options: options))
        }
        return out
    }

    /// Splits at separators outside parentheses and quotes.
    static func splitTopLevel(_ s: String, by sep: Character) throws(STAQueryError) -> [String] {
        var parts: [String] = []
        var depth = 0
        var quoted = false
        var current = ""
        for c in s {
            if c == "'" { quoted.toggle() }
            if !quoted {
                if c == "(" { depth += 1 }
                if c == ")" {
                    depth -= 1
                    if depth < 0 { throw STAQueryError("unbalanced ')' in '\(s)'") }
                }
                if c == sep, depth == 0 {
                    parts.append(current)
                    current = ""
                    continue
                }
            }
            current.append(c)
        }
        if depth != 0 || quoted { throw STAQueryError("unbalanced parentheses or quotes in '\(s)'") }
        parts.append(current)
        return parts
    }

    public static func percentDecode(_ s: String) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if c == UInt8(ascii: "%"), it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }

    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

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
        var l = try parseAnd()
        while keyword(["or"]) != nil { l = .binary(.or, l, try parseAnd()) }
        return l
    }

    mutating func parseAnd() throws(STAQueryError) -> STAExpr {
        var l = try parseNot()
        while keyword(["and"]) != nil { l = .binary(.and, l, try parseNot()) }
        return l
    }

    mutating func parseNot() throws(STAQueryError) -> STAExpr {
        if keyword(["not"]) != nil { return .not(try parseNot()) }
        return try parseEquality()
    }

    mutating func parseEquality() throws(STAQueryError) -> STAExpr {
        var l = try parseRelational()
        while let w = keyword(["eq", "ne"]) { l = .binary(STABinaryOp(rawValue: w)!, l, try parseRelational()) }
        return l
    }

    mutating func parseRelational() throws(STAQueryError) -> STAExpr {
        var l = try parseAdditive()
        while let w = keyword(["gt", "ge", "lt", "le"]) { l = .binary(STABinaryOp(rawValue: w)!, l, try parseAdditive()) }
        return l
    }

    mutating func parseAdditive() throws(STAQueryError) -> STAExpr {
        var l = try parseMultiplicative()
        while let w = keyword(["add", "sub"]) { l = .binary(STABinaryOp(rawValue: w)!, l, try parseMultiplicative()) }
        return l
    }

    mutating func parseMultiplicative() throws(STAQueryError) -> STAExpr {
        var l = try parseUnary()
        while let w = keyword(["mul", "div", "mod"]) { l = .binary(STABinaryOp(rawValue: w)!, l, try parseUnary()) }
        return l
    }

    mutating func parseUnary() throws(STAQueryError) -> STAExpr {
        if case .ident("-") = peek {
            pos += 1
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
            guard let d = Double(n) else { throw STAQueryError("'\(n)' is not a number") }
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

/// ISO 8601 instants, intervals and durations as SensorThings clients send them.
public enum STATime {
    /// `2015-03-01T00:40:00.000Z`, `2016-01-01T07:00Z`, `…+01:00`, or a date `2015-01-01` (midnight UTC); seconds since 1970.
    public static func parse(_ text: String) -> Double? {
        let s = Array(text.utf8)
        func num(_ a: Int, _ n: Int) -> Int? {
            guard a + n <= s.count else { return nil }
            var v = 0
            for k in a..<a + n {
                guard s[k] >= 0x30, s[k] <= 0x39 else { return nil }
                v = v * 10 + Int(s[k] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), s.count >= 10, s[4] == UInt8(ascii: "-"), let mo = num(5, 2), s[7] == UInt8(ascii: "-"), let d = num(8, 2),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var seconds = Double(Timestamps.daysFromCivil(year: Int64(y), month: Int64(mo), day: Int64(d)) * 86_400)
        if s.count == 10 { return seconds }
        guard s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: "t"), let h = num(11, 2), s.count > 13, s[13] == UInt8(ascii: ":"),
            let mi = num(14, 2), h < 24, mi < 60
        else { return nil }
        seconds += Double(h * 3600 + mi * 60)
        var i = 16
        if i < s.count, s[i] == UInt8(ascii: ":") {
            guard let sec = num(i + 1, 2), sec < 61 else { return nil }
            seconds += Double(sec)
            i += 3
            if i < s.count, s[i] == UInt8(ascii: ".") {
                i += 1
                var scale = 0.1
                var frac = 0.0
                let start = i
                while i < s.count, s[i] >= 0x30, s[i] <= 0x39 {
                    frac += Double(s[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
                seconds += frac
            }
        }
        guard i < s.count else { return nil }  // an offset is required
        if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            return i + 1 == s.count ? seconds : nil
        }
        guard s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-"), let oh = num(i + 1, 2) else { return nil }
        var om = 0
        if i + 3 < s.count {
            let colon = s[i + 3] == UInt8(ascii: ":") ? 1 : 0
            guard let m = num(i + 3 + colon, 2), i + 5 + colon == s.count else { return nil }
            om = m
        } else if i + 3 != s.count {
            return nil
        }
        let offset = Double(oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "-") ? -1 : 1)
        return seconds - offset
    }

    /// An instant or a `start/end` interval.
    public static func parseTimeOrInterval(_ text: String) -> (Double, Double)? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 1, let t = parse(text) { return (t, t) }
        if parts.count == 2, let a = parse(String(parts[0])), let b = parse(String(parts[1])), a <= b { return (a, b) }
        return nil
    }

    /// `PT1H`, `P1DT12H30M5.5S`: seconds (months and years are not fixed lengths and are refused).
    public static func parseDuration(_ text: String) -> Double? {
        var s = Substring(text.uppercased())
        guard s.first == "P" else { return nil }
        s.removeFirst()
        var total = 0.0
        var inTime = false
        var number = ""
        for ch in s {
            if ch == "T" {
                inTime = true
                continue
            }
            if ch.isNumber || ch == "." {
                number.append(ch)
                continue
            }
            guard let v = Double(number) else { return nil }
            number = ""
            switch (ch, inTime) {
            case ("W", false): total += v * 604_800
            case ("D", false): total += v * 86_400
            case ("H", true): total += v * 3600
            case ("M", true): total += v * 60
            case ("S", true): total += v
            default: return nil
            }
        }
        return number.isEmpty ? total : nil
    }

    /// `2015-03-01T00:40:00Z`, or with milliseconds when the instant has a fraction.
    public static func format(_ t: Double) -> String {
        let whole = t.rounded(.down)
        var text = Timestamps.format(Int64(whole), offset: 0)
        let ms = Int(((t - whole) * 1000).rounded())
        if ms > 0, ms < 1000, text.hasSuffix("Z") {
            text.removeLast()
            let f = String(ms)
            text += "." + String(repeating: "0", count: 3 - f.count) + f + "Z"
        }
        return text
    }
}
