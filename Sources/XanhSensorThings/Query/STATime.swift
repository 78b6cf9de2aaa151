import XanhCore
import XanhStore
import XanhSQL
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
            guard let sec = num(i + 1, 2), sec < 60 else { return nil }  // a leap second has no Unix time
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
