/// The demo's disaster records (decision 0020): two past floods in Lạng Sơn with their effects in a few communes.
/// The events happened (the floods after storm no. 3, Yagi, in September 2024 and after storm no. 11, Matmo, in
/// October 2025); the **figures are illustrative**, not the province's official tally, and the communes' ids are the
/// demo's own (the bundled units stop at provinces).
public enum DemoDisasters {
    public static let communes: [AdminUnit] = [
        ("20-KY-LUA", "Phường Kỳ Lừa", "Ky Lua ward"), ("20-TAM-THANH", "Phường Tam Thanh", "Tam Thanh ward"),
        ("20-THAT-KHE", "Xã Thất Khê", "That Khe commune"), ("20-VAN-QUAN", "Xã Văn Quan", "Van Quan commune"),
        ("20-BINH-GIA", "Xã Bình Gia", "Binh Gia commune"), ("20-HUU-LUNG", "Xã Hữu Lũng", "Huu Lung commune"),
    ].map { AdminUnit(id: $0.0, code: $0.0, nameVi: $0.1, nameEn: $0.2 + " (demo)", level: .commune, parent: "20") }

    static func effect(
        _ unit: String, dead: Int = 0, missing: Int = 0, injured: Int = 0, households: Int, people: Int, evacuated: Int,
        houses: [(HouseStructure, DamageLevel, Int)], schools: Int = 0, health: Int = 0, cropsHa: Double, livestock: Int = 0, poultry: Int = 0,
        roadsM: Double = 0, irrigationM: Double = 0, lossBillion: Double, agricultureBillion: Double
    ) -> DisasterEffect {
        var e = DisasterEffect(unit: unit)
        e.dead = dead
        e.missing = missing
        e.injured = injured
        e.affectedHouseholds = households
        e.affectedPeople = people
        e.evacuated = evacuated
        e.houses = houses.map { HouseDamage(structure: $0.0, level: $0.1, count: $0.2) }
        e.schools = schools
        e.healthFacilities = health
        e.cropsHa = cropsHa
        e.livestock = livestock
        e.poultry = poultry
        e.roadsM = roadsM
        e.irrigationM = irrigationM
        e.lossVND = lossBillion * 1e9
        e.agricultureLossVND = agricultureBillion * 1e9
        return e
    }

    /// The two floods as event summaries, to be stored and approved.
    public static func events() throws -> [DisasterEvent] {
        [
            DisasterEvent(
                id: "LS-2024-09-YAGI", kind: .flood, start: try Timestamps.parseISO8601("2024-09-07T18:00:00+07:00"),
                end: try Timestamps.parseISO8601("2024-09-12T18:00:00+07:00"),
                magnitude: "Mưa 200–400 mm trong 4 ngày; lũ sông Kỳ Cùng và sông Thương trên báo động 3 (số liệu minh họa)",
                cause: "Hoàn lưu bão số 3 (Yagi)", source: "Ban Chỉ huy PCTT và TKCN tỉnh Lạng Sơn (số liệu minh họa của bản demo)",
                report: .eventSummary,
                effects: [
                    effect(
                        "20-HUU-LUNG", dead: 2, injured: 3, households: 1_450, people: 5_600, evacuated: 820,
                        houses: [(.nonPermanent, .destroyed, 6), (.semiPermanent, .heavy, 24), (.permanent, .partial, 210)], schools: 4, health: 1,
                        cropsHa: 1_240, livestock: 85, poultry: 6_400, roadsM: 3_200, irrigationM: 1_800, lossBillion: 96.5, agricultureBillion: 41.2),
                    effect(
                        "20-VAN-QUAN", dead: 1, missing: 1, injured: 2, households: 620, people: 2_350, evacuated: 310,
                        houses: [(.makeshift, .destroyed, 3), (.nonPermanent, .veryHeavy, 9), (.semiPermanent, .partial, 88)], schools: 2,
                        cropsHa: 530, livestock: 40, poultry: 2_100, roadsM: 5_400, irrigationM: 900, lossBillion: 48.0, agricultureBillion: 17.5),
                    effect(
                        "20-BINH-GIA", dead: 1, households: 310, people: 1_180, evacuated: 150,
                        houses: [(.nonPermanent, .destroyed, 2), (.semiPermanent, .heavy, 11)], cropsHa: 280, livestock: 22, roadsM: 2_600,
                        lossBillion: 21.3, agricultureBillion: 8.9),
                ], note: "Bản tổng hợp sau khi kết thúc đợt lũ (dữ liệu demo)."),
            DisasterEvent(
                id: "LS-2025-10-MATMO", kind: .flood, start: try Timestamps.parseISO8601("2025-10-06T20:00:00+07:00"),
                end: try Timestamps.parseISO8601("2025-10-10T12:00:00+07:00"),
                magnitude: "Lũ lớn trên sông Kỳ Cùng, ngập sâu khu vực trung tâm (số liệu minh họa)", cause: "Hoàn lưu bão số 11 (Matmo)",
                source: "Ban Chỉ huy PCTT và TKCN tỉnh Lạng Sơn (số liệu minh họa của bản demo)", report: .eventSummary,
                effects: [
                    effect(
                        "20-TAM-THANH", injured: 4, households: 3_900, people: 14_200, evacuated: 2_600,
                        houses: [(.semiPermanent, .heavy, 35), (.permanent, .partial, 1_150)], schools: 9, health: 2, cropsHa: 160, poultry: 3_500,
                        roadsM: 1_900, lossBillion: 212.0, agricultureBillion: 12.4),
                    effect(
                        "20-KY-LUA", dead: 1, injured: 2, households: 2_750, people: 10_100, evacuated: 1_900,
                        houses: [(.nonPermanent, .destroyed, 4), (.semiPermanent, .veryHeavy, 18), (.permanent, .partial, 760)], schools: 5,
                        health: 1, cropsHa: 240, livestock: 15, poultry: 4_800, roadsM: 1_200, lossBillion: 158.5, agricultureBillion: 15.7),
                    effect(
                        "20-THAT-KHE", dead: 2, missing: 1, injured: 1, households: 980, people: 3_700, evacuated: 640,
                        houses: [(.makeshift, .destroyed, 5), (.nonPermanent, .heavy, 27), (.semiPermanent, .partial, 140)], schools: 3,
                        cropsHa: 690, livestock: 64, poultry: 5_200, roadsM: 6_100, irrigationM: 2_300, lossBillion: 74.2, agricultureBillion: 33.1),
                ], note: "Bản tổng hợp sau khi kết thúc đợt lũ (dữ liệu demo)."),
        ]
    }
}
