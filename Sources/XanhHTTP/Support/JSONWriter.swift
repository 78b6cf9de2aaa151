import Hummingbird
import XanhCore

/// Writes JSON straight into bytes, for list responses that can hold tens of thousands of items
/// (Foundation's `JSONEncoder` dominated the year-long series query).
struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { open(0x7B) }
    mutating func endObject() { close(0x7D) }
    mutating func beginArray() { open(0x5B) }
    mutating func endArray() { close(0x5D) }

    private mutating func open(_ bracket: UInt8) {
        comma()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func comma() {
        if needsComma { bytes.append(0x2C) }
    }

    mutating func key(_ k: StaticString) {
        comma()
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(0x3A)
        needsComma = false
    }

    mutating func string(_ s: String) {
        comma()
        bytes.append(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: bytes.append(c)
            }
        }
        bytes.append(0x22)
        needsComma = true
    }

    mutating func number(_ d: Double) {
        comma()
        if d.isFinite {
            if d == d.rounded(), abs(d) < 1e15 {
                bytes.append(contentsOf: String(Int64(d)).utf8)
            } else {
                bytes.append(contentsOf: d.description.utf8)
            }
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        needsComma = true
    }

    mutating func bool(_ b: Bool) {
        comma()
        bytes.append(contentsOf: (b ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func number(_ i: Int) {
        comma()
        bytes.append(contentsOf: String(i).utf8)
        needsComma = true
    }

    /// A time as an ISO 8601 string in +07:00.
    mutating func time(_ t: Int64) {
        comma()
        bytes.append(0x22)
        Timestamps.appendISO8601(t, to: &bytes)
        bytes.append(0x22)
        needsComma = true
    }

    /// A value that is already JSON (a stored document).
    mutating func raw(_ json: String) {
        comma()
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }

    mutating func null() {
        comma()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// What was written, as a JSON answer.
    var response: Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"items":[…],"next":…}` with each item written by `item`.
    static func page<T>(_ items: [T], next: String?, _ item: (inout JSONWriter, T) -> Void) -> Response {
        var w = JSONWriter(capacity: 64 + items.count * 96)
        w.beginObject()
        w.key("items")
        w.beginArray()
        for i in items { item(&w, i) }
        w.endArray()
        w.key("next")
        if let next { w.string(next) } else { w.null() }
        w.endObject()
        return w.response
    }
}
