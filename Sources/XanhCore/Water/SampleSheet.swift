import Foundation

/// Water samples as laboratories hand them in: one row per measured value, in a CSV file or the XLSX template (sheet
/// `mau_nuoc`, headers "Vietnamese label (key)"; the keys alone also do). Rows of the same station and time are one
/// sample. Every problem names its row and column (`mau_nuoc!G7`, `line 7, value`), in English and Vietnamese.
public enum SampleSheet {
    public static let sheetName = "mau_nuoc"
    public static let columns: [(key: String, vi: String)] = [
        ("station", "Mã trạm, điểm lấy mẫu"), ("time", "Thời điểm lấy mẫu (yyyy-mm-dd hh:mm, giờ Việt Nam)"), ("campaign", "Đợt quan trắc"),
        ("laboratory", "Phòng thí nghiệm"), ("accreditation", "Mã VIMCERTS"), ("parameter", "Thông số"),
        ("value", "Kết quả (số, hoặc < giới hạn phát hiện)"), ("unit", "Đơn vị"), ("method", "Phương pháp"),
    ]
    static let required = ["station", "time", "parameter", "value"]

    /// The template: the sample sheet with its headers, a list of parameters to choose from, and a sheet naming each
    /// parameter with its unit; `examples` fills the first rows (the demo's or the caller's stations).
    public static func template(parameters: WaterParameters, stations: [String]) throws -> Data {
        var head = XLSX.Sheet(name: sheetName, rows: [columns.map { .text("\($0.vi) (\($0.key))") }])
        let codes = parameters.parameters.map(\.code)
        head.validations = [
            XLSX.Validation(
                range: "F2:F5000", kind: .list(codes.count <= 30 ? codes : Array(codes.prefix(30))),
                error: "Chọn một thông số trong danh sách (sheet thong_so)."),
            XLSX.Validation(range: "A2:A5000", kind: .list(Array(stations.prefix(30))), error: "Mã trạm hoặc điểm lấy mẫu đã đăng ký."),
        ].filter { v in if case .list(let items) = v.kind { return !items.isEmpty } else { return true } }
        var list = XLSX.Sheet(name: "thong_so", rows: [[.text("Thông số (parameter)"), .text("Tên"), .text("Name"), .text("Đơn vị (unit)")]])
        for p in parameters.parameters { list.rows.append([.text(p.code), .text(p.nameVi), .text(p.nameEn), .text(p.unit)]) }
        return try XLSX.write([head, list])
    }

    /// One row as read: its fields by key, and where it came from (for problems).
    public struct Row: Sendable, Equatable {
        public var fields: [String: String]
        /// Where each field is (`mau_nuoc!G7`, `line 7, value`).
        public var origins: [String: String]
        public var origin: String
    }

    public static func rows(xlsx data: Data, bounds: XLSX.Bounds) throws -> [Row] {
        let sheets = try XLSX.read(data, bounds: bounds)
        guard let sheet = sheets.first(where: { $0.name == sheetName }) ?? sheets.first else {
            throw XLSX.ReadError(message: "the workbook has no sheet")
        }
        let head = (sheet.rows.first ?? []).map { XLSX.headerKey($0.text ?? "") }
        try check(head, where: "sheet '\(sheet.name)' row 1")
        var out: [Row] = []
        for r in 1..<max(1, sheet.rows.count) where !sheet.rows[r].allSatisfy({ $0 == .empty }) {
            var row = Row(fields: [:], origins: [:], origin: "\(sheet.name)!A\(r + 1)")
            for (c, key) in head.enumerated() where columns.contains(where: { $0.key == key }) {
                let cell = sheet.cell(r, c)
                // A time typed into Excel is a day number; anything else is read as its text.
                if key == "time", case .number(let serial) = cell, let t = excelLocalTime(serial) {
                    row.fields[key] = Timestamps.format(t)
                } else if let text = cell.text, !text.isEmpty {
                    row.fields[key] = text
                }
                row.origins[key] = "\(sheet.name)!\(XLSX.reference(row: r, column: c))"
            }
            out.append(row)
        }
        return out
    }

    public static func rows(csv text: String, file: String = "CSV") throws -> [Row] {
        let records = CSV.parse(text)
        guard let first = records.first else { return [] }
        let head = first.fields.map { XLSX.headerKey($0.trimmingCharacters(in: .whitespaces)) }
        try check(head, where: "\(file) line 1")
        return records.dropFirst().filter { !$0.fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }.map { rec in
            var row = Row(fields: [:], origins: [:], origin: "\(file) line \(rec.line)")
            for (c, key) in head.enumerated() where c < rec.fields.count && columns.contains(where: { $0.key == key }) {
                let v = CSV.restored(rec.fields[c].trimmingCharacters(in: .whitespaces))
                if !v.isEmpty { row.fields[key] = v }
                row.origins[key] = "\(file) line \(rec.line), \(key)"
            }
            return row
        }
    }

    static func check(_ head: [String], where place: String) throws {
        let missing = required.filter { !head.contains($0) }
        guard missing.isEmpty else {
            throw XLSX.ReadError(
                message: "\(place) needs the columns \(missing.joined(separator: ", ")) (headers like 'Thông số (parameter)', or the keys alone)")
        }
    }

    /// Excel's day number (days since 1899-12-30, local time) as UTC seconds; nil outside 1990–2100.
    static func excelLocalTime(_ serial: Double) -> Int64? {
        guard serial.isFinite, serial > 32_874, serial < 73_051 else { return nil }
        let seconds = ((serial - 25_569) * 86_400).rounded()
        return Int64(seconds) - Timestamps.vietnamOffset
    }

    /// A time as laboratories write it: ISO 8601 with its offset, or `yyyy-mm-dd hh:mm` (or `dd/mm/yyyy hh:mm`) in
    /// Vietnam's time.
    public static func time(_ text: String) -> Int64? {
        if let t = try? Timestamps.parseISO8601(text) { return t }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
        guard let day = parts.first else { return nil }
        var ymd: [Int64] = day.split(separator: "-").compactMap { Int64($0) }
        if ymd.count != 3 {
            let dmy = day.split(separator: "/").compactMap { Int64($0) }
            guard dmy.count == 3 else { return nil }
            ymd = [dmy[2], dmy[1], dmy[0]]
        }
        let hm = parts.count > 1 ? parts[1].split(separator: ":").compactMap { Int64($0) } : [0, 0]
        guard ymd.count == 3, (1990...2100).contains(ymd[0]), (1...12).contains(ymd[1]), ymd[2] >= 1,
            ymd[2] <= Timestamps.daysInMonth(ymd[0], ymd[1]), hm.count >= 2, (0...23).contains(hm[0]), (0...59).contains(hm[1])
        else { return nil }
        return Timestamps.daysFromCivil(year: ymd[0], month: ymd[1], day: ymd[2]) * Timestamps.day + hm[0] * 3600 + hm[1] * 60
            - Timestamps.vietnamOffset
    }

    /// A sample read from rows, with the row each of its values came from (value i from `rows[i]`).
    public struct Read: Sendable {
        public var sample: Sample
        public var rows: [Row]
    }

    /// The rows as samples, grouped by station and time in the order they first appear; or every row's problem.
    public static func samples(_ rows: [Row]) -> Result<[Read], RowProblems> {
        var problems: [(origin: String, phrase: Phrase)] = []
        var order: [String] = []
        var byKey: [String: Read] = [:]
        for row in rows.prefix(100_000) {
            func at(_ key: String) -> String { row.origins[key] ?? row.origin }
            var missing = false
            for key in required where row.fields[key] == nil {
                problems.append((at(key), Phrase(en: "\(key) is empty", vi: "thiếu \(columns.first { $0.key == key }?.vi ?? key)")))
                missing = true
            }
            guard !missing, let station = row.fields["station"], let text = row.fields["time"], let parameter = row.fields["parameter"],
                let raw = row.fields["value"]
            else { continue }
            guard let t = time(text) else {
                problems.append(
                    (
                        at("time"),
                        Phrase(
                            en: "'\(text.prefix(40))' is not a time (yyyy-mm-dd hh:mm)",
                            vi: "'\(text.prefix(40))' không phải thời điểm (yyyy-mm-dd hh:mm)")
                    ))
                continue
            }
            var value = SampleValue(parameter: parameter, value: nil, unit: row.fields["unit"] ?? "", method: row.fields["method"])
            if let lod = SampleText.belowLimit(raw) {
                value.belowDetection = true
                value.detectionLimit = lod
            } else if let x = Double(raw.replacingOccurrences(of: ",", with: ".")), x.isFinite {
                value.value = x
            } else {
                problems.append(
                    (
                        at("value"),
                        Phrase(en: "'\(raw.prefix(40))' is not a number or '< limit'", vi: "'\(raw.prefix(40))' không phải là số hoặc '< giới hạn'")
                    ))
                continue
            }
            let key = "\(station)~\(t)"
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = Read(
                    sample: Sample(
                        station: station, time: t, campaign: row.fields["campaign"], laboratory: row.fields["laboratory"],
                        accreditation: row.fields["accreditation"], values: []), rows: [])
            }
            byKey[key]?.sample.values.append(value)
            byKey[key]?.rows.append(row)
        }
        guard problems.isEmpty else { return .failure(RowProblems(phrases: Array(problems.prefix(100)))) }
        return .success(order.compactMap { byKey[$0] })
    }
}
