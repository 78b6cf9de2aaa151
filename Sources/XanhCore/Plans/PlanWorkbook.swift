import Foundation

/// A plan as a workbook (or a CSV with the same sections), for `xanh plan import` and `GET /api/v1/plans/{id}?format=xlsx`:
/// the sheets `ke_hoach` (the plan, one row), `nhom_giai_phap` (solution groups), `nhiem_vu` (tasks) and `chi_tieu`
/// (target groups and the indicator targets the plan sets). Row 1 holds the headers, each a Vietnamese label with the
/// column's key in parentheses; a reader goes by the key. docs/plan-template.md lists the columns.
public enum PlanWorkbook {
    public struct Column: Sendable {
        public var key: String
        public var label: String
        public init(key: String, label: String) {
            self.key = key
            self.label = label
        }
    }

    static func columns(_ pairs: [(String, String)]) -> [Column] { pairs.map { Column(key: $0.0, label: $0.1) } }

    public static let sheets: [(name: String, columns: [Column])] = [
        (
            "ke_hoach",
            columns([
                ("id", "Mã kế hoạch"), ("number", "Số, ký hiệu"), ("title", "Tên kế hoạch"), ("issuer", "Cơ quan ban hành"),
                ("unit", "Mã đơn vị hành chính"),
                ("signed_on", "Ngày ký"), ("effective_on", "Ngày hiệu lực"), ("from_year", "Từ năm"), ("to_year", "Đến năm"),
                ("implements", "Thực hiện chiến lược, chương trình"), ("standing_agency", "Cơ quan thường trực"),
                ("status", "Trạng thái (draft, in_force, completed, superseded)"), ("document", "Văn bản đã ký"),
                ("links", "Liên kết (cách nhau bởi ;)"),
                ("illustrative", "Minh họa (1/0)"),
            ])
        ),
        ("nhom_giai_phap", columns([("code", "Mã nhóm"), ("title", "Tên nhóm giải pháp")])),
        (
            "nhiem_vu",
            columns([
                ("code", "Mã nhiệm vụ"), ("group", "Mã nhóm giải pháp"), ("title", "Nhiệm vụ"), ("lead", "Cơ quan chủ trì"),
                ("coordinating", "Cơ quan phối hợp (cách nhau bởi ;)"),
                ("schedule", "Thời hạn (YYYY-MM-DD) hoặc yearly, half_yearly, quarterly, monthly, continuous"), ("output", "Sản phẩm"),
                ("budget", "Kinh phí (đồng)"), ("budget_source", "Nguồn kinh phí"), ("indicators", "Chỉ tiêu liên quan (cách nhau bởi ;)"),
                ("illustrative", "Minh họa (1/0)"),
            ])
        ),
        (
            "chi_tieu",
            columns([
                ("group", "Mã nhóm mục tiêu"), ("group_title", "Nhóm mục tiêu"), ("indicator", "Mã chỉ tiêu"), ("unit", "Mã đơn vị hành chính"),
                ("baseline_year", "Năm gốc"), ("baseline_value", "Giá trị gốc"), ("target_year", "Năm mục tiêu"),
                ("target_value", "Giá trị mục tiêu"),
                ("source", "Căn cứ"), ("trajectory", "Lộ trình (năm=giá trị; …)"),
            ])
        ),
    ]

    static func header(_ c: Column) -> String { "\(c.label) (\(c.key))" }

    /// The key of a header cell: the text in its last parentheses, or the whole text.
    static func key(_ header: String) -> String { XLSX.headerKey(header) }

    public static func write(_ p: Plan, targets: [IndicatorTarget]) throws -> Data { try XLSX.write(workbook(p, targets: targets)) }

    public static func workbook(_ p: Plan, targets: [IndicatorTarget]) -> [XLSX.Sheet] {
        func t(_ s: String?) -> XLSX.Cell { s.map { $0.isEmpty ? .empty : .text($0) } ?? .empty }
        func n(_ v: Double?) -> XLSX.Cell { v.map { .number($0) } ?? .empty }
        func i(_ v: Int?) -> XLSX.Cell { v.map { .number(Double($0)) } ?? .empty }
        func b(_ v: Bool) -> XLSX.Cell { .number(v ? 1 : 0) }
        let planRow: [XLSX.Cell] = [
            t(p.id), t(p.number), t(p.title), t(p.issuer), t(p.unit), t(p.signedOn?.description), t(p.effectiveOn?.description), i(p.fromYear),
            i(p.toYear),
            t(p.implements), t(p.standingAgency), t(p.status.rawValue), t(p.document), t(p.links.joined(separator: ";")), b(p.illustrative),
        ]
        let groups = p.solutionGroups.map { [t($0.code), t($0.title)] }
        let tasks = p.tasks.map { k -> [XLSX.Cell] in
            [
                t(k.code), t(k.group), t(k.title), t(k.lead), t(k.coordinating.joined(separator: ";")), t(k.schedule.text), t(k.output),
                k.budget.map { .number(Double($0)) } ?? .empty, t(k.budgetSource), t(k.indicators.joined(separator: ";")), b(k.illustrative),
            ]
        }
        var targetRows: [[XLSX.Cell]] = []
        for g in p.targetGroups {
            if g.targets.isEmpty { targetRows.append([t(g.code), t(g.title)]) }
            for ref in g.targets {
                let target = targets.first { $0.indicator == ref.indicator && $0.unit == ref.unit && $0.targetYear == ref.targetYear }
                targetRows.append([
                    t(g.code), t(g.title), t(ref.indicator), t(ref.unit), i(target?.baselineYear), n(target?.baselineValue), i(ref.targetYear),
                    n(target?.targetValue), t(target?.source),
                    t(target?.trajectory.map { tr in tr.keys.sorted().map { k in "\(k)=\(DOCX.number(tr[k] ?? 0))" }.joined(separator: ";") }),
                ])
            }
        }
        let bodies = [[planRow], groups, tasks, targetRows]
        return zip(sheets, bodies).map { s, rows in XLSX.Sheet(name: s.name, rows: [s.columns.map { .text(header($0)) }] + rows) }
    }

    /// A CSV of the same sections: a line `[ke_hoach]`, its header line and rows, then `[nhom_giai_phap]` and so on.
    public static func csv(_ p: Plan, targets: [IndicatorTarget]) -> String {
        workbook(p, targets: targets).map { s in
            CSV.line(["[\(s.name)]"]) + "\r\n"
                + s.rows.map { row in CSV.line(row.map { c in c.text ?? "" }) }.joined(separator: "\r\n")
        }.joined(separator: "\r\n") + "\r\n"
    }

    /// The sections of a CSV as sheets; the origin of a cell is then `line N`.
    public static func sheets(csv text: String) throws -> (sheets: [XLSX.Sheet], lines: [String: [Int]]) {
        var out: [XLSX.Sheet] = []
        var lines: [String: [Int]] = [:]
        for r in CSV.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text) {
            let first = r.fields.first?.trimmingCharacters(in: .whitespaces) ?? ""
            if first.hasPrefix("["), first.hasSuffix("]"), r.fields.dropFirst().allSatisfy({ $0.isEmpty }) {
                let name = String(first.dropFirst().dropLast())
                out.append(XLSX.Sheet(name: name, rows: []))
                lines[name] = []
                continue
            }
            guard var s = out.popLast() else { throw XLSX.ReadError(message: "line \(r.line): a section starts with a line such as [ke_hoach]") }
            if r.fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                out.append(s)
                continue
            }
            s.rows.append(r.fields.map { $0.isEmpty ? .empty : .text(CSV.restored($0)) })
            lines[s.name, default: []].append(r.line)
            out.append(s)
        }
        return (out, lines)
    }

    /// Reads a plan and the targets it sets. Every problem names its cell; `cells` maps the plan's field paths
    /// (`tasks[3].lead`) to their cells, so that later checks name cells too.
    public static func read(
        _ sheets: [XLSX.Sheet], lines: [String: [Int]]? = nil
    ) -> Result<(plan: Plan, targets: [IndicatorTarget], cells: [String: String]), RowProblems> {
        var problems: [(origin: String, message: String)] = []
        var cells: [String: String] = [:]
        func origin(_ sheet: String, _ row: Int, _ column: Int) -> String {
            if let lines, let l = lines[sheet], row < l.count { return "\(sheet) line \(l[row]) (column \(column + 1))" }
            return "\(sheet)!\(XLSX.reference(row: row, column: column))"
        }
        struct Rows {
            var sheet: XLSX.Sheet
            var columns: [String: Int]
        }
        var found: [String: Rows] = [:]
        for (name, columns) in Self.sheets {
            guard let s = sheets.first(where: { $0.name == name }) else {
                if name != "chi_tieu" { problems.append((name, "the sheet '\(name)' is missing")) }
                continue
            }
            let head = (s.rows.first ?? []).map { key($0.text ?? "") }
            var map: [String: Int] = [:]
            for (i, k) in head.enumerated() where !k.isEmpty { map[k] = i }
            for c in columns where map[c.key] == nil { problems.append(("\(name)!1", "column '\(c.key)' is missing from row 1")) }
            found[name] = Rows(sheet: s, columns: map)
        }
        guard problems.isEmpty else { return .failure(RowProblems(problems)) }
        func rows(_ name: String) -> [Int] {
            guard let s = found[name]?.sheet else { return [] }
            return (1..<max(1, s.rows.count)).filter { r in !s.rows[r].allSatisfy { ($0.text ?? "").trimmingCharacters(in: .whitespaces).isEmpty } }
        }
        func text(_ name: String, _ r: Int, _ k: String) -> String {
            guard let s = found[name], let c = s.columns[k] else { return "" }
            return s.sheet.cell(r, c).text?.trimmingCharacters(in: .whitespaces) ?? ""
        }
        func at(_ name: String, _ r: Int, _ k: String) -> String { origin(name, r, found[name]?.columns[k] ?? 0) }
        func number(_ name: String, _ r: Int, _ k: String, required: Bool) -> Double? {
            guard let s = found[name], let c = s.columns[k] else { return nil }
            switch s.sheet.cell(r, c) {
            case .number(let d) where d.isFinite: return d
            case .text(let t) where !t.trimmingCharacters(in: .whitespaces).isEmpty:
                if let d = Double(t.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")), d.isFinite { return d }
                problems.append((at(name, r, k), "\(k): '\(t.prefix(40))' is not a number"))
                return nil
            default:
                if required { problems.append((at(name, r, k), "\(k) is empty")) }
                return nil
            }
        }
        func integer(_ name: String, _ r: Int, _ k: String, required: Bool) -> Int? {
            guard let d = number(name, r, k, required: required) else { return nil }
            guard d == d.rounded(), abs(d) < 9e15, let v = Int(exactly: d) else {
                problems.append((at(name, r, k), "\(k): \(d) is not a whole number"))
                return nil
            }
            return v
        }
        func list(_ s: String) -> [String] { s.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        func flag(_ name: String, _ r: Int) -> Bool { ["1", "1.0", "x", "có", "true", "yes"].contains(text(name, r, "illustrative").lowercased()) }

        let planRows = rows("ke_hoach")
        guard let pr = planRows.first else { return .failure(RowProblems([("ke_hoach!A2", "the plan row is empty")])) }
        if planRows.count > 1 { problems.append((origin("ke_hoach", planRows[1], 0), "the sheet holds one plan; this row is a second")) }
        func date(_ k: String) -> CivilDate? {
            let t = text("ke_hoach", pr, k)
            if t.isEmpty { return nil }
            guard let d = CivilDate(t) else {
                problems.append((at("ke_hoach", pr, k), "\(k): '\(t.prefix(20))' is not a date (YYYY-MM-DD)"))
                return nil
            }
            return d
        }
        let statusText = text("ke_hoach", pr, "status")
        let status = statusText.isEmpty ? .inForce : Plan.Status(rawValue: statusText)
        if status == nil {
            problems.append((at("ke_hoach", pr, "status"), "status '\(statusText.prefix(20))' is not draft, in_force, completed or superseded"))
        }
        var plan = Plan(
            id: text("ke_hoach", pr, "id"), number: text("ke_hoach", pr, "number"), title: text("ke_hoach", pr, "title"),
            issuer: text("ke_hoach", pr, "issuer"),
            unit: text("ke_hoach", pr, "unit").isEmpty ? nil : text("ke_hoach", pr, "unit"), signedOn: date("signed_on"),
            effectiveOn: date("effective_on"),
            fromYear: integer("ke_hoach", pr, "from_year", required: true) ?? 0, toYear: integer("ke_hoach", pr, "to_year", required: true) ?? 0,
            implements: text("ke_hoach", pr, "implements"), standingAgency: text("ke_hoach", pr, "standing_agency"), status: status ?? .inForce,
            document: text("ke_hoach", pr, "document").isEmpty ? nil : text("ke_hoach", pr, "document"), links: list(text("ke_hoach", pr, "links")),
            illustrative: flag("ke_hoach", pr))
        for (field, key) in [
            ("id", "id"), ("number", "number"), ("title", "title"), ("toYear", "to_year"), ("standingAgency", "standing_agency"),
        ] {
            cells[field] = at("ke_hoach", pr, key)
        }
        for (i, r) in rows("nhom_giai_phap").enumerated() {
            plan.solutionGroups.append(SolutionGroup(code: text("nhom_giai_phap", r, "code"), title: text("nhom_giai_phap", r, "title")))
            cells["solutionGroups[\(i)].code"] = at("nhom_giai_phap", r, "code")
        }
        for (i, r) in rows("nhiem_vu").enumerated() {
            let s = text("nhiem_vu", r, "schedule")
            let schedule = TaskSchedule(s)
            if schedule == nil {
                problems.append((at("nhiem_vu", r, "schedule"), "schedule '\(s.prefix(30))' is not a date (YYYY-MM-DD) or a recurrence"))
            }
            var budget: Int64?
            if let v = integer("nhiem_vu", r, "budget", required: false) { budget = Int64(exactly: v) }
            plan.tasks.append(
                PlanTask(
                    code: text("nhiem_vu", r, "code"), group: text("nhiem_vu", r, "group"), title: text("nhiem_vu", r, "title"),
                    lead: text("nhiem_vu", r, "lead"),
                    coordinating: list(text("nhiem_vu", r, "coordinating")), schedule: schedule ?? .continuous, output: text("nhiem_vu", r, "output"),
                    budget: budget, budgetSource: text("nhiem_vu", r, "budget_source").isEmpty ? nil : text("nhiem_vu", r, "budget_source"),
                    indicators: list(text("nhiem_vu", r, "indicators")), illustrative: flag("nhiem_vu", r)))
            for (field, key) in [
                ("code", "code"), ("group", "group"), ("title", "title"), ("lead", "lead"), ("coordinating", "coordinating"), ("budget", "budget"),
                ("indicators", "indicators"),
            ] {
                cells["tasks[\(i)].\(field)"] = at("nhiem_vu", r, key)
            }
        }
        var targets: [IndicatorTarget] = []
        for r in rows("chi_tieu") {
            let code = text("chi_tieu", r, "group")
            if plan.targetGroups.last?.code != code || plan.targetGroups.isEmpty {
                if let existing = plan.targetGroups.firstIndex(where: { $0.code == code }), existing != plan.targetGroups.count - 1 {
                    problems.append((at("chi_tieu", r, "group"), "rows of target group '\(code)' are not together"))
                }
                plan.targetGroups.append(TargetGroup(code: code, title: text("chi_tieu", r, "group_title")))
                cells["targetGroups[\(plan.targetGroups.count - 1)].code"] = at("chi_tieu", r, "group")
            }
            let indicator = text("chi_tieu", r, "indicator")
            if indicator.isEmpty { continue }
            let unit = text("chi_tieu", r, "unit")
            guard let targetYear = integer("chi_tieu", r, "target_year", required: true),
                let targetValue = number("chi_tieu", r, "target_value", required: true),
                let baselineYear = integer("chi_tieu", r, "baseline_year", required: true),
                let baselineValue = number("chi_tieu", r, "baseline_value", required: true)
            else { continue }
            if unit.isEmpty { problems.append((at("chi_tieu", r, "unit"), "unit is empty")) }
            plan.targetGroups[plan.targetGroups.count - 1].targets.append(TargetRef(indicator: indicator, unit: unit, targetYear: targetYear))
            let source = text("chi_tieu", r, "source")
            var trajectory: [String: Double] = [:]
            for pair in list(text("chi_tieu", r, "trajectory")) {
                let kv = pair.split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2, let y = Int(kv[0]), (1990...2100).contains(y), let v = Double(kv[1].replacingOccurrences(of: ",", with: ".")),
                    v.isFinite
                else {
                    problems.append((at("chi_tieu", r, "trajectory"), "'\(pair.prefix(30))' is not year=value"))
                    continue
                }
                trajectory[String(y)] = v
            }
            targets.append(
                IndicatorTarget(
                    indicator: indicator, unit: unit, targetYear: targetYear, targetValue: targetValue, baselineYear: baselineYear,
                    baselineValue: baselineValue,
                    source: source.isEmpty ? plan.number : source, trajectory: trajectory.isEmpty ? nil : trajectory))
            cells["targets[\(targets.count - 1)].indicator"] = at("chi_tieu", r, "indicator")
        }
        return problems.isEmpty ? .success((plan, targets, cells)) : .failure(RowProblems(problems))
    }
}
