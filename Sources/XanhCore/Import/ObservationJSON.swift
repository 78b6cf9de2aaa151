import Foundation

/// A byte-level reader for `{"observations":[{…}, …]}` bodies: the ingest path takes 100,000+ rows per request,
/// and Foundation's `JSONDecoder` would dominate its cost.
///
/// Syntax errors reject the whole body with the byte offset. A row that is well-formed JSON but has a field of the
/// wrong type (or is not an object) becomes a row error, so the other rows are still stored.
public enum ObservationJSON {
    public struct Parsed: Sendable {
        public var rows: [ObservationInput]
        public var rowErrors: [Int: String]
    }

    public struct SyntaxError: Error, Equatable, CustomStringConvertible {
        public var message: String
        /// JSON pointer to the missing or offending member, when there is one.
        public var pointer: String?
        public var description: String { message }
    }

    public static func parse(_ data: [UInt8]) throws(SyntaxError) -> Parsed {
        var bytes = data
        bytes.append(0)  // a terminator for strtod
        return try bytes.withUnsafeBufferPointer { buf throws(SyntaxError) -> Parsed in
            var r = Reader(b: buf, end: buf.count - 1)
            return try r.document()
        }
    }

    struct Reader {
        let b: UnsafeBufferPointer<UInt8>
        let end: Int
        var i = 0

        func fail(_ what: String) -> SyntaxError {
            SyntaxError(message: "body is not valid JSON: \(what) at byte \(i)", pointer: nil)
        }

        mutating func ws() {
            while i < end, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        /// After a member or an element: true when ',' announces another, false after the closing byte.
        mutating func more(closing: UInt8) throws(SyntaxError) -> Bool {
            ws()
            guard i < end else { throw fail("unexpected end") }
            if b[i] == 0x2C {
                i += 1
                return true
            }
            if b[i] == closing {
                i += 1
                return false
            }
            throw fail(closing == 0x7D ? "expected ',' or '}'" : "expected ',' or ']'")
        }

        mutating func expect(_ c: UInt8, _ name: String) throws(SyntaxError) {
            ws()
            guard i < end, b[i] == c else { throw fail("expected \(name)") }
            i += 1
        }

        mutating func document() throws(SyntaxError) -> Parsed {
            try expect(0x7B, "'{'")
            var result: Parsed?
            ws()
            if i < end, b[i] == 0x7D {
                i += 1
            } else {
                while true {
                    let key = try string()
                    try expect(0x3A, "':'")
                    if key == "observations" {
                        ws()
                        guard i < end, b[i] == 0x5B else { throw SyntaxError(message: "/observations: expected an array", pointer: "/observations") }
                        result = try rows()
                    } else {
                        try skipValue()
                    }
                    if try more(closing: 0x7D) { continue }
                    break
                }
            }
            ws()
            guard i == end else { throw fail("unexpected data after the document") }
            guard let result else { throw SyntaxError(message: "/observations: is required", pointer: "/observations") }
            return result
        }

        mutating func rows() throws(SyntaxError) -> Parsed {
            i += 1  // [
            var out = Parsed(rows: [], rowErrors: [:])
            ws()
            if i < end, b[i] == 0x5D {
                i += 1
                return out
            }
            while true {
                ws()
                guard i < end else { throw fail("unexpected end") }
                if b[i] == 0x7B {
                    let (row, error) = try row()
                    if let error { out.rowErrors[out.rows.count] = error }
                    out.rows.append(row)
                } else {
                    try skipValue()
                    out.rowErrors[out.rows.count] = "row must be an object"
                    out.rows.append(ObservationInput(station: nil, parameter: nil, time: nil, value: nil, status: nil))
                }
                if try more(closing: 0x5D) { continue }
                return out
            }
        }

        enum Scalar {
            case string(String)
            case number(Double)
            case null
            case other
        }

        mutating func row() throws(SyntaxError) -> (ObservationInput, String?) {
            i += 1  // {
            var input = ObservationInput(station: nil, parameter: nil, time: nil, value: nil, status: nil)
            var error: String?
            ws()
            if i < end, b[i] == 0x7D {
                i += 1
                return (input, nil)
            }
            while true {
                let key = try string()
                try expect(0x3A, "':'")
                let v = try scalar()
                func text(_ name: String) -> String? {
                    switch v {
                    case .string(let s): return s
                    case .null: return nil
                    default:
                        if error == nil { error = "\(name) must be a string" }
                        return nil
                    }
                }
                switch key {
                case "station": input.station = text("station")
                case "parameter": input.parameter = text("parameter")
                case "time": input.time = text("time")
                case "value":
                    switch v {
                    case .number(let d): input.value = d
                    case .null: break
                    default: if error == nil { error = "value must be a number" }
                    }
                case "status":
                    switch v {
                    case .string(let s): input.status = s
                    case .number(let d) where d >= 0 && d < 100 && d == d.rounded(): input.status = d < 10 ? "0\(Int(d))" : "\(Int(d))"
                    case .null: break
                    default: if error == nil { error = "status must be a string such as \"00\"" }
                    }
                default: break
                }
                if try more(closing: 0x7D) { continue }
                return (input, error)
            }
        }

        mutating func scalar() throws(SyntaxError) -> Scalar {
            ws()
            guard i < end else { throw fail("unexpected end") }
            switch b[i] {
            case 0x22: return .string(try string())
            case 0x2D, 0x30...0x39: return .number(try number())
            case 0x6E:
                try literal("null")
                return .null
            default:
                try skipValue()
                return .other
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let n = word.utf8CodeUnitCount
            guard i + n <= end else { throw fail("unexpected end") }
            for k in 0..<n where b[i + k] != word.utf8Start[k] { throw fail("invalid literal") }
            i += n
        }

        mutating func number() throws(SyntaxError) -> Double {
            let start = i
            if b[i] == 0x2D { i += 1 }
            var digits = 0
            while i < end, (b[i] >= 0x30 && b[i] <= 0x39) || b[i] == 0x2E || b[i] == 0x65 || b[i] == 0x45 || b[i] == 0x2B || b[i] == 0x2D {
                i += 1
                digits += 1
            }
            guard digits > 0 else { throw fail("invalid number") }
            var endPtr: UnsafeMutablePointer<CChar>?
            let value = b.baseAddress!.advanced(by: start).withMemoryRebound(to: CChar.self, capacity: i - start + 1) { p in
                strtod(p, &endPtr)
            }
            let consumed = endPtr.map { UnsafeRawPointer($0) - UnsafeRawPointer(b.baseAddress!.advanced(by: start)) } ?? 0
            guard consumed == i - start, value.isFinite else { i = start; throw fail("invalid number") }
            return value
        }

        mutating func string() throws(SyntaxError) -> String {
            ws()
            guard i < end, b[i] == 0x22 else { throw fail("expected a string") }
            i += 1
            let start = i
            while i < end, b[i] != 0x22, b[i] != 0x5C { i += 1 }
            guard i < end else { throw fail("unterminated string") }
            if b[i] == 0x22 {
                let s = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
                i += 1
                return s
            }
            // Escapes: slow path.
            var out = Array(b[start..<i])
            while i < end {
                let c = b[i]
                if c == 0x22 {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                if c == 0x5C {
                    guard i + 1 < end else { throw fail("unterminated string") }
                    let e = b[i + 1]
                    i += 2
                    switch e {
                    case 0x22, 0x5C, 0x2F: out.append(e)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        var scalar = try hex4()
                        if scalar >= 0xD800 && scalar < 0xDC00, i + 1 < end, b[i] == 0x5C, b[i + 1] == 0x75 {
                            i += 2
                            let low = try hex4()
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
                    default: throw fail("invalid escape")
                    }
                } else {
                    out.append(c)
                    i += 1
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard i + 4 <= end else { throw fail("invalid \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw fail("invalid \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        /// Skips any JSON value, checking its syntax.
        mutating func skipValue() throws(SyntaxError) {
            ws()
            guard i < end else { throw fail("unexpected end") }
            switch b[i] {
            case 0x22: _ = try string()
            case 0x2D, 0x30...0x39: _ = try number()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            case 0x6E: try literal("null")
            case 0x7B:
                i += 1
                ws()
                if i < end, b[i] == 0x7D { i += 1; return }
                while true {
                    _ = try string()
                    try expect(0x3A, "':'")
                    try skipValue()
                    if try more(closing: 0x7D) { continue }
                    return
                }
            case 0x5B:
                i += 1
                ws()
                if i < end, b[i] == 0x5D { i += 1; return }
                while true {
                    try skipValue()
                    if try more(closing: 0x5D) { continue }
                    return
                }
            default: throw fail("unexpected character")
            }
        }
    }
}
