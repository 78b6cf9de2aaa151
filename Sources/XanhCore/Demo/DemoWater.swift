import Foundation

/// The demo's surface water: five manual sampling points on rivers, a canal and a lake of Hải Phòng and Lạng Sơn
/// (registered as stations without automatic parameters), and a year of quarterly samples by a laboratory —
/// realistic values, one canal polluted below VN_WQI 50, some metals below detection. All labelled as demo.
public enum DemoWater {
    struct Point {
        var code, name, province: String
        var latitude, longitude: Double
        /// Typical values (pH, DO mg/L, BOD5, COD, N-NH4, N-NO3, N-NO2, P-PO4, TSS, Coliform, E. coli).
        var typical: [String: Double]
    }

    static let points: [Point] = [
        Point(
            code: "HP-SW-01", name: "Sông Cấm, bến Bính (minh họa)", province: "31", latitude: 20.8725, longitude: 106.6770,
            typical: [
                "pH": 7.3, "DO": 6.1, "BOD5": 5.2, "COD": 11, "N-NH4": 0.24, "N-NO3": 1.6, "N-NO2": 0.03, "P-PO4": 0.09, "TSS": 38, "Coliform": 3200,
                "E.coli": 28,
            ]),
        Point(
            code: "HP-SW-02", name: "Sông Lạch Tray, cầu Rào (minh họa)", province: "31", latitude: 20.8352, longitude: 106.7007,
            typical: [
                "pH": 7.1, "DO": 5.4, "BOD5": 7.8, "COD": 16, "N-NH4": 0.45, "N-NO3": 2.4, "N-NO2": 0.04, "P-PO4": 0.16, "TSS": 45, "Coliform": 4600,
                "E.coli": 45,
            ]),
        Point(
            code: "HP-SW-03", name: "Kênh An Kim Hải, cầu Cát Bi (minh họa)", province: "31", latitude: 20.8348, longitude: 106.7196,
            typical: [
                "pH": 6.9, "DO": 2.0, "BOD5": 31, "COD": 62, "N-NH4": 3.4, "N-NO3": 4.2, "N-NO2": 0.26, "P-PO4": 0.95, "TSS": 85, "Coliform": 16000,
                "E.coli": 420,
            ]),
        Point(
            code: "LS-SW-01", name: "Sông Kỳ Cùng, cầu Kỳ Lừa (minh họa)", province: "20", latitude: 21.8573, longitude: 106.7632,
            typical: [
                "pH": 7.6, "DO": 6.6, "BOD5": 4.1, "COD": 9.5, "N-NH4": 0.18, "N-NO3": 1.1, "N-NO2": 0.02, "P-PO4": 0.07, "TSS": 30, "Coliform": 2100,
                "E.coli": 18,
            ]),
        Point(
            code: "LS-SW-02", name: "Hồ Phai Loạn (minh họa)", province: "20", latitude: 21.8420, longitude: 106.7512,
            typical: [
                "pH": 7.9, "DO": 5.8, "BOD5": 6.4, "COD": 14, "N-NH4": 0.36, "N-NO3": 0.9, "N-NO2": 0.03, "P-PO4": 0.14, "TSS": 22, "Coliform": 3900,
                "E.coli": 36,
            ]),
    ]

    public static func stations() -> [Station] {
        points.map {
            Station(
                code: $0.code, name: $0.name, kind: .surfaceWater, province: $0.province, latitude: $0.latitude, longitude: $0.longitude,
                parameters: [])
        }
    }

    static let units: [String: String] = ["pH": "", "T": "°C", "Coliform": "MPN/100mL", "E.coli": "MPN/100mL"]

    /// The four quarters' samples before `end` (mid-quarter, 09:00 local), with water temperature by season, a
    /// deterministic variation of each typical value, and metals (Pb, Cd, Hg below detection at the clean points).
    public static func samples(end: Int64) -> [Sample] {
        let year = Timestamps.localYear(end)
        var due: [(year: Int, quarter: Int, time: Int64)] = []
        for y in [year - 1, year] {
            for q in 1...4 {
                let days = Timestamps.daysFromCivil(year: Int64(y), month: Int64(q * 3 - 1), day: 15)
                let t: Int64 = days * Timestamps.day + 9 * 3600 - Timestamps.vietnamOffset
                if t <= end { due.append((y, q, t)) }
            }
        }
        var out: [Sample] = []
        for d in due.suffix(4) {
            for (i, p) in points.enumerated() { out.append(sample(p, index: i, quarter: d.quarter, year: d.year, time: d.time)) }
        }
        return out
    }

    static func sample(_ p: Point, index: Int, quarter: Int, year: Int, time: Int64) -> Sample {
        // Warm, wet quarters (II, III) carry more organic load; a fixed pattern per point and quarter.
        let season = [0.92, 1.08, 1.15, 0.95][quarter - 1]
        let wobble = 1 + 0.06 * sin(Double(index * 7 + quarter * 3 + year))
        var values: [SampleValue] = []
        for (name, typical) in p.typical.sorted(by: { $0.key < $1.key }) {
            let factor = name == "pH" ? 1 + 0.01 * sin(Double(index + quarter)) : name == "DO" ? wobble / season : season * wobble
            let digits = name == "pH" ? 10.0 : typical >= 100 ? 1 : 100
            let v = (typical * factor * digits).rounded() / digits
            values.append(SampleValue(parameter: name, value: v, unit: units[name] ?? "mg/L", method: methods[name]))
        }
        values.append(SampleValue(parameter: "T", value: [19.5, 28.0, 30.5, 25.0][quarter - 1], unit: "°C"))
        let polluted = p.code == "HP-SW-03"
        values.append(SampleValue(parameter: "As", value: polluted ? 0.012 : 0.003, unit: "mg/L", method: "SMEWW 3114B"))
        values.append(SampleValue(parameter: "Cu", value: polluted ? 0.06 : 0.011, unit: "mg/L", method: "SMEWW 3111B"))
        values.append(SampleValue(parameter: "Zn", value: polluted ? 0.31 : 0.045, unit: "mg/L", method: "SMEWW 3111B"))
        for (name, lod) in [("Pb", 0.002), ("Cd", 0.0005), ("Hg", 0.0005)] {
            if polluted && name == "Pb" {
                values.append(SampleValue(parameter: name, value: 0.018, unit: "mg/L", method: "SMEWW 3113B"))
            } else {
                values.append(
                    SampleValue(parameter: name, value: nil, belowDetection: true, detectionLimit: lod, unit: "mg/L", method: "SMEWW 3113B"))
            }
        }
        return Sample(
            station: p.code, time: time, campaign: "Q\(quarter)/\(year)", laboratory: "Trung tâm Quan trắc môi trường (minh họa)",
            accreditation: "VIMCERTS 000 (minh họa)", values: values, note: "Số liệu minh họa, không phải kết quả quan trắc thật.")
    }

    static let methods: [String: String] = [
        "pH": "TCVN 6492:2011", "DO": "TCVN 7325:2016", "BOD5": "TCVN 6001-1:2021", "COD": "SMEWW 5220C", "N-NH4": "TCVN 6179-1:1996",
        "N-NO3": "SMEWW 4500-NO3-.E", "N-NO2": "TCVN 6178:1996", "P-PO4": "TCVN 6202:2008", "TSS": "TCVN 6625:2000", "Coliform": "TCVN 6187-2:2020",
        "E.coli": "TCVN 6187-2:2020",
    ]
}
