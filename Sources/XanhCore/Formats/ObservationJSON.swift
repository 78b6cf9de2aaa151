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
        /// The error may only mean that the bytes so far end inside a value.
        var truncated = false
        public static func == (a: SyntaxError, b: SyntaxError) -> Bool { a.message == b.message && a.pointer == b.pointer }
    }

    /// Parses a whole body at once (the CLI and tests); the HTTP route feeds a `Stream` as the body arrives.
    public static func parse(_ data: [UInt8], maxDepth: Int = 64) throws(SyntaxError) -> Parsed {
        var out = Parsed(rows: [], rowErrors: [:])
        var stream = Stream(maxDepth: maxDepth)
        func keep(_ row: ObservationInput, _ error: String?) {
            if let error { out.rowErrors[out.rows.count] = error }
            out.rows.append(row)
        }
        try stream.feed(data, keep)
        try stream.finish(keep)
        return out
    }

    /// An incremental parser: bytes go in as they arrive and each row comes out as soon as it is complete, so a
    /// caller that validates rows on the way keeps only what it stores, never the whole body.
    ///
    /// A step (a key, a row, a value to skip, a separator) that runs into the end of the bytes so far is tried again
    /// once at least twice as many bytes are pending, so a value that spans many chunks costs linear time.
    public struct Stream {
        enum Phase { case open, key, row, afterRow, afterMember, trailing }
        var phase = Phase.open
        var pending: [UInt8] = []
        /// Bytes of the body before `pending[0]`, for error offsets.
        var consumed = 0
        /// The next attempt waits until this many bytes are pending.
        var attemptAt = 0
        var sawObservations = false
        public let maxDepth: Int

        public init(maxDepth: Int = 64) { self.maxDepth = maxDepth }

        public mutating func feed<C: Collection<UInt8>>(_ bytes: C, _ emit: (ObservationInput, String?) -> Void) throws(SyntaxError) {
            pending.append(contentsOf: bytes)
            guard pending.count >= attemptAt else { return }
            try run(final: false, emit)
        }

        /// The body is complete: parses what is left and checks the document is whole.
        public mutating func finish(_ emit: (ObservationInput, String?) -> Void) throws(SyntaxError) {
            try run(final: true, emit)
            guard phase == .trailing else {
                throw SyntaxError(message: "body is not valid JSON: unexpected end at byte \(consumed + pending.count)", pointer: nil)
            }
            guard sawObservations else { throw SyntaxError(message: "/observations: is required", pointer: "/observations") }
        }

        mutating func run(final: Bool, _ emit: (ObservationInput, String?) -> Void) throws(SyntaxError) {
            pending.append(0)  // a terminator for strtod
            let base = consumed
            let maxDepth = maxDepth
            var phase = self.phase
            var saw = sawObservations
            let used = try pending.withUnsafeBufferPointer { buf throws(SyntaxError) -> Int in
                var r = Reader(b: buf, end: buf.count - 1, base: base, maxDepth: maxDepth)
                while true {
                    // Whitespace between steps is consumed, so that a body of blanks holds nothing back.
                    r.ws()
                    let mark = r.i
                    let before = phase
                    do throws(SyntaxError) {
                        var row: (ObservationInput, String?)?
                        let more = try Self.step(&r, &phase, &saw) { row = ($0, $1) }
                        // A step that ends at the last byte so far may be cut short (a number, a literal): unless the
                        // body is complete, it is tried again with more bytes, and its row is taken then.
                        if !final && r.i >= r.end && phase != .trailing {
                            phase = before
                            return mark
                        }
                        if let (input, error) = row { emit(input, error) }
                        if !more { return r.i }
                    } catch {
                        if !final && error.truncated {
                            phase = before
                            return mark
                        }
                        throw error
                    }
                }
            }
            self.phase = phase
            sawObservations = saw
            pending.removeLast()
            pending.removeFirst(used)
            consumed += used
            attemptAt = final ? 0 : 2 * pending.count
            // One row, key or skipped value longer than this is refused rather than held in memory as it grows.
            guard pending.count <= Self.maxStep else {
                throw SyntaxError(
                    message: "body is not valid here: a single row or value at byte \(consumed) is longer than \(Self.maxStep) bytes", pointer: nil)
            }
        }

        /// The longest row or other value held while it arrives.
        public static let maxStep = 1 << 20

        /// One syntactic step; false once the document is over (only whitespace may follow).
        static func step(
            _ r: inout Reader, _ phase: inout Phase, _ saw: inout Bool, _ emit: (ObservationInput, String?) -> Void
        ) throws(SyntaxError) -> Bool {
            switch phase {
            case .open:
                try r.expect(0x7B, "'{'")
                r.ws()
                guard r.i < r.end else { throw r.fail("unexpected end") }
                if r.b[r.i] == 0x7D {
                    r.i += 1
                    phase = .trailing
                } else {
                    phase = .key
                }
            case .key:
                let key = try r.string()
                try r.expect(0x3A, "':'")
                if key == "observations" {
                    r.ws()
                    guard r.i < r.end else { throw r.fail("unexpected end") }
                    guard r.b[r.i] == 0x5B else { throw SyntaxError(message: "/observations: expected an array", pointer: "/observations") }
                    r.i += 1
                    r.ws()
                    guard r.i < r.end else { throw r.fail("unexpected end") }
                    saw = true
                    if r.b[r.i] == 0x5D {
                        r.i += 1
                        phase = .afterMember
                    } else {
                        phase = .row
                    }
                } else {
                    try r.skipValue(depth: 1)
                    phase = .afterMember
                }
            case .row:
                r.ws()
                guard r.i < r.end else { throw r.fail("unexpected end") }
                if r.b[r.i] == 0x7B {
                    let (row, error) = try r.row()
                    emit(row, error)
                } else {
                    try r.skipValue(depth: 2)
                    emit(ObservationInput(station: nil, parameter: nil, time: nil, value: nil, status: nil), "row must be an object")
                }
                phase = .afterRow
            case .afterRow:
                phase = try r.more(closing: 0x5D) ? .row : .afterMember
            case .afterMember:
                phase = try r.more(closing: 0x7D) ? .key : .trailing
            case .trailing:
                r.ws()
                guard r.i == r.end else { throw r.fail("unexpected data after the document") }
                return false
            }
            return true
        }
    }

    struct Reader {
        let b: UnsafeBufferPointer<UInt8>
        let end: Int
        /// Offset of `b[0]` in the body.
        let base: Int
        let maxDepth: Int
        var i = 0

        init(b: UnsafeBufferPointer<UInt8>, end: Int, base: Int = 0, maxDepth: Int = 64) {
            self.b = b
            self.end = end
            self.base = base
            self.maxDepth = maxDepth
        }

        /// A syntax error at the current byte; one at the end of the bytes so far may only mean more are to come.
        func fail(_ what: String) -> SyntaxError {
            var e = SyntaxError(message: "body is not valid JSON: \(what) at byte \(base + i)", pointer: nil)
            e.truncated = i >= end
            return e
        }

        /// The bytes end inside a token.
        func cut() -> SyntaxError {
            var e = SyntaxError(message: "body is not valid JSON: unexpected end at byte \(base + end)", pointer: nil)
            e.truncated = true
            return e
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
                try skipValue(depth: 3)
                return .other
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let n = word.utf8CodeUnitCount
            guard i + n <= end else { throw cut() }
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
            if i >= end { throw cut() }
            guard digits > 0, let origin = b.baseAddress?.advanced(by: start) else { throw fail("invalid number") }
            var endPtr: UnsafeMutablePointer<CChar>?
            let value = origin.withMemoryRebound(to: CChar.self, capacity: i - start + 1) { p in strtod(p, &endPtr) }
            let consumed = endPtr.map { UnsafeRawPointer($0) - UnsafeRawPointer(origin) } ?? 0
            guard consumed == i - start, value.isFinite else {
                i = start
                throw fail("invalid number")
            }
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
                    guard i + 1 < end else { throw cut() }
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
            guard i + 4 <= end else { throw cut() }
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

        /// Skips any JSON value, checking its syntax; `depth` is the nesting of the value, bounded by `maxDepth`.
        mutating func skipValue(depth: Int) throws(SyntaxError) {
            guard depth <= maxDepth else {
                throw SyntaxError(message: "body nests arrays and objects more than \(maxDepth) deep (the limit) at byte \(base + i)", pointer: nil)
            }
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
                    try skipValue(depth: depth + 1)
                    if try more(closing: 0x7D) { continue }
                    return
                }
            case 0x5B:
                i += 1
                ws()
                if i < end, b[i] == 0x5D { i += 1; return }
                while true {
                    try skipValue(depth: depth + 1)
                    if try more(closing: 0x5D) { continue }
                    return
                }
            default: throw fail("unexpected character")
            }
        }
    }
}
