import Foundation
import ZIPFoundation

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads and writes the parts of Office Open XML spreadsheets that data templates need: sheets of text and number
/// cells. Writing uses inline strings; reading understands shared strings (what Excel, LibreOffice and openpyxl write).
public enum XLSX {
    public enum Cell: Sendable, Equatable {
        case empty
        case text(String)
        case number(Double)

        public var text: String? {
            switch self {
            case .text(let s): return s
            case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .empty: return nil
            }
        }
    }

    public struct Sheet: Sendable, Equatable {
        public var name: String
        public var rows: [[Cell]]
        public init(name: String, rows: [[Cell]]) {
            self.name = name
            self.rows = rows
        }
        public func cell(_ row: Int, _ column: Int) -> Cell { row < rows.count && column < rows[row].count ? rows[row][column] : .empty }
        /// Sets a cell, growing the sheet as needed.
        public mutating func set(_ row: Int, _ column: Int, _ cell: Cell) {
            while rows.count <= row { rows.append([]) }
            while rows[row].count <= column { rows[row].append(.empty) }
            rows[row][column] = cell
        }
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// `A1`-style reference of a zero-based row and column.
    public static func reference(row: Int, column: Int) -> String { columnName(column) + String(row + 1) }

    public static func columnName(_ c: Int) -> String {
        var n = c + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    // MARK: writing

    public static func write(_ sheets: [Sheet]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        let sheetList = sheets.indices.map { "<sheet name=\"\(escape(sheets[$0].name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
        try add(
            "[Content_Types].xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                + sheets.indices.map {
                    "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
                }.joined() + "</Types>")
        try add(
            "_rels/.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)
        try add(
            "xl/workbook.xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
                + sheetList + "</sheets></workbook>")
        try add(
            "xl/_rels/workbook.xml.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
                + sheets.indices.map {
                    "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>"
                }.joined() + "</Relationships>")
        for (i, sheet) in sheets.enumerated() {
            var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            for (r, row) in sheet.rows.enumerated() {
                xml += "<row r=\"\(r + 1)\">"
                for (c, cell) in row.enumerated() {
                    let ref = reference(row: r, column: c)
                    switch cell {
                    case .empty: continue
                    case .number(let d): xml += "<c r=\"\(ref)\"><v>\(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))</v></c>"
                    case .text(let s): xml += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(s))</t></is></c>"
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData></worksheet>"
            try add("xl/worksheets/sheet\(i + 1).xml", xml)
        }
        guard let data = archive.data else { throw ReadError(message: "the workbook could not be assembled") }
        return data
    }

    static func escape(_ s: String) -> String {
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

    // MARK: reading

    public static func read(_ data: Data) throws -> [Sheet] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw ReadError(message: "the file is not an XLSX workbook (not a ZIP archive)") }
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            var out = Data()
            _ = try archive.extract(entry) { out.append($0) }
            return out
        }
        guard let workbook = try part("xl/workbook.xml") else { throw ReadError(message: "the file is not an XLSX workbook (no xl/workbook.xml)") }
        let rels = try part("xl/_rels/workbook.xml.rels").map { XMLNodes.parse($0) } ?? []
        var targets: [String: String] = [:]
        for r in rels where r.name == "Relationship" {
            if let id = r.attributes["Id"], let t = r.attributes["Target"] { targets[id] = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t }
        }
        var shared: [String] = []
        if let sst = try part("xl/sharedStrings.xml") {
            var current: String?
            for n in XMLNodes.parse(sst) {
                if n.name == "si" { if let c = current { shared.append(c) }; current = "" }
                if n.name == "t", n.inside.contains("si"), !n.inside.contains("rPh") { current = (current ?? "") + n.text }
            }
            if let c = current { shared.append(c) }
        }
        var sheets: [Sheet] = []
        for s in XMLNodes.parse(workbook) where s.name == "sheet" {
            let name = s.attributes["name"] ?? "Sheet\(sheets.count + 1)"
            let rid = s.attributes["r:id"] ?? s.attributes.first { $0.key.hasSuffix(":id") }?.value ?? ""
            guard let path = targets[rid], let xml = try part(path) else { continue }
            sheets.append(Sheet(name: name, rows: parseSheet(xml, shared: shared)))
        }
        return sheets
    }

    static func parseSheet(_ xml: Data, shared: [String]) -> [[Cell]] {
        var rows: [[Cell]] = []
        var ref = ""
        var type = ""
        var value = ""
        var inCell = false
        func commit() {
            guard let (r, c) = decode(ref) else { return }
            let cell: Cell
            switch type {
            case "s": cell = Int(value).flatMap { $0 < shared.count ? .text(shared[$0]) : nil } ?? .empty
            case "inlineStr", "str": cell = .text(value)
            case "b": cell = .text(value == "1" ? "TRUE" : "FALSE")
            case "e": cell = .text(value)
            default: cell = value.isEmpty ? .empty : (Double(value).map { .number($0) } ?? .text(value))
            }
            while rows.count <= r { rows.append([]) }
            while rows[r].count <= c { rows[r].append(.empty) }
            rows[r][c] = cell
        }
        for n in XMLNodes.parse(xml) {
            switch n.name {
            case "c":
                if inCell { commit() }
                inCell = true
                ref = n.attributes["r"] ?? ""
                type = n.attributes["t"] ?? ""
                value = ""
            case "v" where n.inside.last == "c": value = n.text
            case "t" where n.inside.contains("is"): value += n.text
            default: break
            }
        }
        if inCell { commit() }
        return rows
    }

    /// `C7` → (6, 2).
    static func decode(_ ref: String) -> (Int, Int)? {
        var col = 0
        var digits = ""
        for ch in ref.uppercased() {
            if let a = ch.asciiValue, a >= 65, a <= 90 { col = col * 26 + Int(a - 64) } else { digits.append(ch) }
        }
        guard col > 0, let row = Int(digits), row > 0 else { return nil }
        return (row - 1, col - 1)
    }
}

/// A flat list of the elements of an XML document, each with its attributes, its text, and its ancestors' names.
enum XMLNodes {
    struct Node {
        var name: String
        var attributes: [String: String]
        var text: String
        var inside: [String]
    }

    final class Collector: NSObject, XMLParserDelegate {
        var nodes: [Node] = []
        var stack: [(name: String, index: Int)] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let local = name.split(separator: ":").last.map(String.init) ?? name
            nodes.append(Node(name: local, attributes: attributes, text: "", inside: stack.map(\.name)))
            stack.append((local, nodes.count - 1))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let top = stack.last { nodes[top.index].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { _ = stack.popLast() }
    }

    static func parse(_ data: Data) -> [Node] {
        let parser = XMLParser(data: data)
        let c = Collector()
        parser.delegate = c
        parser.parse()
        return c.nodes
    }
}
