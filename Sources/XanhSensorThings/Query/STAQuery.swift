import XanhStore
import XanhSQL
/// The SensorThings API 1.1 query language, parsed into values the store compiles to SQL.
/// Grammar and precedence follow OGC 18-088 §9.3 (see docs/decisions/0008-sensorthings.md).

import XanhCore

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
    /// Where the previous page ended (`$skiptoken`, written by this server into `@iot.nextLink`); opaque to clients.
    public var skipToken: String?
    public var count: Bool = false
    public var filter: STAExpr?
    public var orderBy: [STAOrder] = []
    /// Property and navigation names; nil means everything.
    public var select: [String]?
    public var expand: [STAExpand] = []
    public var resultFormat: String?
    /// The options as sent (`$filter=…` with values re-encoded), for next links; `$skip` and `$skiptoken` excluded.
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
        if key.hasPrefix("$"), key != "$skip", key != "$skiptoken" { raw.append(STAOptions.encode(key) + "=" + STAOptions.encode(value)) }
        switch key {
        case "$top":
            guard let n = Int(value.trimmingSpaces), n >= 0 else { throw STAQueryError("$top must be a non-negative integer, not '\(value)'") }
            top = n
        case "$skip":
            guard let n = Int(value.trimmingSpaces), n >= 0 else { throw STAQueryError("$skip must be a non-negative integer, not '\(value)'") }
            skip = n
        case "$skiptoken":
            guard !value.isEmpty, value.utf8.count <= 64 else { throw STAQueryError("$skiptoken '\(value.prefix(64))' is not one this server wrote") }
            skipToken = value
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
        guard let parts = Text.splitTopLevel(s, by: sep) else { throw STAQueryError("unbalanced parentheses or quotes in '\(s)'") }
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
