import Foundation
import XanhCore
import XanhStore

/// A request a use case refuses as it stands (answered 400 with the pointer).
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var pointer: String?
    public init(_ message: String, pointer: String? = nil) {
        self.message = message
        self.pointer = pointer
    }
    public var description: String { message }
}

/// The XLSX template a department fills: one row per indicator × administrative unit for a period, on the sheet
/// `so_lieu`. Row 1 holds the headers, each a Vietnamese label with the column's key in parentheses (as the plan
/// workbook's); a reader goes by the key, and also takes the English headers of earlier templates. The
/// administrative unit (`admin_unit`) and the unit of measure (`unit_of_measure`) are told apart; a ratio
/// indicator's row is filled in its numerator and denominator, a direct one's in its value (column `kind` says
/// which); the cells to fill carry data validation; values already entered are filled in, with their status.
public enum IndicatorTemplate {
    public static let sheetName = "so_lieu"

    public static let columns: [PlanWorkbook.Column] = [
        .init(key: "indicator", label: "Mã chỉ tiêu"), .init(key: "indicator_name", label: "Tên chỉ tiêu"),
        .init(key: "admin_unit", label: "Mã đơn vị hành chính"), .init(key: "admin_unit_name", label: "Tên đơn vị hành chính"),
        .init(key: "period", label: "Kỳ báo cáo"), .init(key: "unit_of_measure", label: "Đơn vị tính"),
        .init(key: "value", label: "Giá trị — chỉ tiêu nhập trực tiếp"), .init(key: "numerator", label: "Tử số — chỉ tiêu tỷ lệ"),
        .init(key: "denominator", label: "Mẫu số — chỉ tiêu tỷ lệ"), .init(key: "kind", label: "Cách nhập"),
        .init(key: "status", label: "Trạng thái"),
    ]

    /// Row 1 as written.
    public static var header: [String] { columns.map { "\($0.label) (\($0.key))" } }

    /// Header keys of earlier templates (English headers) and what they are now.
    static let aliases = [
        "indicator name": "indicator_name", "unit": "admin_unit", "unit name": "admin_unit_name", "unit of measure": "unit_of_measure",
    ]

    /// The column's label with its key (`Giá trị — chỉ tiêu nhập trực tiếp (value)`), for messages that point at a cell.
    public static func label(column: Int) -> String? { column < header.count ? header[column] : nil }

    static let statusWords: [ValueStatus: String] = [.draft: "nháp (draft)", .submitted: "đã gửi (submitted)", .approved: "đã duyệt (approved)"]

    public static func make(service: IndicatorService, indicators codes: [String], units: [String], period: Period) async throws -> [UInt8] {
        let catalogue = try await service.catalogue()
        let h = try await service.hierarchy()
        let chosen = codes.isEmpty ? catalogue.values.filter { [.direct, .ratio].contains($0.computation) }.map(\.code).sorted() : codes
        var rows: [[XLSX.Cell]] = [header.map { .text($0) }]
        var validations: [XLSX.Validation] = []
        func number(_ d: Double?) -> XLSX.Cell { d.map(XLSX.Cell.number) ?? .empty }
        var entered: [ValueKey: StoredIndicatorValue] = [:]
        var resolved: [AdminUnit] = []
        for u in units {
            guard let unit = h.resolve(u, on: period.endDate) else { throw InputError("unit '\(u)' does not exist", pointer: "/query/units") }
            resolved.append(unit)
            for v in try await service.store.values(
                indicator: nil, unit: unit.id, period: period.description, statuses: ValueStatus.allCases, limit: 10_000)
            {
                entered[ValueKey(indicator: v.indicator, unit: v.unit, period: v.period)] = v
            }
        }
        for code in chosen {
            guard let i = catalogue[code] else { throw InputError("indicator '\(code)' is not in the catalogue", pointer: "/query/indicators") }
            for unit in resolved {
                let r = rows.count + 1
                let old = entered[ValueKey(indicator: code, unit: unit.id, period: period.description)]
                rows.append([
                    .text(i.code), .text(i.nameVi), .text(unit.id), .text(unit.nameVi), .text(period.description), .text(i.unit),
                    i.isRatio ? .empty : number(old?.value), i.isRatio ? number(old?.numerator) : .empty,
                    i.isRatio ? number(old?.denominator) : .empty,
                    .text(i.isRatio ? "tỷ lệ: điền tử số và mẫu số (ratio)" : "trực tiếp: điền giá trị (direct)"),
                    .text(old.flatMap { statusWords[$0.status] } ?? "chưa có (missing)"),
                ])
                if i.isRatio {
                    validations.append(
                        XLSX.Validation(
                            range: "H\(r):I\(r)", kind: .decimal(min: 0, max: 1e15),
                            error: "Tử số, mẫu số là số không âm. / Numerator and denominator are numbers ≥ 0.",
                            prompt: "Chỉ tiêu tỷ lệ: điền tử số và mẫu số; giá trị = tử số ÷ mẫu số × \(Int((i.factor ?? 1).rounded()))."))
                } else {
                    let lo = i.min ?? -1e15
                    let hi = i.max ?? 1e15
                    validations.append(
                        XLSX.Validation(
                            range: "G\(r)", kind: .decimal(min: lo, max: hi),
                            error:
                                "Giá trị là một số\(i.min != nil || i.max != nil ? " trong khoảng hợp lý" : ""). / The value is a number\(i.min != nil || i.max != nil ? " in the plausible range" : "").",
                            prompt: "Đơn vị tính: \(i.unit)"))
                }
            }
        }
        let notes: [[XLSX.Cell]] = [
            [
                .text(
                    "Mỗi dòng là một chỉ tiêu của một đơn vị hành chính trong kỳ báo cáo. Chỉ tiêu tỷ lệ: điền tử số và mẫu số (giá trị được tính). Chỉ tiêu nhập trực tiếp: điền giá trị. Không sửa các cột mã, kỳ báo cáo và đơn vị tính."
                )
            ],
            [
                .text(
                    "Each row is one indicator of one administrative unit in the period. Ratio indicators: fill in the numerator and denominator (the value is derived). Direct indicators: fill in the value. Keep the codes, the period and the unit of measure as they are."
                )
            ],
            [.text("Giá trị đã duyệt được khóa: gửi lại không thay đổi gì. / Approved values are locked: sending them again changes nothing.")],
        ]
        return Array(
            try XLSX.write([XLSX.Sheet(name: sheetName, rows: rows, validations: validations), XLSX.Sheet(name: "huong_dan", rows: notes)]))
    }

    /// The rows of a filled template; a text where a number belongs is reported with its cell.
    public static func read(_ data: Data, bounds: XLSX.Bounds = XLSX.Bounds()) throws -> [IndicatorValueInput] {
        let sheets = try XLSX.read(data, bounds: bounds)
        guard let sheet = sheets.first(where: { $0.name == sheetName }) ?? sheets.first(where: { $0.name == "values" }) ?? sheets.first else {
            throw XLSX.ReadError(message: "the workbook has no sheet")
        }
        let head = (sheet.rows.first ?? []).map { cell -> String in
            let k = XLSX.headerKey(cell.text ?? "")
            return aliases[k] ?? k
        }
        func col(_ name: String) -> Int? { head.firstIndex(of: name) }
        guard let ci = col("indicator"), let cu = col("admin_unit"), let cp = col("period") else {
            throw XLSX.ReadError(message: "sheet '\(sheet.name)' needs the columns indicator, admin_unit and period in row 1")
        }
        var out: [IndicatorValueInput] = []
        for r in 1..<max(1, sheet.rows.count) {
            let row = sheet.rows[r]
            if row.allSatisfy({ $0 == .empty }) { continue }
            var input = IndicatorValueInput(
                indicator: sheet.cell(r, ci).text, unit: sheet.cell(r, cu).text, period: sheet.cell(r, cp).text, value: nil,
                unitOfMeasure: col("unit_of_measure").flatMap { sheet.cell(r, $0).text },
                origin: "\(sheet.name)!\(XLSX.reference(row: r, column: ci))")
            for (field, name) in [
                ("unitOfMeasure", "unit_of_measure"), ("value", "value"), ("numerator", "numerator"), ("denominator", "denominator"),
            ] {
                if let c = col(name) { input.cells[field] = "\(sheet.name)!\(XLSX.reference(row: r, column: c))" }
            }
            for (name, keyPath) in [("value", \IndicatorValueInput.value), ("numerator", \.numerator), ("denominator", \.denominator)] {
                guard let c = col(name) else { continue }
                switch sheet.cell(r, c) {
                case .number(let d): input[keyPath: keyPath] = d
                case .text(let t):
                    let trimmed = t.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    if let d = Double(trimmed.replacingOccurrences(of: ",", with: ".")) {
                        input[keyPath: keyPath] = d
                    } else {
                        input.origin = "\(sheet.name)!\(XLSX.reference(row: r, column: c))"
                        input.notANumber = (name, t)
                    }
                case .empty: continue
                }
            }
            if input.value == nil && input.numerator == nil && input.denominator == nil && input.notANumber == nil { continue }
            out.append(input)
        }
        return out
    }
}
