import Foundation

/// The four plans the project starts from (reference `plans-and-reports.md` §1), their agencies, obligations and a
/// year of progress. What the announcements say is kept as they say it; everything else (task wording beyond the
/// announcement, agencies' assignments, deadlines, progress) is illustrative and marked so, in the data and on the
/// page. Dates move with `year` (the demo's current year) so the states stay alive.
public enum DemoPlans {
    public struct Contents: Sendable {
        public var agencies: [Agency]
        public var plans: [Plan]
        public var targets: [IndicatorTarget]
        public var obligations: [ReportingObligation]
        public var entries: [ProgressEntry]
    }

    static func d(_ y: Int, _ m: Int, _ day: Int) -> CivilDate { CivilDate(year: y, month: m, day: day) ?? .epoch }

    static func agency(_ id: String, _ name: String, _ kind: Agency.Kind, unit: String, parent: String?) -> Agency {
        Agency(id: id, name: name, kind: kind, unit: unit, parent: parent, emails: ["\(id.lowercased())@demo.xanh.invalid"])
    }

    public static func make(year y: Int) -> Contents {
        var agencies: [Agency] = []
        for (code, unit, place) in [
            ("HP", "31", "Hải Phòng"), ("HCM", "79", "Thành phố Hồ Chí Minh"), ("LS", "20", "Lạng Sơn"), ("HN", "01", "Hà Nội"),
        ] {
            let committee = "UBND-\(code)"
            let cityOrProvince = code == "LS" ? "tỉnh \(place)" : (code == "HCM" ? place : "thành phố \(place)")
            agencies.append(agency(committee, "Ủy ban nhân dân \(cityOrProvince)", .provincialCommittee, unit: unit, parent: nil))
            for (short, name) in [
                ("STNMT", "Sở Nông nghiệp và Môi trường"), ("SCT", "Sở Công Thương"), ("SXD", "Sở Xây dựng"), ("STC", "Sở Tài chính"),
                ("SKHCN", "Sở Khoa học và Công nghệ"),
            ] {
                agencies.append(agency("\(short)-\(code)", "\(name) \(place)", .department, unit: unit, parent: committee))
            }
        }
        agencies.append(agency("BQLKKT-HP", "Ban Quản lý Khu kinh tế Hải Phòng", .industrialZoneBoard, unit: "31", parent: "UBND-HP"))
        agencies.append(agency("UBND-P-SAIGON", "Ủy ban nhân dân phường Sài Gòn", .communeCommittee, unit: "79", parent: "UBND-HCM"))

        func task(
            _ code: String, _ group: String, _ title: String, _ lead: String, _ coordinating: [String] = [], _ s: TaskSchedule, output: String = "",
            budget: Int64? = nil, source: String? = nil, indicators: [String] = []
        ) -> PlanTask {
            PlanTask(
                code: code, group: group, title: title, lead: lead, coordinating: coordinating, schedule: s, output: output, budget: budget,
                budgetSource: source, indicators: indicators, illustrative: true)
        }

        let hp = Plan(
            id: "HP-78-2023", number: "78/KH-UBND",
            title: "Kế hoạch thực hiện Chiến lược bảo vệ môi trường quốc gia đến năm 2030, tầm nhìn đến năm 2050 trên địa bàn thành phố Hải Phòng",
            issuer: "Ủy ban nhân dân thành phố Hải Phòng", unit: "31", signedOn: d(2023, 3, 9), effectiveOn: d(2023, 3, 9), fromYear: 2023,
            toYear: 2030,
            implements: "Chiến lược bảo vệ môi trường quốc gia đến năm 2030, tầm nhìn đến năm 2050 (Quyết định 450/QĐ-TTg)",
            standingAgency: "STNMT-HP",
            illustrative: true,
            solutionGroups: [
                SolutionGroup(code: "1", title: "Phòng ngừa, kiểm soát ô nhiễm và sự cố môi trường"),
                SolutionGroup(code: "2", title: "Xử lý điểm nóng, cải tạo và phục hồi môi trường"),
                SolutionGroup(code: "3", title: "Bảo tồn đa dạng sinh học"),
                SolutionGroup(code: "4", title: "Bảo vệ môi trường trong khai thác, sử dụng tài nguyên"),
                SolutionGroup(code: "5", title: "Thích ứng với biến đổi khí hậu, giảm phát thải khí nhà kính"),
                SolutionGroup(code: "6", title: "Khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số"),
                SolutionGroup(code: "7", title: "Lồng ghép vào kế hoạch phát triển kinh tế - xã hội"),
            ],
            tasks: [
                task("1.1", "1", "Kiểm soát các nguồn thải lớn; quan trắc tự động nước thải, khí thải", "STNMT-HP", ["BQLKKT-HP"], .recurring(.year)),
                task(
                    "2.1", "2", "Cải tạo, phục hồi các khu vực ô nhiễm môi trường tồn lưu", "STNMT-HP", ["SXD-HP"], .once(d(y, 6, 30)),
                    output: "Báo cáo kết quả cải tạo"),
                task("3.1", "3", "Điều tra, bảo tồn đa dạng sinh học vùng ven biển", "STNMT-HP", [], .continuous),
                task("4.1", "4", "Kiểm soát môi trường trong khai thác khoáng sản, vật liệu xây dựng", "SXD-HP", ["STNMT-HP"], .once(d(y, 9, 30))),
                task("5.1", "5", "Kiểm kê khí nhà kính cấp thành phố", "STNMT-HP", ["SCT-HP"], .once(d(y, 10, 31)), output: "Báo cáo kiểm kê"),
                task(
                    "6.1", "6", "Hoàn thiện mạng lưới quan trắc môi trường tự động", "STNMT-HP", ["SKHCN-HP"], .once(d(y + 1, 12, 31)),
                    budget: 45_000_000_000, source: "Ngân sách thành phố"),
                task(
                    "6.2", "6", "Cơ sở dữ liệu môi trường; hệ thống thông tin, báo cáo kết nối liên thông các cấp, các ngành", "STNMT-HP",
                    ["SKHCN-HP"], .once(d(y, 12, 31)), output: "Hệ thống thông tin"),
                task("6.3", "6", "Dịch vụ công trực tuyến về môi trường; ứng dụng viễn thám", "STNMT-HP", ["SKHCN-HP"], .once(d(y, 6, 30))),
                task(
                    "7.1", "7", "Lồng ghép nhiệm vụ bảo vệ môi trường vào kế hoạch phát triển kinh tế - xã hội của các sở, ngành", "STC-HP", [],
                    .continuous),
            ],
            targetGroups: [
                TargetGroup(
                    code: "A", title: "Thu gom, xử lý chất thải và nước thải",
                    targets: [
                        TargetRef(indicator: "QD1658.WW-URBAN", unit: "31", targetYear: 2030),
                        TargetRef(indicator: "HP.MSW-RURAL", unit: "31", targetYear: 2030),
                    ])
            ])

        let hcm = Plan(
            id: "HCM-PRP-2023", number: "1200/QĐ-UBND",
            title: "Kế hoạch thực hiện Chương trình giảm ô nhiễm môi trường giai đoạn 2020 - 2030 năm 2023",
            issuer: "Ủy ban nhân dân Thành phố Hồ Chí Minh", unit: "79", signedOn: d(2023, 4, 4), effectiveOn: d(2023, 4, 4), fromYear: 2023,
            toYear: 2030,
            implements: "Chương trình giảm ô nhiễm môi trường giai đoạn 2020 - 2030", standingAgency: "STNMT-HCM", illustrative: true,
            solutionGroups: [
                SolutionGroup(code: "1", title: "Nâng cao nhận thức và phối hợp"),
                SolutionGroup(code: "2", title: "Chính sách thu hút đầu tư vào lĩnh vực môi trường"),
                SolutionGroup(code: "3", title: "Năng lực quản lý, tổ chức bộ máy, thanh tra, kiểm tra"),
                SolutionGroup(code: "4", title: "Công nghệ cao, giảm thiểu chất thải, điện rác và công trình"),
                SolutionGroup(code: "5", title: "Hợp tác vùng và quốc tế"),
            ],
            tasks: [
                task("1.1", "1", "Tuyên truyền phân loại chất thải rắn sinh hoạt tại nguồn", "STNMT-HCM", ["UBND-P-SAIGON"], .recurring(.year)),
                task(
                    "2.1", "2", "Cơ chế, chính sách thu hút đầu tư xã hội hóa vào xử lý chất thải", "STC-HCM", ["STNMT-HCM"], .once(d(y, 9, 30)),
                    output: "Dự thảo nghị quyết"),
                task(
                    "3.1", "3", "Thanh tra, kiểm tra cơ sở có nguy cơ gây ô nhiễm môi trường", "STNMT-HCM", ["SCT-HCM", "UBND-P-SAIGON"],
                    .recurring(.quarter)),
                task(
                    "4.1", "4", "Đầu tư nhà máy đốt chất thải rắn phát điện", "SXD-HCM", ["STNMT-HCM", "STC-HCM"], .once(d(y + 2, 12, 31)),
                    budget: 2_500_000_000_000, source: "Xã hội hóa"),
                task("4.2", "4", "Giảm thiểu chất thải nhựa trong siêu thị, chợ", "SCT-HCM", [], .once(d(y, 6, 30))),
                task("5.1", "5", "Hợp tác với các tỉnh vùng Đông Nam Bộ về kiểm soát ô nhiễm liên vùng", "STNMT-HCM", [], .continuous),
            ],
            targetGroups: [
                TargetGroup(code: "A", title: "Chất thải rắn", targets: [TargetRef(indicator: "QD1658.MSW-URBAN", unit: "79", targetYear: 2030)]),
                TargetGroup(code: "B", title: "Nước thải", targets: [TargetRef(indicator: "QD1658.WW-URBAN", unit: "79", targetYear: 2030)]),
                TargetGroup(code: "C", title: "Chất lượng không khí"),
            ])

        let ls = Plan(
            id: "LS-172-2023", number: "172/KH-UBND",
            title: "Kế hoạch thực hiện Kế hoạch hành động quốc gia về tăng trưởng xanh giai đoạn 2021 - 2030 trên địa bàn tỉnh Lạng Sơn",
            issuer: "Ủy ban nhân dân tỉnh Lạng Sơn", unit: "20", signedOn: d(2023, 8, 11), effectiveOn: d(2023, 8, 11), fromYear: 2023, toYear: 2030,
            implements: "Chiến lược quốc gia về tăng trưởng xanh giai đoạn 2021 - 2030", standingAgency: "STC-LS", illustrative: true,
            solutionGroups: [
                SolutionGroup(code: "1", title: "Lồng ghép tăng trưởng xanh vào quy hoạch, kế hoạch"),
                SolutionGroup(code: "2", title: "Thích ứng biến đổi khí hậu và rủi ro thiên tai"),
                SolutionGroup(code: "3", title: "Giám sát, đánh giá và cơ sở dữ liệu tăng trưởng xanh"),
                SolutionGroup(code: "4", title: "Chất thải và việc làm xanh"),
                SolutionGroup(code: "5", title: "Chất lượng không khí"),
            ],
            tasks: [
                task("1.1", "1", "Lồng ghép tăng trưởng xanh vào quy hoạch, kế hoạch phát triển của tỉnh", "STC-LS", [], .continuous),
                task(
                    "2.1", "2", "Đánh giá tác động kinh tế - xã hội của biến đổi khí hậu và rủi ro thiên tai", "STNMT-LS", ["STC-LS"],
                    .once(d(y, 12, 31))),
                task(
                    "2.2", "2", "Cơ sở dữ liệu địa phương về tính dễ bị tổn thương, rủi ro, tổn thất và thiệt hại", "STNMT-LS", [],
                    .once(d(y + 1, 6, 30))),
                task(
                    "3.1", "3", "Hệ thống giám sát, đánh giá và cơ sở dữ liệu tăng trưởng xanh các cấp, liên thông giữa các cấp", "STC-LS",
                    ["STNMT-LS", "SKHCN-LS"], .once(d(y + 1, 12, 31))),
                task(
                    "4.1", "4", "Phân loại chất thải rắn sinh hoạt tại nguồn", "STNMT-LS", [], .once(d(2023, 12, 31)), budget: 1_527_000_000,
                    source: "Ngân sách tỉnh (kế hoạch công bố: 1.527 triệu đồng năm 2023)"),
                task("5.1", "5", "Vận hành 3 trạm quan trắc không khí tự động, liên tục", "STNMT-LS", [], .continuous),
                task("5.2", "5", "Cơ sở dữ liệu chất lượng không khí và nguồn phát thải", "STNMT-LS", ["SKHCN-LS"], .once(d(y, 12, 31))),
            ])

        let hnTasks = [
            "Tuyên truyền, phổ biến Luật Bảo vệ môi trường trong ngành Công Thương", "Cụm công nghiệp sản xuất, lưu giữ hóa chất tập trung",
            "Chuyển giao công nghệ môi trường tiên tiến",
            "Kế hoạch kinh tế tuần hoàn ngành Công Thương (cường độ phát thải, hiệu quả tài nguyên, năng lượng tái tạo)",
            "Thanh tra, kiểm tra phối hợp tại làng nghề, khu và cụm công nghiệp; kiểm soát chất thải nguy hại", "Giảm thiểu chất thải nhựa",
            "Giảm phát thải khí nhà kính", "Bảo vệ tầng ô-dôn", "Báo cáo kết quả thực hiện kế hoạch",
        ]
        let hn = Plan(
            id: "HN-150-2023", number: "150/KH-UBND", title: "Kế hoạch bảo vệ môi trường ngành Công Thương thành phố Hà Nội năm 2023",
            issuer: "Ủy ban nhân dân thành phố Hà Nội", unit: "01", signedOn: d(2023, 5, 24), effectiveOn: d(2023, 5, 24), fromYear: 2023,
            toYear: 2023,
            implements: "Luật Bảo vệ môi trường 2020", standingAgency: "SCT-HN", status: .completed, illustrative: true,
            solutionGroups: [SolutionGroup(code: "1", title: "Nhiệm vụ chủ yếu")],
            tasks: hnTasks.enumerated().map { i, t in
                task("\(i + 1)", "1", t, "SCT-HN", i == 4 ? ["STNMT-HN"] : [], .once(d(2023, 12, 31)))
            })

        let targets = [
            IndicatorTarget(
                indicator: "QD1658.MSW-URBAN", unit: "79", targetYear: 2030, targetValue: 100, baselineYear: 2021, baselineValue: 75,
                source: "1200/QĐ-UBND (minh họa)"),
            IndicatorTarget(
                indicator: "QD1658.WW-URBAN", unit: "79", targetYear: 2030, targetValue: 50, baselineYear: 2021, baselineValue: 15,
                source: "1200/QĐ-UBND (minh họa)"),
        ]

        let hcmReporters = ["SXD-HCM", "SCT-HCM", "STC-HCM", "UBND-P-SAIGON"]
        let obligations = [
            ReportingObligation(
                id: "HCM-PRP-MID", plan: hcm.id, name: "Báo cáo sơ kết 6 tháng thực hiện Chương trình giảm ô nhiễm môi trường",
                content: "Kết quả thực hiện nhiệm vụ được giao trong 6 tháng đầu năm", reporters: hcmReporters, recipient: "STNMT-HCM",
                method: "Hệ thống Xanh; văn bản điện tử có chữ ký số", frequency: .halfYear, due: .workingDaysAfterClosing(2),
                dataForm: ["QD1658.MSW-URBAN", "QD1658.WW-URBAN"],
                fromYear: y - 1, illustrative: true),
            ReportingObligation(
                id: "HCM-PRP-YEAR", plan: hcm.id, name: "Báo cáo năm và kế hoạch năm sau thực hiện Chương trình giảm ô nhiễm môi trường",
                content: "Kết quả năm và kế hoạch năm sau", reporters: hcmReporters, recipient: "STNMT-HCM", method: "Hệ thống Xanh",
                frequency: .year,
                due: .fixed(month: 12, day: 30, yearOffset: 0), dataForm: ["QD1658.MSW-URBAN", "QD1658.WW-URBAN"], fromYear: y - 1),
            ReportingObligation(
                id: "LS-AIR-MONTH", plan: ls.id, name: "Báo cáo tháng vận hành trạm quan trắc không khí tự động", reporters: ["STNMT-LS"],
                recipient: "UBND-LS",
                frequency: .month, due: .workingDaysAfterClosing(22), outline: [ReportOutline.results, ReportOutline.shortcomings], fromYear: y,
                illustrative: true),
            ReportingObligation(
                id: "HP-78-HALF", plan: hp.id, name: "Báo cáo 6 tháng thực hiện Kế hoạch 78/KH-UBND",
                reporters: ["STNMT-HP", "SXD-HP", "SCT-HP", "SKHCN-HP", "BQLKKT-HP"],
                recipient: "UBND-HP", frequency: .halfYear, due: .workingDaysAfterClosing(5), fromYear: y, illustrative: true),
        ]

        let h1 = "\(y)-H1"
        let h2 = "\(y)-H2"
        func entry(
            _ plan: String, _ task: String, _ period: String, _ agency: String, _ status: ProgressEntry.Status, _ percent: Double?, _ results: String,
            difficulties: String = "", proposals: String = "", completed: CivilDate? = nil
        ) -> ProgressEntry {
            ProgressEntry(
                plan: plan, task: task, period: period, agency: agency, status: status, percent: percent, results: results,
                difficulties: difficulties, proposals: proposals, completedOn: completed, updatedBy: "demo")
        }
        var entries = [
            entry(hp.id, "1.1", h1, "STNMT-HP", .onTrack, 50, "Tiếp nhận dữ liệu quan trắc tự động của 38 nguồn thải lớn; kiểm tra 12 cơ sở."),
            entry(hp.id, "1.1", h1, "BQLKKT-HP", .onTrack, nil, "Rà soát hệ thống xử lý nước thải tập trung của các khu công nghiệp."),
            entry(
                hp.id, "2.1", h1, "STNMT-HP", .constrained, 70, "Hoàn thành khảo sát 3 khu vực ô nhiễm tồn lưu.",
                difficulties: "Chậm giải phóng mặt bằng tại một khu vực.",
                proposals: "Đề nghị UBND thành phố chỉ đạo địa phương phối hợp bàn giao mặt bằng."),
            entry(hp.id, "2.1", h2, "STNMT-HP", .met, 100, "Hoàn thành cải tạo 3 khu vực; đã nghiệm thu.", completed: d(y, 7, 15)),
            entry(hp.id, "4.1", h2, "SXD-HP", .met, 100, "Ban hành quy trình kiểm soát môi trường tại mỏ vật liệu xây dựng.", completed: d(y, 9, 20)),
            entry(
                hp.id, "5.1", h2, "STNMT-HP", .noProgress, 20, "Đã thu thập số liệu hoạt động năm cơ sở.",
                difficulties: "Thiếu số liệu hoạt động của các cơ sở công nghiệp; chưa bố trí kinh phí thuê tư vấn.",
                proposals: "Đề nghị Sở Tài chính bố trí kinh phí trong năm sau."),
            entry(
                hp.id, "5.1", h2, "SCT-HP", .constrained, nil, "Cung cấp danh mục cơ sở tiêu thụ năng lượng trọng điểm.",
                difficulties: "Một số doanh nghiệp chưa báo cáo."),
            entry(
                hp.id, "6.2", h2, "STNMT-HP", .onTrack, 70,
                "Cơ sở dữ liệu quan trắc vận hành; kết nối API SensorThings với cấp trung ương đang thử nghiệm."),
            entry(
                hp.id, "6.3", h1, "STNMT-HP", .met, 100, "Đưa 4 thủ tục hành chính về môi trường lên dịch vụ công trực tuyến toàn trình.",
                completed: d(y, 6, 25)),
            entry(hcm.id, "1.1", h1, "STNMT-HCM", .onTrack, 50, "Tổ chức 24 buổi tuyên truyền phân loại rác tại nguồn."),
            entry(hcm.id, "1.1", h1, "UBND-P-SAIGON", .onTrack, nil, "Vận động 1.200 hộ dân tham gia phân loại rác."),
            entry(
                hcm.id, "2.1", h1, "STC-HCM", .constrained, 30, "Hoàn thành dự thảo lần 1.",
                difficulties: "Chưa thống nhất cơ chế giá dịch vụ xử lý chất thải.", proposals: "Tổ chức hội thảo lấy ý kiến doanh nghiệp."),
            entry(hcm.id, "3.1", h1, "STNMT-HCM", .onTrack, nil, "Thanh tra 45 cơ sở, xử phạt 12 cơ sở vi phạm."),
            entry(hcm.id, "3.1", h2, "SCT-HCM", .onTrack, nil, "Phối hợp kiểm tra 18 cơ sở sản xuất hóa chất."),
            entry(hcm.id, "4.1", h2, "SXD-HCM", .onTrack, 40, "Hoàn thành lựa chọn nhà đầu tư; đang thẩm định thiết kế."),
            entry(hcm.id, "4.2", h1, "SCT-HCM", .met, 100, "85 % siêu thị không dùng túi ni lông khó phân hủy.", completed: d(y, 6, 20)),
            entry(ls.id, "2.1", h2, "STNMT-LS", .onTrack, 60, "Thu thập số liệu thiệt hại do thiên tai 5 năm gần nhất."),
            entry(ls.id, "4.1", "2023-H2", "STNMT-LS", .met, 100, "Triển khai phân loại tại nguồn ở thành phố Lạng Sơn.", completed: d(2023, 12, 20)),
            entry(ls.id, "5.1", h2, "STNMT-LS", .onTrack, nil, "3 trạm vận hành; tỷ lệ dữ liệu đạt 92 %."),
        ]
        for i in 0..<9 {
            let late = i == 6
            entries.append(
                entry(
                    hn.id, "\(i + 1)", "2023-H2", "SCT-HN", .met, 100, "Đã hoàn thành: \(hnTasks[i]).",
                    completed: late ? d(2024, 1, 20) : d(2023, 12, 15 - i)))
        }
        return Contents(agencies: agencies, plans: [hp, hcm, ls, hn], targets: targets, obligations: obligations, entries: entries)
    }
}
