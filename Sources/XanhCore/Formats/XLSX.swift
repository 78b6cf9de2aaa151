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

    /// A data-validation rule over a range of cells (what Excel and LibreOffice check as a person types).
    public struct Validation: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A number between two bounds.
            case decimal(min: Double, max: Double)
            /// One of a few texts (a drop-down).
            case list([String])
        }
        /// `G2:I19`.
        public var range: String
        public var kind: Kind
        /// Shown when a cell is refused.
        public var error: String
        /// Shown when a cell is selected.
        public var prompt: String?
        public init(range: String, kind: Kind, error: String, prompt: String? = nil) {
            self.range = range
            self.kind = kind
            self.error = error
            self.prompt = prompt
        }
    }

    public struct Sheet: Sendable, Equatable {
        public var name: String
        public var rows: [[Cell]]
        /// Written, not read back.
        public var validations: [Validation]
        public init(name: String, rows: [[Cell]], validations: [Validation] = []) {
            self.name = name
            self.rows = rows
            self.validations = validations
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
        public init(message: String) { self.message = message }
    }

    /// The key of a header cell written as "Vietnamese label (key)": the text in its last parentheses, or the whole
    /// text, lowercased.
    public static func headerKey(_ header: String) -> String {
        let t = header.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix(")"), let open = t.lastIndex(of: "(") else { return t.lowercased() }
        return String(t[t.index(after: open)..<t.index(before: t.endIndex)]).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The zero-based row and column of an `A1`-style reference (`so_lieu!G5` → 4, 6), or nil.
    public static func position(_ reference: String) -> (row: Int, column: Int)? {
        decode(String(reference.split(separator: "!").last ?? ""))
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
        let package = try OOXMLPackage()
        func add(_ path: String, _ text: String) throws { try package.add(path, text) }
        let sheetList = sheets.indices.map { "<sheet name=\"\(escape(sheets[$0].name))\" sheetId=\"\($0 + 1)\" r:id=\"rId\($0 + 1)\"/>" }.joined()
        try add(
            "[Content_Types].xml",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
                + sheets.indices.map {
                    "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
                }.joined() + "</Types>")
        try add(
            "_rels/.rels",
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        )
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
            var xml =
                #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            for (r, row) in sheet.rows.enumerated() {
                xml += "<row r=\"\(r + 1)\">"
                for (c, cell) in row.enumerated() {
                    let ref = reference(row: r, column: c)
                    switch cell {
                    case .empty: continue
                    case .number(let d): xml += "<c r=\"\(ref)\"><v>\(d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d))</v></c>"
                    case .text(let s):
                        xml += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(CSV.neutralised(s)))</t></is></c>"
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData>" + dataValidations(sheet.validations) + "</worksheet>"
            try add("xl/worksheets/sheet\(i + 1).xml", xml)
        }
        return try package.data()
    }

    static func escape(_ s: String) -> String { Markup.escape(s) }

    static func dataValidations(_ rules: [Validation]) -> String {
        guard !rules.isEmpty else { return "" }
        func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d) }
        let items = rules.map { v -> String in
            let prompt = v.prompt.map { " showInputMessage=\"1\" prompt=\"\(escape(String($0.prefix(255))))\"" } ?? ""
            let head =
                " allowBlank=\"1\" showErrorMessage=\"1\" error=\"\(escape(String(v.error.prefix(225))))\"\(prompt) sqref=\"\(escape(v.range))\""
            switch v.kind {
            case .decimal(let lo, let hi):
                return
                    "<dataValidation type=\"decimal\" operator=\"between\"\(head)><formula1>\(number(lo))</formula1><formula2>\(number(hi))</formula2></dataValidation>"
            case .list(let options):
                let joined = options.map { $0.replacingOccurrences(of: "\"", with: "") }.joined(separator: ",")
                return "<dataValidation type=\"list\"\(head)><formula1>\(escape("\"" + joined + "\""))</formula1></dataValidation>"
            }
        }
        return "<dataValidations count=\"\(rules.count)\">" + items.joined() + "</dataValidations>"
    }

    // MARK: reading

    /// What reading may cost: the workbook's parts, what they inflate to, and the size of each sheet.
    public struct Bounds: Sendable {
        public var entries: Int
        public var inflated: Int
        public var rows: Int
        public var columns: Int
        public var cells: Int

        public init(entries: Int = 500, inflated: Int = 64 << 20, rows: Int = 100_000, columns: Int = 500, cells: Int = 2_000_000) {
            self.entries = entries
            self.inflated = inflated
            self.rows = rows
            self.columns = columns
            self.cells = cells
        }

        public init(_ l: Limits) {
            self.init(
                entries: l.maxXLSXEntries, inflated: l.maxXLSXInflated, rows: l.maxSheetRows, columns: l.maxSheetColumns, cells: l.maxSheetCells)
        }
    }

    /// The largest sheet Excel itself opens: XFD1048576.
    static let excelRows = 1_048_576
    static let excelColumns = 16_384

    public static func read(_ data: Data, bounds: Bounds = Bounds()) throws -> [Sheet] {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch {
            throw ReadError(message: "the file is not an XLSX workbook (not a ZIP archive)")
        }
        // The central directory is read entry by entry; a workbook with more parts than the limit is refused before
        // anything is inflated.
        var entries = 0
        for _ in archive {
            entries += 1
            if entries > bounds.entries { throw ReadError(message: "the workbook has more than \(bounds.entries) parts (XANH_MAX_XLSX_ENTRIES)") }
        }
        var inflated = 0
        func part(_ path: String) throws -> Data? {
            guard let entry = archive[path] else { return nil }
            // The declared size is checked first; the bytes actually inflated are counted too, since a ZIP may lie.
            if entry.uncompressedSize > UInt64(bounds.inflated - inflated) { throw tooLarge(bounds) }
            var out = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    inflated += chunk.count
                    if inflated > bounds.inflated { throw Self.tooLarge(bounds) }
                    out.append(chunk)
                }
            } catch let e as ReadError {
                throw e
            } catch {
                throw ReadError(message: "the part \(path) of the workbook cannot be read: \(error)")
            }
            return out
        }
        guard let workbook = try part("xl/workbook.xml") else { throw ReadError(message: "the file is not an XLSX workbook (no xl/workbook.xml)") }
        let rels = try part("xl/_rels/workbook.xml.rels").map { XMLNodes.parse($0) } ?? []
        var targets: [String: String] = [:]
        for r in rels where r.name == "Relationship" {
            if let id = r.attributes["Id"], let t = r.attributes["Target"] { targets[id] = t.hasPrefix("/") ? String(t.dropFirst()) : "xl/" + t }
        }
        var shared: [String] = []
        if let sst = try part("xl/sharedStrings.xml") { shared = SharedStrings.parse(sst) }
        var sheets: [Sheet] = []
        for s in XMLNodes.parse(workbook) where s.name == "sheet" {
            let name = s.attributes["name"] ?? "Sheet\(sheets.count + 1)"
            let rid = s.attributes["r:id"] ?? s.attributes.first { $0.key.hasSuffix(":id") }?.value ?? ""
            guard let path = targets[rid], let xml = try part(path) else { continue }
            sheets.append(Sheet(name: name, rows: try SheetReader.parse(xml, shared: shared, sheet: name, bounds: bounds)))
        }
        return sheets
    }

    static func tooLarge(_ b: Bounds) -> ReadError {
        ReadError(message: "the workbook inflates to more than \(b.inflated) bytes (XANH_MAX_XLSX_INFLATED)")
    }

    /// `C7` → (6, 2); nil unless it is a cell reference Excel could hold (A1 … XFD1048576).
    static func decode(_ ref: String) -> (Int, Int)? {
        var col = 0
        var row = 0
        var letters = 0
        var digits = 0
        for u in ref.utf8 {
            switch u {
            case 65...90, 97...122:
                guard digits == 0, letters < 3 else { return nil }
                col = col * 26 + Int((u & 0xDF) - 64)
                letters += 1
            case 48...57:
                guard letters > 0, digits < 7 else { return nil }
                row = row * 10 + Int(u - 48)
                digits += 1
            default: return nil
            }
        }
        guard letters > 0, digits > 0, row >= 1, row <= excelRows, col >= 1, col <= excelColumns else { return nil }
        return (row - 1, col - 1)
    }
}

/// The cells of one worksheet, read as the parser goes (no tree of the document is kept).
final class SheetReader: NSObject, XMLParserDelegate {
    let shared: [String]
    let sheet: String
    let bounds: XLSX.Bounds
    var rows: [[XLSX.Cell]] = []
    var cells = 0
    var error: XLSX.ReadError?
    // The cell being read.
    var ref = ""
    var type = ""
    var value = ""
    var inCell = false
    var inValue = false
    var inInline = false
    var inText = false

    init(shared: [String], sheet: String, bounds: XLSX.Bounds) {
        self.shared = shared
        self.sheet = sheet
        self.bounds = bounds
    }

    static func parse(_ xml: Data, shared: [String], sheet: String, bounds: XLSX.Bounds) throws -> [[XLSX.Cell]] {
        let parser = XMLParser(data: xml)
        let reader = SheetReader(shared: shared, sheet: sheet, bounds: bounds)
        parser.delegate = reader
        parser.shouldResolveExternalEntities = false
        parser.parse()
        if let e = reader.error { throw e }
        return reader.rows
    }

    func fail(_ parser: XMLParser, _ message: String) {
        if error == nil { error = XLSX.ReadError(message: message) }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:])
    {
        switch name.split(separator: ":").last.map(String.init) ?? name {
        case "c":
            inCell = true
            ref = attributes["r"] ?? ""
            type = attributes["t"] ?? ""
            value = ""
        case "v" where inCell: inValue = true
        case "is" where inCell: inInline = true
        case "t" where inInline: inText = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inValue || inText { value += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name.split(separator: ":").last.map(String.init) ?? name {
        case "v": inValue = false
        case "t": inText = false
        case "is": inInline = false
        case "c":
            inCell = false
            commit(parser)
        default: break
        }
    }

    func commit(_ parser: XMLParser) {
        guard let (r, c) = XLSX.decode(ref) else {
            // A cell without a reference is legal only in files no tool we know writes; one with a bad one is refused.
            if !ref.isEmpty { fail(parser, "sheet '\(sheet)': '\(ref.prefix(32))' is not a cell reference (A1 … XFD1048576)") }
            return
        }
        let cell: XLSX.Cell
        switch type {
        case "s": cell = Int(value).flatMap { $0 >= 0 && $0 < shared.count ? .text(CSV.restored(shared[$0])) : nil } ?? .empty
        case "inlineStr", "str": cell = .text(CSV.restored(value))
        case "b": cell = .text(value == "1" ? "TRUE" : "FALSE")
        case "e": cell = .text(value)
        default: cell = value.isEmpty ? .empty : (Double(value).map { .number($0) } ?? .text(value))
        }
        if case .empty = cell { return }
        guard r < bounds.rows, c < bounds.columns else {
            fail(
                parser,
                "sheet '\(sheet)': cell \(ref) lies outside the \(bounds.rows) rows × \(bounds.columns) columns read (XANH_MAX_SHEET_ROWS, XANH_MAX_SHEET_COLUMNS)"
            )
            return
        }
        // Rows are stored densely up to their last cell: the cells that costs are bounded as a whole.
        let grow = max(0, r + 1 - rows.count) + max(0, c + 1 - (r < rows.count ? rows[r].count : 0))
        cells += grow
        guard cells <= bounds.cells else {
            fail(parser, "sheet '\(sheet)': more than \(bounds.cells) cells up to \(ref) (XANH_MAX_SHEET_CELLS)")
            return
        }
        while rows.count <= r { rows.append([]) }
        while rows[r].count <= c { rows[r].append(.empty) }
        rows[r][c] = cell
    }
}

/// The shared-string table: the text of each `si`, phonetic runs left out.
final class SharedStrings: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current: String?
    var inText = false
    var phonetic = 0

    static func parse(_ xml: Data) -> [String] {
        let parser = XMLParser(data: xml)
        let d = SharedStrings()
        parser.delegate = d
        parser.shouldResolveExternalEntities = false
        parser.parse()
        return d.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:])
    {
        switch name.split(separator: ":").last.map(String.init) ?? name {
        case "si": current = ""
        case "rPh": phonetic += 1
        case "t": inText = current != nil && phonetic == 0
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { current = (current ?? "") + string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name.split(separator: ":").last.map(String.init) ?? name {
        case "si":
            strings.append(current ?? "")
            current = nil
        case "rPh": phonetic -= 1
        case "t": inText = false
        default: break
        }
    }
}

/// A flat list of the elements of a small XML document (the workbook and its relationships), each with its
/// attributes, its text, and its ancestors' names.
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
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
        ) {
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
        parser.shouldResolveExternalEntities = false
        let c = Collector()
        parser.delegate = c
        parser.parse()
        return c.nodes
    }
}

/// The ZIP package of an Office Open XML file (a workbook, a Word document): parts added by path, deflated.
final class OOXMLPackage {
    private let archive: Archive

    init() throws { archive = try Archive(accessMode: .create) }

    func add(_ path: String, _ text: String) throws { try add(path, Data(text.utf8)) }

    func add(_ path: String, _ data: Data) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { pos, size in
            data.subdata(in: Int(pos)..<Int(pos) + size)
        }
    }

    func data() throws -> Data {
        guard let data = archive.data else { throw XLSX.ReadError(message: "the package could not be assembled") }
        return data
    }
}
