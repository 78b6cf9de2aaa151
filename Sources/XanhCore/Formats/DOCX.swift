import Foundation

/// Writes a `ReportDocument` as WordprocessingML (`.docx`), laid out per Decree 30/2020: A4 portrait, margins
/// top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 14 (12 in tables); page numbers centred in the top
/// margin from the second page; the two-column header with the issuing body and the national motto. Charts are
/// DrawingML chart parts with their values cached and an embedded workbook holding the same data, so Word and
/// LibreOffice can edit them.
public enum DOCX {
    static let wNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let rNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    /// Twentieths of a point: A4 is 11906 × 16838; 1 mm ≈ 56.7.
    public static let pageWidth = 11906
    public static let pageHeight = 16838
    public static let margins = (top: 1134, right: 850, bottom: 1134, left: 1701)
    static var textWidth: Int { pageWidth - margins.left - margins.right }

    public static func write(_ doc: ReportDocument) throws -> Data {
        var body = ""
        var charts: [ReportDocument.Chart] = []
        body += headerTable(doc.header)
        body += paragraph(doc.kind, bold: true, align: "center", before: 240)
        body += paragraph(doc.title, bold: true, align: "center", after: 240)
        for b in doc.blocks { body += block(b, &charts) }
        body += signature(doc)
        for b in doc.annexes { body += block(b, &charts) }
        body += sectionProperties()

        let package = try OOXMLPackage()
        let chartOverrides = charts.indices.map {
            "<Override PartName=\"/word/charts/chart\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.drawingml.chart+xml\"/>"
        }.joined()
        try package.add(
            "[Content_Types].xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="xlsx" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/header2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
                + chartOverrides + "</Types>")
        try package.add(
            "_rels/.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#
        )
        try package.add(
            "docProps/core.xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>"#
                + XLSX.escape(doc.title) + "</dc:title><dc:creator>Xanh</dc:creator></cp:coreProperties>")
        try package.add(
            "word/_rels/document.xml.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdHeader1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rIdHeader2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/>"#
                + charts.indices.map {
                    "<Relationship Id=\"rIdChart\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart\" Target=\"charts/chart\($0 + 1).xml\"/>"
                }.joined() + "</Relationships>")
        try package.add(
            "word/document.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document \(namespaces)><w:body>\(body)</w:body></w:document>")
        try package.add("word/styles.xml", styles)
        try package.add(
            "word/settings.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:settings xmlns:w=\"\(wNS)\"><w:defaultTabStop w:val=\"720\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>"
        )
        // Page numbers centred in the top margin; the first page has none (its header is empty).
        try package.add(
            "word/header1.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:hdr xmlns:w=\"\(wNS)\"><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:fldSimple w:instr=\" PAGE \"><w:r><w:t>2</w:t></w:r></w:fldSimple></w:p></w:hdr>"
        )
        try package.add("word/header2.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:hdr xmlns:w=\"\(wNS)\"><w:p/></w:hdr>")
        for (i, c) in charts.enumerated() {
            try package.add("word/charts/chart\(i + 1).xml", chartXML(c))
            try package.add(
                "word/charts/_rels/chart\(i + 1).xml.rels",
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/package" Target="../embeddings/Microsoft_Excel_Sheet\#(i + 1).xlsx"/></Relationships>"#
            )
            try package.add("word/embeddings/Microsoft_Excel_Sheet\(i + 1).xlsx", try chartWorkbook(c))
        }
        return try package.data()
    }

    static let namespaces =
        #"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart""#

    static let styles = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">\
        <w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/>\
        <w:color w:val="000000"/><w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault>\
        <w:pPrDefault><w:pPr><w:spacing w:before="60" w:after="60" w:line="288" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>\
        <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:pPr><w:jc w:val="both"/></w:pPr>\
        <w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/><w:sz w:val="28"/></w:rPr></w:style>\
        <w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>\
        <w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/></w:rPr></w:style>\
        <w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/>\
        <w:pPr><w:keepNext/><w:spacing w:before="160" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:i/><w:sz w:val="28"/></w:rPr></w:style>\
        <w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:tblPr><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>\
        <w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:tblPr><w:tblBorders>\
        <w:top w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:left w:val="single" w:sz="4" w:space="0" w:color="000000"/>\
        <w:bottom w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:right w:val="single" w:sz="4" w:space="0" w:color="000000"/>\
        <w:insideH w:val="single" w:sz="4" w:space="0" w:color="000000"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="000000"/>\
        </w:tblBorders></w:tblPr></w:style></w:styles>
        """

    static func esc(_ s: String) -> String { XLSX.escape(s) }

    static func run(_ text: String, bold: Bool = false, italic: Bool = false, size: Int? = nil) -> String {
        var rPr = ""
        if bold { rPr += "<w:b/>" }
        if italic { rPr += "<w:i/>" }
        if let size { rPr += "<w:sz w:val=\"\(size * 2)\"/><w:szCs w:val=\"\(size * 2)\"/>" }
        let lines = text.components(separatedBy: "\n")
        return lines.enumerated().map { i, line in
            "<w:r>\(rPr.isEmpty ? "" : "<w:rPr>\(rPr)</w:rPr>")\(i > 0 ? "<w:br/>" : "")<w:t xml:space=\"preserve\">\(esc(line))</w:t></w:r>"
        }.joined()
    }

    static func paragraph(
        _ text: String, bold: Bool = false, italic: Bool = false, size: Int? = nil, align: String? = nil, style: String? = nil, indent: Bool = false,
        before: Int? = nil, after: Int? = nil
    ) -> String {
        var pPr = ""
        if let style { pPr += "<w:pStyle w:val=\"\(style)\"/>" }
        if before != nil || after != nil {
            pPr += "<w:spacing\(before.map { " w:before=\"\($0)\"" } ?? "")\(after.map { " w:after=\"\($0)\"" } ?? "")/>"
        }
        if indent { pPr += "<w:ind w:firstLine=\"567\"/>" }
        if let align { pPr += "<w:jc w:val=\"\(align)\"/>" }
        return "<w:p>\(pPr.isEmpty ? "" : "<w:pPr>\(pPr)</w:pPr>")\(run(text, bold: bold, italic: italic, size: size))</w:p>"
    }

    static func cell(_ content: String, width: Int, borders: Bool = true) -> String {
        "<w:tc><w:tcPr><w:tcW w:w=\"\(width)\" w:type=\"dxa\"/>\(borders ? "" : "<w:tcBorders><w:top w:val=\"nil\"/><w:left w:val=\"nil\"/><w:bottom w:val=\"nil\"/><w:right w:val=\"nil\"/></w:tcBorders>")</w:tcPr>\(content)</w:tc>"
    }

    /// Decree 30's header: the issuing body and the number on the left, the national motto and place and date on the right.
    static func headerTable(_ h: ReportDocument.Header) -> String {
        let left = textWidth * 2 / 5
        let right = textWidth - left
        let l =
            paragraph(h.parent, size: 13, align: "center", before: 0, after: 0)
            + paragraph(h.issuer, bold: true, size: 13, align: "center", before: 0, after: 120)
            + paragraph(h.number, size: 13, align: "center", before: 0, after: 0)
        let r =
            paragraph("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold: true, size: 13, align: "center", before: 0, after: 0)
            + paragraph("Độc lập - Tự do - Hạnh phúc", bold: true, size: 14, align: "center", before: 0, after: 120)
            + paragraph(h.placeAndDate, italic: true, size: 14, align: "center", before: 0, after: 0)
        return
            "<w:tbl><w:tblPr><w:tblW w:w=\"\(textWidth)\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"\(left)\"/><w:gridCol w:w=\"\(right)\"/></w:tblGrid><w:tr>"
            + cell(l, width: left, borders: false) + cell(r, width: right, borders: false) + "</w:tr></w:tbl>"
    }

    static func table(_ t: ReportDocument.Table) -> String {
        let total = max(1, t.widths.reduce(0, +))
        let widths = t.widths.map { textWidth * $0 / total }
        // A wide table (a month per column) in 10 pt, so that its figures fit their cells.
        let textSize = t.columns.count > 8 ? 10 : 12
        func row(_ cells: [String], header: Bool) -> String {
            "<w:tr>\(header ? "<w:trPr><w:tblHeader/></w:trPr>" : "")"
                + widths.indices.map { i in
                    cell(
                        paragraph(
                            i < cells.count ? cells[i] : "", bold: header, size: textSize, align: header ? "center" : "left", before: 20, after: 20),
                        width: widths[i])
                }.joined() + "</w:tr>"
        }
        return
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"\(textWidth)\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
            + widths.map { "<w:gridCol w:w=\"\($0)\"/>" }.joined() + "</w:tblGrid>" + row(t.columns, header: true)
            + t.rows.map { row($0, header: false) }.joined() + "</w:tbl>" + paragraph("", before: 0, after: 0)
    }

    static func block(_ b: ReportDocument.Block, _ charts: inout [ReportDocument.Chart]) -> String {
        switch b {
        case .heading(let text, let level): return paragraph(text, style: level <= 1 ? "Heading1" : "Heading2")
        case .paragraph(let text): return paragraph(text, indent: true)
        case .note(let text): return paragraph(text, italic: true, size: 12)
        case .table(let t): return table(t)
        case .pageBreak: return "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>"
        case .chart(let c):
            charts.append(c)
            let n = charts.count
            // 16 × 9 cm.
            return
                "<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"5760000\" cy=\"3240000\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/><wp:docPr id=\"\(n)\" name=\"Chart \(n)\" descr=\"\(esc(c.title))\"/><wp:cNvGraphicFramePr/><a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\"><c:chart r:id=\"rIdChart\(n)\"/></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
        }
    }

    static func signature(_ doc: ReportDocument) -> String {
        let left = textWidth / 2
        let right = textWidth - left
        let recipients =
            paragraph("Nơi nhận:", bold: true, italic: true, size: 12, align: "left", before: 0, after: 0)
            + doc.recipients.map { paragraph("- " + $0, size: 11, align: "left", before: 0, after: 0) }.joined()
        let sign =
            paragraph(doc.signatureTitle, bold: true, size: 14, align: "center", before: 0, after: 1200)
            + paragraph(doc.signatureName, bold: true, size: 14, align: "center", before: 0, after: 0)
        return
            "<w:tbl><w:tblPr><w:tblW w:w=\"\(textWidth)\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"\(left)\"/><w:gridCol w:w=\"\(right)\"/></w:tblGrid><w:tr>"
            + cell(recipients, width: left, borders: false) + cell(sign, width: right, borders: false) + "</w:tr></w:tbl>"
    }

    static func sectionProperties() -> String {
        "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rIdHeader1\"/><w:headerReference w:type=\"first\" r:id=\"rIdHeader2\"/>"
            + "<w:pgSz w:w=\"\(pageWidth)\" w:h=\"\(pageHeight)\"/><w:pgMar w:top=\"\(margins.top)\" w:right=\"\(margins.right)\" w:bottom=\"\(margins.bottom)\" w:left=\"\(margins.left)\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>"
            + "<w:pgNumType w:start=\"1\"/><w:titlePg/></w:sectPr>"
    }

    /// The chart's data as `Sheet1`: categories in column A, one series per column from B.
    static func chartWorkbook(_ c: ReportDocument.Chart) throws -> Data {
        var rows: [[XLSX.Cell]] = [[.text("")] + c.series.map { .text($0.name) }]
        for (i, cat) in c.categories.enumerated() {
            rows.append([.text(cat)] + c.series.map { s in i < s.values.count ? s.values[i].map { XLSX.Cell.number($0) } ?? .empty : .empty })
        }
        return try XLSX.write([XLSX.Sheet(name: "Sheet1", rows: rows)])
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }

    static func chartXML(_ c: ReportDocument.Chart) -> String {
        let n = c.categories.count
        let cats =
            "<c:cat><c:strRef><c:f>Sheet1!$A$2:$A$\(n + 1)</c:f><c:strCache><c:ptCount val=\"\(n)\"/>"
            + c.categories.enumerated().map { "<c:pt idx=\"\($0.offset)\"><c:v>\(esc($0.element))</c:v></c:pt>" }.joined()
            + "</c:strCache></c:strRef></c:cat>"
        let series = c.series.enumerated().map { i, s -> String in
            let col = XLSX.columnName(i + 1)
            let points = s.values.prefix(n).enumerated().compactMap { k, v in v.map { "<c:pt idx=\"\(k)\"><c:v>\(number($0))</c:v></c:pt>" } }
                .joined()
            let tx =
                "<c:tx><c:strRef><c:f>Sheet1!$\(col)$1</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>\(esc(s.name))</c:v></c:pt></c:strCache></c:strRef></c:tx>"
            let val =
                "<c:val><c:numRef><c:f>Sheet1!$\(col)$2:$\(col)$\(n + 1)</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"\(n)\"/>\(points)</c:numCache></c:numRef></c:val>"
            // Colours stated, as a reader without Office's theme (LibreOffice) draws none otherwise.
            let colour = "<a:solidFill><a:srgbClr val=\"\(ReportHTML.palette[i % ReportHTML.palette.count].dropFirst())\"/></a:solidFill>"
            switch c.kind {
            case .bar:
                return
                    "<c:ser><c:idx val=\"\(i)\"/><c:order val=\"\(i)\"/>\(tx)<c:spPr>\(colour)</c:spPr><c:invertIfNegative val=\"0\"/>\(cats)\(val)</c:ser>"
            case .line:
                return "<c:ser><c:idx val=\"\(i)\"/><c:order val=\"\(i)\"/>\(tx)<c:spPr><a:ln w=\"28575\">\(colour)</a:ln></c:spPr>"
                    + (n > 60
                        ? "<c:marker><c:symbol val=\"none\"/></c:marker>"
                        : "<c:marker><c:symbol val=\"circle\"/><c:size val=\"5\"/><c:spPr>\(colour)</c:spPr></c:marker>")
                    + "\(cats)\(val)<c:smooth val=\"0\"/></c:ser>"
            }
        }.joined()
        let plot: String
        switch c.kind {
        case .bar:
            plot =
                "<c:barChart><c:barDir val=\"col\"/><c:grouping val=\"clustered\"/><c:varyColors val=\"0\"/>\(series)<c:gapWidth val=\"80\"/><c:axId val=\"1001\"/><c:axId val=\"1002\"/></c:barChart>"
        case .line:
            plot =
                "<c:lineChart><c:grouping val=\"standard\"/><c:varyColors val=\"0\"/>\(series)<c:marker val=\"1\"/><c:axId val=\"1001\"/><c:axId val=\"1002\"/></c:lineChart>"
        }
        func rich(_ text: String, size: Int) -> String {
            "<c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr sz=\"\(size)\" b=\"1\"/></a:pPr><a:r><a:rPr lang=\"vi-VN\" sz=\"\(size)\" b=\"1\"><a:latin typeface=\"Times New Roman\"/></a:rPr><a:t>\(esc(text))</a:t></a:r></a:p></c:rich></c:tx>"
        }
        let axisTitle = c.valueAxis.isEmpty ? "" : "<c:title>\(rich(c.valueAxis, size: 1000))<c:overlay val=\"0\"/></c:title>"
        return
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:r=\"\(rNS)\"><c:lang val=\"vi-VN\"/><c:roundedCorners val=\"0\"/><c:chart>"
            + "<c:title>\(rich(c.title, size: 1200))<c:overlay val=\"0\"/></c:title><c:autoTitleDeleted val=\"0\"/><c:plotArea><c:layout/>\(plot)"
            + "<c:catAx><c:axId val=\"1001\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"b\"/><c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:tickLblPos val=\"nextTo\"/><c:crossAx val=\"1002\"/><c:crosses val=\"autoZero\"/><c:auto val=\"1\"/><c:lblAlgn val=\"ctr\"/><c:lblOffset val=\"100\"/></c:catAx>"
            + "<c:valAx><c:axId val=\"1002\"/><c:scaling><c:orientation val=\"minMax\"/></c:scaling><c:delete val=\"0\"/><c:axPos val=\"l\"/><c:majorGridlines/>\(axisTitle)<c:numFmt formatCode=\"General\" sourceLinked=\"0\"/><c:tickLblPos val=\"nextTo\"/><c:crossAx val=\"1001\"/><c:crosses val=\"autoZero\"/><c:crossBetween val=\"between\"/></c:valAx>"
            + "</c:plotArea><c:legend><c:legendPos val=\"b\"/><c:overlay val=\"0\"/></c:legend><c:plotVisOnly val=\"1\"/><c:dispBlanksAs val=\"gap\"/></c:chart>"
            + "<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz=\"1000\"><a:latin typeface=\"Times New Roman\"/></a:defRPr></a:pPr><a:endParaRPr lang=\"vi-VN\"/></a:p></c:txPr>"
            + "<c:externalData r:id=\"rId1\"><c:autoUpdate val=\"0\"/></c:externalData></c:chartSpace>"
    }
}
