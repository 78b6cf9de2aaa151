import XanhCore
import XanhStore

/// Loads the demo plans into a database with none: agencies, the four plans, their obligations, a year of progress
/// and reports in every state, moved through the same rules the API applies.
public enum DemoPlanLoader {
    public static func load(services: AppServices) async throws -> Int {
        let plans = services.plans
        guard try await services.store.plans().isEmpty else { return 0 }
        let today = plans.today
        let demo = DemoPlans.make(year: today.year)
        try await plans.saveAgencies(demo.agencies)
        for p in demo.plans { try await plans.savePlan(p, targets: demo.targets.filter { $0.unit == p.unit }) }
        for o in demo.obligations { try await plans.saveObligation(o) }
        let now = services.clock()
        try await services.store.upsertProgress(
            demo.entries.map {
                var e = $0
                e.updatedAt = now
                return e
            })
        let demoCaller = Caller(name: "demo", role: Role.admin.rawValue)
        func move(_ id: String, _ steps: [(ReportAction, String?)]) async throws {
            for (action, note) in steps {
                let text = "Báo cáo minh họa: đơn vị đã thực hiện các nhiệm vụ được giao trong kỳ theo kế hoạch."
                _ = try await plans.act(
                    action, report: id, sections: action == .submit ? [ReportOutline.results: text] : nil, note: note, caller: demoCaller)
            }
        }
        let accept: [(ReportAction, String?)] = [(.submit, nil), (.accept, nil)]
        let h1 = "\(today.year)-H1"
        for r in try await plans.reports(caller: nil) {
            switch (r.report.obligation, r.report.period, r.report.agency) {
            case ("HCM-PRP-MID", h1, "SXD-HCM"), ("HP-78-HALF", h1, "STNMT-HP"), ("HP-78-HALF", h1, "SXD-HP"): try await move(r.report.id, accept)
            case ("HCM-PRP-MID", h1, "SCT-HCM"):
                try await move(r.report.id, [(.submit, nil), (.sendBack, "Đề nghị bổ sung số liệu kiểm tra cơ sở sản xuất hóa chất quý II.")])
            case ("HCM-PRP-MID", h1, "STC-HCM"), ("HP-78-HALF", h1, "SCT-HP"): try await move(r.report.id, [(.submit, nil)])
            case ("HP-78-HALF", h1, "SKHCN-HP"):
                _ = try await plans.act(.submit, report: r.report.id, nothingToReport: true, caller: demoCaller)
            case ("HCM-PRP-MID", h1, _), ("HP-78-HALF", h1, _):
                continue  // left overdue
            default:
                // Earlier periods were filed and accepted; the current ones stay as the calendar makes them.
                if r.state == .overdue { try await move(r.report.id, accept) }
            }
        }
        return demo.entries.count
    }
}
