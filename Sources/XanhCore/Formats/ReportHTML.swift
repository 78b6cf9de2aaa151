import Foundation

/// A `ReportDocument` as a printable page: A4 with Decree 30's margins and Times New Roman, the same header, body,
/// signature and annexes as the Word document; each chart drawn in SVG with its data in a table beside it.
public enum ReportHTML {
    static func esc(_ s: String) -> String { Markup.escape(s) }

    static let css = """
        @page { size: A4 portrait; margin: 20mm 15mm 20mm 30mm; }
        body { font-family: "Times New Roman", Times, serif; font-size: 14pt; color: #000; max-width: 165mm; margin: 1rem auto; padding: 0 1rem; line-height: 1.35; }
        .head { display: grid; grid-template-columns: 2fr 3fr; gap: 1rem; text-align: center; font-size: 13pt; }
        .head p { margin: 0; } .motto { font-weight: bold; font-size: 14pt; } .date { font-style: italic; font-size: 14pt; margin-top: .5rem !important; }
        h1 { text-align: center; font-size: 14pt; margin: 1.2rem 0 0; } .title { text-align: center; font-weight: bold; margin: 0 0 1rem; }
        h2 { font-size: 14pt; margin: 1rem 0 .4rem; } h3 { font-size: 14pt; font-style: italic; margin: .8rem 0 .3rem; }
        p.body { text-indent: 1cm; text-align: justify; margin: .3rem 0; } p.note { font-style: italic; font-size: 12pt; }
        table.grid { border-collapse: collapse; width: 100%; font-size: 12pt; margin: .5rem 0 1rem; }
        table.grid th, table.grid td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; text-align: left; }
        table.grid th { text-align: center; }
        .sign { display: grid; grid-template-columns: 1fr 1fr; margin-top: 1.5rem; }
        .sign .to { font-size: 11pt; } .sign .to p { margin: 0; } .sign .who { text-align: center; font-weight: bold; }
        .sign .who .name { margin-top: 5rem; }
        figure { margin: 1rem 0; } figcaption { font-weight: bold; text-align: center; font-size: 12pt; }
        svg text { font-family: "Times New Roman", Times, serif; font-size: 11px; }
        .break { break-before: page; }
        @media screen and (max-width: 600px) { body { font-size: 12pt; } .head { grid-template-columns: 1fr; } .sign { grid-template-columns: 1fr; }
          table.grid { display: block; overflow-x: auto; } }
        """

    public static func render(_ doc: ReportDocument, lang: String = "vi") -> String {
        var out =
            "<!doctype html><html lang=\"\(esc(lang))\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        out += "<title>\(esc(doc.title))</title><style>\(css)</style></head><body><main>"
        let h = doc.header
        out += "<header class=\"head\"><div><p>\(esc(h.parent))</p><p><strong>\(esc(h.issuer))</strong></p><p>\(esc(h.number))</p></div>"
        out +=
            "<div><p><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong></p><p class=\"motto\">Độc lập - Tự do - Hạnh phúc</p><p class=\"date\">\(esc(h.placeAndDate))</p></div></header>"
        out += "<h1>\(esc(doc.kind))</h1><p class=\"title\">\(esc(doc.title))</p>"
        var figure = 0
        for b in doc.blocks { out += block(b, &figure) }
        out +=
            "<section class=\"sign\"><div class=\"to\"><p><strong><em>Nơi nhận:</em></strong></p>"
            + doc.recipients.map { "<p>- \(esc($0))</p>" }.joined() + "</div>"
        out += "<div class=\"who\"><p>\(esc(doc.signatureTitle))</p><p class=\"name\">\(esc(doc.signatureName))</p></div></section>"
        for b in doc.annexes { out += block(b, &figure) }
        return out + "</main></body></html>"
    }

    static func block(_ b: ReportDocument.Block, _ figure: inout Int) -> String {
        switch b {
        case .heading(let t, let level): return level <= 1 ? "<h2>\(esc(t))</h2>" : "<h3>\(esc(t))</h3>"
        case .paragraph(let t): return t.components(separatedBy: "\n").map { "<p class=\"body\">\(esc($0))</p>" }.joined()
        case .note(let t): return "<p class=\"note\">\(esc(t))</p>"
        case .pageBreak: return "<div class=\"break\"></div>"
        case .table(let t): return table(t.columns, t.rows)
        case .chart(let c):
            figure += 1
            return "<figure><figcaption>\(esc(c.title))</figcaption>\(svg(c))"
                + table(
                    [""] + c.series.map(\.name),
                    c.categories.enumerated().map { i, cat in [cat] + c.series.map { i < $0.values.count ? ReportDocument.number($0.values[i]) : "–" }
                    })
                + "</figure>"
        }
    }

    static func table(_ columns: [String], _ rows: [[String]]) -> String {
        "<table class=\"grid\"><thead><tr>" + columns.map { "<th scope=\"col\">\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
            + rows.map { "<tr>" + $0.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }.joined() + "</tbody></table>"
    }

    static let palette = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#404040"]

    /// A plain chart: bars grouped by category, or lines; the table after it carries the figures.
    static func svg(_ c: ReportDocument.Chart) -> String {
        let w = 600.0
        let h = 260.0
        let left = 44.0
        let bottom = 40.0
        let values = c.series.flatMap { $0.values.compactMap { $0 } }.filter(\.isFinite)
        let top = max(1, (values.max() ?? 1) * 1.1)
        let low = min(0, values.min() ?? 0)
        let n = max(1, c.categories.count)
        let band = (w - left - 10) / Double(n)
        func y(_ v: Double) -> Double { (h - bottom) - (v - low) / (top - low) * (h - bottom - 10) }
        var out = "<svg viewBox=\"0 0 \(Int(w)) \(Int(h + 20))\" role=\"img\" aria-label=\"\(esc(c.title))\" style=\"width:100%;height:auto\">"
        out += "<line x1=\"\(left)\" y1=\"\(y(low))\" x2=\"\(w - 10)\" y2=\"\(y(low))\" stroke=\"#000\"/>"
        for k in 0...4 {
            let v = low + (top - low) * Double(k) / 4
            out += "<text x=\"\(left - 4)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(esc(ReportDocument.number(v, digits: 0)))</text>"
        }
        for (i, cat) in c.categories.enumerated() {
            let x = left + band * Double(i)
            out += "<text x=\"\(x + band / 2)\" y=\"\(h - bottom + 14)\" text-anchor=\"middle\">\(esc(String(cat.prefix(14))))</text>"
            if c.kind == .bar {
                let bw = band * 0.8 / Double(max(1, c.series.count))
                for (s, series) in c.series.enumerated() {
                    guard i < series.values.count, let v = series.values[i], v.isFinite else { continue }
                    let top = y(max(v, low))
                    out +=
                        "<rect x=\(q(x + band * 0.1 + bw * Double(s))) y=\(q(min(top, y(low)))) width=\(q(bw)) height=\(q(abs(y(low) - top))) fill=\"\(palette[s % palette.count])\"/>"
                }
            }
        }
        if c.kind == .line {
            for (s, series) in c.series.enumerated() {
                let pts = series.values.prefix(n).enumerated().compactMap { i, v in v.map { "\(left + band * (Double(i) + 0.5)),\(y($0))" } }
                out +=
                    "<polyline fill=\"none\" stroke=\"\(palette[s % palette.count])\" stroke-width=\"2\" points=\"\(pts.joined(separator: " "))\"/>"
            }
        }
        var lx = left
        for (s, series) in c.series.enumerated() {
            out +=
                "<rect x=\(q(lx)) y=\(q(h + 6)) width=\"10\" height=\"10\" fill=\"\(palette[s % palette.count])\"/><text x=\(q(lx + 14)) y=\(q(h + 15))>\(esc(series.name))</text>"
            lx += 24 + Double(series.name.count) * 6
        }
        return out + "</svg>"
    }

    static func q(_ v: Double) -> String { "\"\(String(format: "%.1f", v))\"" }
}
