import Foundation
import XanhCore

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

/// The XLSX template a department fills: one row per indicator × unit for a period, with the unit of measure to keep.
public enum IndicatorTemplate {
    public static let header = ["indicator", "indicator name", "unit", "unit name", "period", "unit of measure", "value", "numerator", "denominator"]

    public static func make(service: IndicatorService, indicators codes: [String], units: [String], period: Period) async throws -> [UInt8] {
        let catalogue = try await service.catalogue()
        let h = try await service.hierarchy()
        let chosen = codes.isEmpty ? catalogue.values.filter { [.direct, .ratio].contains($0.computation) }.map(\.code).sorted() : codes
        var rows: [[XLSX.Cell]] = [header.map { .text($0) }]
        for code in chosen {
            guard let i = catalogue[code] else { throw InputError("indicator '\(code)' is not in the catalogue", pointer: "/query/indicators") }
            for u in units {
                guard let unit = h.resolve(u, on: period.endDate) else { throw InputError("unit '\(u)' does not exist", pointer: "/query/units") }
                rows.append([
                    .text(i.code), .text(i.nameVi), .text(unit.id), .text(unit.nameVi), .text(period.description), .text(i.unit), .empty, .empty,
                    .empty,
                ])
            }
        }
        let notes: [[XLSX.Cell]] = [
            [.text("Điền cột value; chỉ tiêu tỷ lệ điền numerator và denominator. Không sửa cột unit of measure.")],
            [.text("Fill in value; for ratio indicators fill numerator and denominator. Keep the unit of measure as it is.")],
        ]
        return Array(try XLSX.write([XLSX.Sheet(name: "values", rows: rows), XLSX.Sheet(name: "notes", rows: notes)]))
    }

    /// The rows of a filled template; a text where a number belongs is reported with its cell.
    public static func read(_ data: Data, bounds: XLSX.Bounds = XLSX.Bounds()) throws -> [IndicatorValueInput] {
        let sheets = try XLSX.read(data, bounds: bounds)
        guard let sheet = sheets.first(where: { $0.name == "values" }) ?? sheets.first else {
            throw XLSX.ReadError(message: "the workbook has no sheet")
        }
        let head = (sheet.rows.first ?? []).map { $0.text?.lowercased().trimmingCharacters(in: .whitespaces) ?? "" }
        func col(_ name: String) -> Int? { head.firstIndex(of: name) }
        guard let ci = col("indicator"), let cu = col("unit"), let cp = col("period") else {
            throw XLSX.ReadError(message: "sheet '\(sheet.name)' needs the columns indicator, unit and period in row 1")
        }
        var out: [IndicatorValueInput] = []
        for r in 1..<max(1, sheet.rows.count) {
            let row = sheet.rows[r]
            if row.allSatisfy({ $0 == .empty }) { continue }
            var input = IndicatorValueInput(
                indicator: sheet.cell(r, ci).text, unit: sheet.cell(r, cu).text, period: sheet.cell(r, cp).text, value: nil,
                unitOfMeasure: col("unit of measure").flatMap { sheet.cell(r, $0).text },
                origin: "\(sheet.name)!\(XLSX.reference(row: r, column: ci))")
            for (field, name) in [
                ("unitOfMeasure", "unit of measure"), ("value", "value"), ("numerator", "numerator"), ("denominator", "denominator"),
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
