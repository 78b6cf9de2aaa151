import Foundation
import XanhCore

/// The ranges a station page charts: hourly means for a day, a week and 30 days, daily means for a year.
enum ChartRange: String, CaseIterable, Sendable {
    case day = "24h"
    case week = "7d"
    case month = "30d"
    case year = "1y"

    var span: Int64 {
        switch self {
        case .day: return Timestamps.day
        case .week: return 7 * Timestamps.day
        case .month: return 30 * Timestamps.day
        case .year: return 365 * Timestamps.day
        }
    }
    var daily: Bool { self == .year }
    var labelKey: String { "range_\(rawValue)" }
}

/// A line chart of one series over time, drawn as inline SVG sized for a phone (400 units across, 12-unit text), with
/// the QCVN limit as a dashed line. The line breaks where data are missing. Its text alternative is a title and a
/// description; the page follows it with the figures as a table.
struct TimeSeriesChart {
    struct Point {
        var t: Int64
        var value: Double
    }
    var points: [Point]
    var from: Int64
    var to: Int64
    /// Seconds between points (a gap longer than 1.5 steps breaks the line).
    var step: Int64
    var limit: (value: Double, label: String)?
    var title: String
    var description: String
    var lang: Language
    var tickLabel: (Int64) -> String
    var ticks: [Int64]

    static let width = 400.0
    static let height = 220.0

    func svg(id: String) -> String {
        let (w, h) = (Self.width, Self.height)
        let (left, right, top, bottom) = (40.0, 10.0, 10.0, 26.0)
        let highest = max(points.map(\.value).filter(\.isFinite).max() ?? 0, limit?.value ?? 0)
        // Four or five gridlines at a round step (1, 2 or 5 times a power of ten).
        let gridStep = Self.niceStep(highest * 1.05 / 4)
        let yMax = max(gridStep, (highest * 1.05 / gridStep).rounded(.up) * gridStep)
        let gridLines = Int((yMax / gridStep).rounded())
        let plotW = w - left - right
        let plotH = h - top - bottom
        let span = Double(max(1, to - from))
        func x(_ t: Int64) -> Double { left + Double(t - from) / span * plotW }
        func y(_ v: Double) -> Double { top + plotH - min(max(v, 0), yMax) / yMax * plotH }
        func f(_ d: Double) -> String { String(format: "%.1f", d) }
        var out =
            ##"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \##(Int(w)) \##(Int(h))" role="img" aria-labelledby="\##(id)-t \##(id)-d">"##
        out += ##"<title id="\##(id)-t">\##(Self.esc(title))</title><desc id="\##(id)-d">\##(Self.esc(description))</desc>"##
        for k in 0...gridLines {
            let v = gridStep * Double(k)
            out += ##"<line x1="\##(f(left))" x2="\##(f(w - right))" y1="\##(f(y(v)))" y2="\##(f(y(v)))" stroke="#dde5e0"/>"##
            out +=
                ##"<text x="\##(f(left - 4))" y="\##(f(y(v) + 4))" font-size="12" text-anchor="end" fill="#3d4a44">\##(WebController.number(v, lang, digits: gridStep < 1 ? 1 : 0))</text>"##
        }
        for t in ticks where t >= from && t <= to {
            out += ##"<line x1="\##(f(x(t)))" x2="\##(f(x(t)))" y1="\##(f(top + plotH))" y2="\##(f(top + plotH + 4))" stroke="#3d4a44"/>"##
            out +=
                ##"<text x="\##(f(x(t)))" y="\##(f(h - 6))" font-size="12" text-anchor="middle" fill="#3d4a44">\##(Self.esc(tickLabel(t)))</text>"##
        }
        // The line, in runs without gaps; a lone point is a dot.
        var run: [Point] = []
        func flush() {
            if run.count == 1, let p = run.first {
                out += ##"<circle cx="\##(f(x(p.t)))" cy="\##(f(y(p.value)))" r="2" fill="#1f4e79"/>"##
            } else if run.count > 1 {
                out +=
                    ##"<polyline fill="none" stroke="#1f4e79" stroke-width="2" points="\##(run.map { "\(f(x($0.t))),\(f(y($0.value)))" }.joined(separator: " "))"/>"##
            }
            run = []
        }
        for p in points where p.value.isFinite && p.t >= from && p.t <= to {
            if let last = run.last, p.t - last.t > step + step / 2 { flush() }
            run.append(p)
        }
        flush()
        if let limit {
            out +=
                ##"<line class="limit" x1="\##(f(left))" x2="\##(f(w - right))" y1="\##(f(y(limit.value)))" y2="\##(f(y(limit.value)))" stroke="#a4161a" stroke-width="1.5" stroke-dasharray="6 4"/>"##
            out +=
                ##"<text x="\##(f(left + 4))" y="\##(f(y(limit.value) - 5))" font-size="12" fill="#a4161a" stroke="#ffffff" stroke-width="3" paint-order="stroke">\##(Self.esc(limit.label))</text>"##
        }
        return out + "</svg>"
    }

    /// The least of 1, 2 or 5 times a power of ten that is at least `v` (0.1 at the least).
    static func niceStep(_ v: Double) -> Double {
        guard v.isFinite, v > 0.1 else { return 0.1 }
        var p = 0.1
        while p * 10 < v { p *= 10 }
        for m in [1.0, 2.0, 5.0] where m * p >= v { return m * p }
        return 10 * p
    }

    static func esc(_ s: String) -> String { Markup.escape(s) }

    /// Ticks and their labels for a range ending at `to`: every 6 hours for a day (`18:00`), days for a week
    /// (`25/11`), every 5 days for 30 days, months for a year (`11/2026`).
    static func ticks(_ range: ChartRange, from: Int64, to: Int64) -> (ticks: [Int64], label: (Int64) -> String) {
        func local(_ t: Int64) -> (y: Int64, m: Int64, d: Int64, h: Int64) {
            let shifted = t + Timestamps.vietnamOffset
            let days = Timestamps.floorDiv(shifted, Timestamps.day)
            let c = Timestamps.civilFromDays(days)
            return (c.year, c.month, c.day, (shifted - days * Timestamps.day) / 3600)
        }
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out: [Int64] = []
        switch range {
        case .day:
            var t = Timestamps.hourEnd(from)
            while t <= to {
                if local(t).h % 6 == 0 { out.append(t) }
                t += 3600
            }
            return (out, { "\(two(local($0).h)):00" })
        case .week, .month:
            let every: Int64 = range == .week ? 1 : 5
            var t = Timestamps.localMidnight(from) + Timestamps.day
            var i: Int64 = 0
            while t <= to {
                if i % every == 0 { out.append(t) }
                t += Timestamps.day
                i += 1
            }
            return (out, { "\(two(local($0).d))/\(two(local($0).m))" })
        case .year:
            var t = Timestamps.localMidnight(from)
            while t <= to {
                if local(t).d == 1 { out.append(t) }
                t += Timestamps.day
            }
            // Every other month on a phone-sized chart.
            let shown = out.count > 7 ? out.enumerated().filter { $0.offset % 2 == 0 }.map(\.element) : out
            return (shown, { "\(two(local($0).m))/\(local($0).y % 100 < 10 ? "0" : "")\(local($0).y % 100)" })
        }
    }
}
