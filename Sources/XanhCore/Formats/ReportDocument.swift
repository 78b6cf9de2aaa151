import Foundation

/// A report as the province files it (Decree 30/2020 layout), independent of the format: the header, the title, the
/// body's headings, paragraphs, tables and charts, the signature and the recipients. `DOCX.write` and
/// `ReportHTML.render` give the same content as a Word document and as a printable page.
public struct ReportDocument: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        /// The body above the issuer (`ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH`), upper case.
        public var parent: String
        /// The issuing body (`SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG`), upper case.
        public var issuer: String
        /// `Số: …/BC-STNMT`.
        public var number: String
        /// `Thành phố Hồ Chí Minh`.
        public var place: String
        /// Left blank (`ngày … tháng … năm 2026`) until it is signed.
        public var date: CivilDate?
        public var year: Int
        public init(parent: String, issuer: String, number: String, place: String, date: CivilDate?, year: Int) {
            self.parent = parent
            self.issuer = issuer
            self.number = number
            self.place = place
            self.date = date
            self.year = year
        }
        /// `Thành phố Hồ Chí Minh, ngày 16 tháng 6 năm 2026`, or with dots for the day and month when unsigned.
        public var placeAndDate: String {
            if let d = date { return "\(place), ngày \(d.day) tháng \(d.month) năm \(d.year)" }
            return "\(place), ngày … tháng … năm \(year)"
        }
    }

    public struct Table: Sendable, Equatable {
        public var columns: [String]
        /// Relative widths, one per column.
        public var widths: [Int]
        public var rows: [[String]]
        public init(columns: [String], widths: [Int], rows: [[String]]) {
            self.columns = columns
            self.widths = widths
            self.rows = rows
        }
    }

    /// A chart with its data, so staff can change it in Word or LibreOffice.
    public struct Chart: Sendable, Equatable {
        public enum Kind: String, Sendable { case bar, line }
        public struct Series: Sendable, Equatable {
            public var name: String
            public var values: [Double?]
            public init(name: String, values: [Double?]) {
                self.name = name
                self.values = values
            }
        }
        public var title: String
        public var kind: Kind
        public var categories: [String]
        public var series: [Series]
        public var valueAxis: String
        public init(title: String, kind: Kind, categories: [String], series: [Series], valueAxis: String = "") {
            self.title = title
            self.kind = kind
            self.categories = categories
            self.series = series
            self.valueAxis = valueAxis
        }
    }

    public enum Block: Sendable, Equatable {
        case heading(String, level: Int)
        case paragraph(String)
        /// A paragraph in italics: a note on where figures come from, or what is illustrative.
        case note(String)
        case table(Table)
        case chart(Chart)
        case pageBreak
    }

    public var header: Header
    /// `BÁO CÁO`.
    public var kind: String
    public var title: String
    public var blocks: [Block]
    public var signatureTitle: String
    public var signatureName: String
    public var recipients: [String]
    /// What follows the signature: annexes (tables, charts).
    public var annexes: [Block]

    public init(
        header: Header, kind: String = "BÁO CÁO", title: String, blocks: [Block], signatureTitle: String, signatureName: String = "",
        recipients: [String], annexes: [Block] = []
    ) {
        self.header = header
        self.kind = kind
        self.title = title
        self.blocks = blocks
        self.signatureTitle = signatureTitle
        self.signatureName = signatureName
        self.recipients = recipients
        self.annexes = annexes
    }

    public var charts: [Chart] {
        (blocks + annexes).compactMap {
            if case .chart(let c) = $0 { return c }
            return nil
        }
    }

    /// Numbers as Vietnamese documents write them: `1.527`, `21,2` (at most `digits` decimals, trailing zeros dropped,
    /// halves away from zero). Written out rather than through NumberFormatter, which costs ~0.1 ms a call on Linux and
    /// pages call this for every cell.
    public static func number(_ v: Double?, digits: Int = 1) -> String {
        guard let v, v.isFinite else { return "–" }
        let places = max(0, min(digits, 6))
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded(.toNearestOrAwayFromZero)
        // Beyond 2^53 a double has no fraction to show; beyond Int64 the grouping below cannot run.
        guard scaled < 9.0e15 else { return String(format: "%.0f", v) }
        let n = Int64(scaled)
        let unit = Int64(scale)
        let whole = n / unit
        var fraction = n % unit
        var fractionDigits = places
        while fractionDigits > 0 && fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        var digitsText = Array(String(whole))
        var grouped = ""
        while digitsText.count > 3 {
            grouped = "." + String(digitsText.suffix(3)) + grouped
            digitsText.removeLast(3)
        }
        grouped = String(digitsText) + grouped
        var out = (v < 0 && n != 0 ? "-" : "") + grouped
        if fractionDigits > 0 {
            let f = String(fraction)
            out += "," + String(repeating: "0", count: fractionDigits - f.count) + f
        }
        return out
    }
}
