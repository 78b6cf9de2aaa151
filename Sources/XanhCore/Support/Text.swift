/// Small text helpers shared by the parsers.
public enum Text {
    /// Splits at separators outside parentheses and single quotes; nil when they do not balance.
    public static func splitTopLevel(_ s: String, by sep: Character) -> [String]? {
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
                    if depth < 0 { return nil }
                }
                if c == sep, depth == 0 {
                    parts.append(current)
                    current = ""
                    continue
                }
            }
            current.append(c)
        }
        if depth != 0 || quoted { return nil }
        parts.append(current)
        return parts
    }
}

extension String {
    /// Left-padded with zeros to `n` characters.
    public func leftPadded(_ n: Int) -> String { String(repeating: "0", count: Swift.max(0, n - count)) + self }

    /// Without leading and trailing spaces, tabs and line breaks.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

/// Text for XML and HTML, in element content and in quoted attributes: `&`, `<`, `>` and `"` escaped, and control
/// characters XML 1.0 cannot hold dropped. One escape for XLSX, DOCX, report HTML, the map and the charts.
public enum Markup {
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case _ where ch.value < 0x20 && ch != "\n" && ch != "\t": continue
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
