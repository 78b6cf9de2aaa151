import Foundation
import XanhCore
import XanhStore

/// The progress report of a plan for a period (sơ kết, tổng kết), assembled from the plan, the agencies' progress
/// entries, the computed outcomes and the indicator values: the content `DOCX` and `ReportHTML` lay out.
public struct PlanReport: Sendable {
    let services: AppServices

    public init(services: AppServices) { self.services = services }

    public static let outcomeLabels: [DeadlineOutcome: String] = [
        .completedOnTime: "Hoàn thành đúng hạn", .completedLate: "Hoàn thành quá hạn", .withinDeadline: "Chưa hoàn thành, trong hạn",
        .overdue: "Chưa hoàn thành, quá hạn", .continuous: "Thường xuyên",
    ]

    public static let statusLabels: [ProgressEntry.Status: String] = [
        .met: "Đạt", .onTrack: "Đúng tiến độ", .noProgress: "Chưa có tiến triển", .constrained: "Gặp khó khăn", .noStatus: "Chưa báo cáo",
    ]

    /// `6 tháng đầu năm 2026`, `năm 2026`, `quý III năm 2026`.
    public static func periodLabel(_ p: ReportingPeriod) -> String {
        switch p.kind {
        case .year: return "năm \(p.year)"
        case .nineMonths: return "9 tháng năm \(p.year)"
        case .halfYear: return p.index == 1 ? "6 tháng đầu năm \(p.year)" : "6 tháng cuối năm \(p.year)"
        case .quarter: return "quý \(["I", "II", "III", "IV"][max(0, min(3, p.index - 1))]) năm \(p.year)"
        case .month: return "tháng \(p.index) năm \(p.year)"
        }
    }

    /// The agency's short code for the number (`STNMT-HCM` → `STNMT`).
    static func symbol(_ agency: String) -> String { String(agency.split(separator: "-").first ?? Substring(agency)) }

    static func upper(_ s: String) -> String { s.uppercased(with: Locale(identifier: "vi_VN")) }

    /// "% of target" for the indicator table: the value as a share of the target, inverted for indicators where
    /// lower is better (decision 0016).
    public static func shareOfTarget(_ value: Double?, target: Double, direction: Indicator.Direction) -> Double? {
        guard let v = value, v.isFinite, target.isFinite else { return nil }
        switch direction {
        case .higher: return target == 0 ? nil : v / target * 100
        case .lower: return v == 0 ? nil : target / v * 100
        }
    }

    public func build(plan p: Plan, period key: String, today: CivilDate? = nil) async throws -> ReportDocument {
        guard let period = ReportingPeriod(key) else { throw InputError("period '\(key.prefix(20))' is not a period key", pointer: "period") }
        let plans = services.plans
        let day = today ?? plans.today
        let agencies = Dictionary(try await plans.agencies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ id: String) -> String { agencies[id]?.name ?? id }
        let tasks = try await plans.tasks(of: p, today: day)
        let entries = try await plans.progress(plan: p.id, period: key)
        let byTask = Dictionary(grouping: entries, by: \.task)
        let province = services.reference.provinces.first { $0.code == p.unit }?.nameVi ?? ""
        let standing = agencies[p.standingAgency]
        let header = ReportDocument.Header(
            parent: Self.upper(p.issuer.isEmpty ? "Ủy ban nhân dân \(province)" : p.issuer), issuer: Self.upper(name(p.standingAgency)),
            number: "Số:      /BC-\(Self.symbol(p.standingAgency))", place: province.isEmpty ? "……" : province, date: nil, year: period.year)
        let label = Self.periodLabel(period)
        let kind = period.kind == .year ? "Tổng kết" : "Sơ kết"
        let title = "\(kind) \(label) thực hiện \(p.number) về \(p.title.prefix(1).lowercased() + p.title.dropFirst())"

        var blocks: [ReportDocument.Block] = []
        if p.illustrative {
            blocks.append(
                .note("Dữ liệu minh họa: những gì văn bản công bố không nêu (nhiệm vụ chi tiết, cơ quan, số liệu) là giả định để trình diễn."))
        }
        let counts = Dictionary(grouping: tasks, by: \.outcome).mapValues(\.count)
        blocks.append(.heading("I. KẾT QUẢ THỰC HIỆN", level: 1))
        blocks.append(
            .paragraph(
                "Kế hoạch có \(p.solutionGroups.count) nhóm giải pháp với \(tasks.count) nhiệm vụ. Đến ngày \(day.vietnamese): "
                    + DeadlineOutcome.allCases.map { "\(Self.outcomeLabels[$0] ?? $0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: "; ") + "."))
        for (gi, g) in p.solutionGroups.enumerated() {
            blocks.append(.heading("\(gi + 1). \(g.title)", level: 2))
            let groupTasks = tasks.filter { $0.task.group == g.code }
            if groupTasks.isEmpty { blocks.append(.paragraph("Nhóm giải pháp chưa có nhiệm vụ cụ thể.")) }
            for t in groupTasks {
                let said = (byTask[t.task.code] ?? []).filter { !$0.results.isEmpty }
                    .map { "\(name($0.agency)): \($0.results)" + ($0.percent.map { " (\(ReportDocument.number($0, digits: 0)) %)" } ?? "") }
                blocks.append(
                    .paragraph(
                        "- \(t.task.title) (chủ trì: \(name(t.task.lead))) — \(Self.outcomeLabels[t.outcome] ?? "")"
                            + (said.isEmpty ? "; chưa có báo cáo kết quả trong kỳ." : ". " + said.joined(separator: " "))))
            }
        }
        // Consolidation: what each agency filed for the period under the plan's obligations.
        let filed = try await plans.reports(plan: p.id, period: key, states: [.submitted, .accepted], caller: nil)
        if !filed.isEmpty {
            blocks.append(.heading("\(p.solutionGroups.count + 1). Tổng hợp báo cáo của các cơ quan", level: 2))
            for r in filed {
                let state = r.state == .accepted ? "đã chấp nhận" : "đã gửi, chờ xem xét"
                let text = r.report.nothingToReport ? "không có nội dung phát sinh trong kỳ" : (r.report.sections[ReportOutline.results] ?? "")
                blocks.append(.paragraph("- \(name(r.report.agency)) (\(r.obligationName); \(state)): \(text)"))
            }
        }
        blocks.append(
            .chart(
                ReportDocument.Chart(
                    title: "Tình hình thực hiện nhiệm vụ theo nhóm giải pháp", kind: .bar, categories: p.solutionGroups.map { "Nhóm \($0.code)" },
                    series: [DeadlineOutcome.completedOnTime, .completedLate, .withinDeadline, .overdue].map { o in
                        .init(
                            name: Self.outcomeLabels[o] ?? o.rawValue,
                            values: p.solutionGroups.map { g in Double(tasks.filter { $0.task.group == g.code && $0.outcome == o }.count) })
                    }, valueAxis: "Số nhiệm vụ")))

        blocks.append(.heading("II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", level: 1))
        let difficulties = entries.filter { !$0.difficulties.isEmpty }
        if difficulties.isEmpty { blocks.append(.paragraph("Các cơ quan không nêu tồn tại, hạn chế trong kỳ.")) }
        for e in difficulties { blocks.append(.paragraph("- \(name(e.agency)) (nhiệm vụ \(e.task)): \(e.difficulties)")) }
        let overdue = tasks.filter { $0.outcome == .overdue }
        if !overdue.isEmpty {
            blocks.append(
                .paragraph(
                    "Nhiệm vụ chưa hoàn thành, quá hạn: "
                        + overdue.map { "\($0.task.title) (\(name($0.task.lead)), hạn \($0.deadline?.vietnamese ?? ""))" }.joined(separator: "; ")
                        + "."))
        }

        blocks.append(.heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", level: 1))
        let open = tasks.filter { $0.outcome == .withinDeadline || $0.outcome == .overdue }
        if open.isEmpty { blocks.append(.paragraph("Tiếp tục duy trì các nhiệm vụ thường xuyên.")) }
        for t in open {
            blocks.append(
                .paragraph("- \(name(t.task.lead)) tiếp tục thực hiện: \(t.task.title)" + (t.deadline.map { " (hạn \($0.vietnamese))" } ?? "") + "."))
        }

        blocks.append(.heading("IV. KIẾN NGHỊ, ĐỀ XUẤT", level: 1))
        let proposals = entries.filter { !$0.proposals.isEmpty }
        if proposals.isEmpty { blocks.append(.paragraph("Không có kiến nghị, đề xuất.")) }
        for e in proposals { blocks.append(.paragraph("- \(name(e.agency)): \(e.proposals)")) }

        var annexes: [ReportDocument.Block] = [.pageBreak, .heading("Phụ lục I. BẢNG THEO DÕI NHIỆM VỤ", level: 1)]
        annexes.append(
            .table(
                ReportDocument.Table(
                    columns: ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Tình trạng", "Kết quả"],
                    widths: [7, 26, 15, 15, 13, 11, 13],
                    rows: tasks.map { t in
                        [
                            t.task.code, t.task.title, name(t.task.lead), t.task.coordinating.map(name).joined(separator: "; "),
                            t.deadline?.vietnamese ?? (t.task.schedule == .continuous ? "Thường xuyên" : ""), Self.statusLabels[t.status] ?? "",
                            Self.outcomeLabels[t.outcome] ?? "",
                        ]
                    })))
        let indicatorRows = try await indicatorTable(p, period: period)
        annexes.append(.heading("Phụ lục II. BẢNG CHỈ TIÊU", level: 1))
        annexes.append(
            .table(
                ReportDocument.Table(
                    columns: ["Chỉ tiêu", "Đơn vị tính", "Giá trị gốc", "Mục tiêu", "Thực hiện kỳ này", "Cùng kỳ năm trước", "% mục tiêu"],
                    widths: [28, 10, 13, 13, 12, 12, 12], rows: indicatorRows.map(\.cells))))
        if !indicatorRows.isEmpty {
            annexes.append(
                .chart(
                    ReportDocument.Chart(
                        title: "Chỉ tiêu: thực hiện so với mục tiêu", kind: .bar, categories: indicatorRows.map(\.code),
                        series: [
                            .init(name: "Thực hiện \(period.year)", values: indicatorRows.map(\.actual)),
                            .init(name: "Cùng kỳ \(period.year - 1)", values: indicatorRows.map(\.previous)),
                            .init(name: "Mục tiêu", values: indicatorRows.map(\.target)),
                        ])))
        }
        annexes.append(.note("Số liệu chỉ tiêu lấy từ cơ sở dữ liệu chỉ tiêu của Xanh (giá trị đã gửi và đã duyệt), đến ngày \(day.vietnamese)."))
        let signer = standing?.kind == .department ? "GIÁM ĐỐC" : "THỦ TRƯỞNG CƠ QUAN"
        return ReportDocument(
            header: header, title: title, blocks: blocks, signatureTitle: signer,
            recipients: (p.issuer.isEmpty ? [] : [p.issuer + " (để báo cáo);"]) + ["Các cơ quan chủ trì, phối hợp;", "Lưu: VT."], annexes: annexes)
    }

    struct IndicatorRow {
        var code: String
        var cells: [String]
        var actual: Double?
        var previous: Double?
        var target: Double?
    }

    func indicatorTable(_ p: Plan, period: ReportingPeriod) async throws -> [IndicatorRow] {
        let catalogue = try await services.indicators.catalogue()
        var out: [IndicatorRow] = []
        for t in try await services.plans.targets(of: p) {
            let i = catalogue[t.indicator]
            let values = try await services.indicators.aggregate(t.indicator, catalogue: catalogue)[t.unit] ?? [:]
            let actual = values[String(period.year)]?.value
            let previous = values[String(period.year - 1)]?.value
            let share = Self.shareOfTarget(actual, target: t.targetValue, direction: i?.direction ?? .higher)
            out.append(
                IndicatorRow(
                    code: t.indicator,
                    cells: [
                        i?.nameVi ?? t.indicator, i?.unit ?? "", "\(ReportDocument.number(t.baselineValue)) (\(t.baselineYear))",
                        "\(ReportDocument.number(t.targetValue)) (\(t.targetYear))", ReportDocument.number(actual), ReportDocument.number(previous),
                        share.map { ReportDocument.number($0) + " %" } ?? "–",
                    ], actual: actual, previous: previous, target: t.targetValue))
        }
        return out
    }
}
