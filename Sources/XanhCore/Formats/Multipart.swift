import Foundation

/// `multipart/form-data` bodies (RFC 7578), as a browser's file form sends them: bounded in parts, and each part's
/// headers read as text. Nothing is streamed: the body was already read within its route's limit.
public enum Multipart {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var data: Data
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header, or nil.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(b.utf8.count) ? b : nil
        }
        return nil
    }

    /// The parts of a body, at most `maxParts` of them.
    public static func parse(_ body: Data, boundary: String, maxParts: Int = 50) throws -> [Part] {
        let bytes = [UInt8](body)
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var start = find(delimiter, in: bytes, from: 0) else { throw ParseError(message: "the body has no part (boundary not found)") }
        while true {
            var cursor = start + delimiter.count
            // `--` after a delimiter closes the body.
            if cursor + 1 < bytes.count, bytes[cursor] == 45, bytes[cursor + 1] == 45 { return parts }
            guard let lineEnd = find([13, 10], in: bytes, from: cursor) else { throw ParseError(message: "a part is cut off after its boundary") }
            cursor = lineEnd + 2
            guard let headEnd = find([13, 10, 13, 10], in: bytes, from: cursor) else { throw ParseError(message: "a part has no end of headers") }
            let head = String(decoding: bytes[cursor..<headEnd], as: UTF8.self)
            let contentStart = headEnd + 4
            guard let next = find([13, 10] + delimiter, in: bytes, from: contentStart) else {
                throw ParseError(message: "the body has no closing boundary")
            }
            guard parts.count < maxParts else { throw ParseError(message: "the body has more than \(maxParts) parts") }
            var part = Part(name: "", filename: nil, contentType: nil, data: Data(bytes[contentStart..<next]))
            for line in head.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: line) ?? ""
                    part.filename = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(part)
            start = next + 2
        }
    }

    /// A `name="value"` parameter of a header line (quoted, as browsers send them).
    static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard piece.lowercased().hasPrefix(name + "=") else { continue }
            var v = String(piece.dropFirst(name.count + 1))
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v.replacingOccurrences(of: "%22", with: "\"")
        }
        return nil
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count, from <= hay.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
