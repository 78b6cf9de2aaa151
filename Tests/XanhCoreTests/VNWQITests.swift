import Foundation
import Testing
import XanhCore

/// VN_WQI (Decision 1460/QĐ-TCMT, decision 0019): every breakpoint edge of every column, the pH and DO curves, the
/// pesticides' pass or fail, both aggregations and both Heptachlor rules, missing groups and the "not computable"
/// cases; and a table of values computed independently (docs/decisions/0019-vn-wqi.md).
@Suite struct VNWQITests {
    static let wqi = try! VNWQI.bundled()

    static func near(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { a.map { abs($0 - b) <= tolerance } ?? false }

    /// Each column's cells as the reference prints them, "value=q" at each cell and between cells, and just past the
    /// strict first and last cells.
    static let edges = """
        As 0=100 0.01=100 0.015=87.5 0.02=75 0.05=50 0.1=25 0.1000001=10 5=10
        Cd 0.004999=100 0.005=75 0.008=50 0.01=25 0.055=17.5 0.1=10 1=10
        Pb 0.019999=100 0.02=75 0.03=62.5 0.04=50 0.05=25 0.275=17.5 0.5=10
        Cr6+ 0.01=100 0.02=75 0.04=50 0.05=25 0.075=17.5 0.1=10
        Cu 0.1=100 0.2=75 0.5=50 1.0=25 1.5=17.5 2.0=10
        Zn 0.5=100 1.0=75 1.5=50 2.0=25 2.5=17.5 3.0=10
        Hg 0.000999=100 0.001=75 0.0015=50 0.002=25 0.006=17.5 0.01=10
        BOD5 4=100 5=87.5 6=75 15=50 25=25 37.5=17.5 50=10 80=10
        COD 10=100 15=75 30=50 50=25 100=17.5 150=10
        TOC 4=100 6=75 15=50 25=25 50=10
        N-NH4 0.299=100 0.3=75 0.6=50 0.9=25 2.95=17.5 5=10
        N-NO3 2=100 3.5=87.5 5=75 10=50 12.5=37.5 15=25 15.01=10
        N-NO2 0=100 0.05=100 0.0501=10
        P-PO4 0.1=100 0.2=75 0.3=50 0.5=25 2.25=17.5 4=10
        Coliform 2500=100 3750=87.5 5000=75 7500=50 10000=25 10001=10
        E.coli 20=100 50=75 100=50 200=25 201=10
        """

    @Test func everyBreakpointEdge() throws {
        var columns = 0
        for line in Self.edges.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let name = String(try #require(parts.first))
            for cell in parts.dropFirst() {
                let pair = cell.split(separator: "=").compactMap { Double($0) }
                try #require(pair.count == 2)
                let got = Self.wqi.subIndex(name, pair[0])
                #expect(Self.near(got, pair[1], 1e-6), "\(name) \(pair[0]): \(String(describing: got)) ≠ \(pair[1])")
            }
            #expect(Self.wqi.subIndex(name, -0.1) == nil && Self.wqi.subIndex(name, .nan) == nil)
            columns += 1
        }
        #expect(columns == Self.wqi.table.breakpoints.count, "every column of the table is tested")
    }

    @Test func thePHCurve() {
        let expected: [(Double, Double)] = [(5.4, 10), (5.5, 50), (5.75, 75), (6, 100), (7, 100), (8.5, 100), (8.75, 75), (9, 50), (9.01, 10)]
        for (x, q) in expected { #expect(Self.near(Self.wqi.pHSubIndex(x), q), "pH \(x)") }
        #expect(Self.wqi.pHSubIndex(15) == nil && Self.wqi.pHSubIndex(-1) == nil)
    }

    @Test func theDOCurveFromTemperature() throws {
        // DO_sat(T) = 14.652 − 0.41022·T + 0.0079910·T² − 0.000077774·T³: 14.652 at 0 °C, 8.6667 at 22 °C.
        #expect(Self.near(Self.wqi.saturation(0), 14.652))
        #expect(Self.near(Self.wqi.saturation(22), 8.666666448, 1e-9))
        #expect(Self.wqi.saturation(51) == nil && Self.wqi.saturation(-1) == nil)
        let s = try #require(Self.wqi.saturation(25))
        // Every point of the curve, reached through the mg/L that gives that DO%, and outside it.
        let curve: [(Double, Double)] = [
            (19.9, 10), (20, 25), (35, 37.5), (50, 50), (75, 75), (88, 100), (100, 100), (112, 100), (125, 75), (150, 50), (200, 25), (200.1, 10),
        ]
        for (percent, q) in curve {
            #expect(Self.near(Self.wqi.doSubIndex(percent / 100 * s, temperature: 25), q, 1e-6), "DO \(percent) %")
        }
        #expect(Self.near(Self.wqi.doPercent(6.8, temperature: 22), 78.46154044, 1e-6))
    }

    @Test func pesticidesPassOrFail() {
        for (name, limit) in [("Aldrin", 0.1), ("BHC", 0.02), ("Dieldrin", 0.1), ("DDTs", 1.0), ("Heptachlor", 0.2)] {
            #expect(Self.wqi.pesticideSubIndex(name, limit) == 100 && Self.wqi.pesticideSubIndex(name, limit * 1.01) == 10, "\(name)")
        }
    }

    static let metalsAndPesticides: [String: Double] = [
        "pH": 5.8, "DO": 7.5, "T": 20, "BOD5": 5, "COD": 12, "N-NH4": 0.3, "N-NO3": 2.5, "N-NO2": 0.05, "P-PO4": 0.1, "As": 0.03, "Cd": 0.005,
        "Pb": 0.01, "Cu": 0.15, "Zn": 0.4, "Hg": 0.0005, "Cr6+": 0.01, "Aldrin": 0.05, "BHC": 0.03, "Heptachlor": 0.15, "Heptachlorepoxide": 0.1,
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var values: [String: Double]
        /// √ summed, weighted summed, √ separate, weighted separate.
        var expected: [Int]
        var band: String
        var testDescription: String { name }
    }

    /// The decision record's table, computed by an independent implementation from the reference.
    static let cases: [Case] = [
        Case(
            name: "clean",
            values: [
                "pH": 7.2, "DO": 6.8, "T": 22, "BOD5": 3.5, "COD": 9, "N-NH4": 0.15, "N-NO3": 1.2, "N-NO2": 0.02, "P-PO4": 0.08, "Coliform": 1800,
                "E.coli": 15,
            ],
            expected: [99, 98, 99, 98], band: "very_good"),
        Case(
            name: "moderate",
            values: [
                "pH": 7.8, "DO": 5.2, "T": 27, "BOD5": 8, "COD": 18, "N-NH4": 0.45, "N-NO3": 3.0, "N-NO2": 0.04, "P-PO4": 0.15, "Coliform": 4200,
                "E.coli": 40,
            ],
            expected: [81, 80, 81, 80], band: "good"),
        Case(
            name: "polluted",
            values: [
                "pH": 6.8, "DO": 2.1, "T": 29, "BOD5": 28, "COD": 60, "N-NH4": 2.5, "N-NO3": 6, "N-NO2": 0.3, "P-PO4": 0.6, "Coliform": 12000,
                "E.coli": 350,
            ],
            expected: [17, 20, 17, 20], band: "bad"),
        Case(name: "metals and pesticides", values: metalsAndPesticides, expected: [14, 14, 36, 36], band: "bad"),
        Case(
            name: "no group V", values: ["pH": 7, "DO": 6, "T": 25, "BOD5": 6, "COD": 15, "N-NH4": 0.6, "As": 0.02], expected: [51, 51, 51, 51],
            band: "moderate"),
    ]

    @Test(arguments: cases) func independentlyComputedCases(_ c: Case) {
        let r = Self.wqi.compute(c.values)
        #expect(r.wqi == c.expected[0] && r.band?.key == c.band, "\(String(describing: r.wqi)) \(r.notComputable)")
        #expect(Self.wqi.compute(c.values, settings: .init(aggregation: .weighted)).wqi == c.expected[1], "weighted")
        #expect(Self.wqi.compute(c.values, settings: .init(heptachlor: .separate)).wqi == c.expected[2], "separate")
        #expect(Self.wqi.compute(c.values, settings: .init(aggregation: .weighted, heptachlor: .separate)).wqi == c.expected[3], "both")
        #expect(r.settings == .standard && r.version == "1460-2019.c1")
    }

    @Test func groupScoresAndWhatWasMissing() throws {
        let r = Self.wqi.compute(Self.metalsAndPesticides)
        // II: Aldrin passes, BHC fails, Heptachlor + epoxide = 0.25 > 0.2 fails: (100·10·10)^(1/3).
        #expect(Self.near(r.groups["II"], 21.54434690, 1e-6))
        #expect(Self.near(r.groups["I"], 80) && r.subIndices["Heptachlor"] == 10 && r.subIndices["Heptachlorepoxide"] == nil)
        #expect(r.groups["V"] == nil && r.missing == ["Dieldrin", "DDTs", "TOC", "Coliform", "E.coli"])
        let separate = Self.wqi.compute(Self.metalsAndPesticides, settings: .init(heptachlor: .separate))
        #expect(separate.subIndices["Heptachlor"] == 100 && separate.subIndices["Heptachlorepoxide"] == 100)
        #expect(Self.near(separate.groups["II"], 56.23413252, 1e-6))
    }

    @Test func notComputableSaysWhy() {
        // Group IV with two parameters.
        let thin = Self.wqi.compute(["pH": 7, "BOD5": 3, "COD": 8, "As": 0.01, "Coliform": 100])
        #expect(thin.wqi == nil && thin.notComputable == ["group IV (organics and nutrients) has 2 parameter(s); at least 3 are needed"])
        // Only groups IV and V.
        let two = Self.wqi.compute(["BOD5": 3, "COD": 8, "N-NH4": 0.1, "Coliform": 100])
        #expect(two.wqi == nil && two.notComputable == ["2 group(s) present; at least 3 are needed"])
        // DO without a temperature is not counted, and then group IV is short.
        let noT = Self.wqi.compute(["pH": 7, "DO": 6, "BOD5": 3, "COD": 8, "Coliform": 100])
        #expect(noT.wqi == nil && noT.unused == ["DO: counts only with the water temperature T"] && noT.subIndices["DO"] == nil)
        #expect(noT.notComputable.first?.contains("has 2 parameter(s)") == true)
        // A value the table cannot read is named.
        let bad = Self.wqi.compute(["pH": 7, "BOD5": -3, "COD": 8, "N-NH4": 0.1, "Coliform": 100])
        #expect(bad.wqi == nil && bad.notComputable.first == "BOD5: -3.0 is outside what the table reads")
        #expect(Self.wqi.compute([:]).notComputable.count == 2)
    }

    @Test func bandsAtTheirEdges() {
        let expected: [(Int, String)] = [
            (100, "very_good"), (91, "very_good"), (90, "good"), (76, "good"), (75, "moderate"), (51, "moderate"), (50, "poor"), (26, "poor"),
            (25, "bad"), (10, "bad"), (9, "very_bad"), (0, "very_bad"),
        ]
        for (w, key) in expected { #expect(Self.wqi.band(w)?.key == key, "\(w)") }
        #expect(Self.wqi.band(91)?.color == "#3333FF" && Self.wqi.band(9)?.color == "#7E0023")
    }
}

/// The demo's water: a year of quarterly samples at five points; the canal below WQI 50 every quarter, the rivers and
/// the lake above; metals below detection kept as such; every sample passes the sample rules.
@Suite struct DemoWaterTests {
    @Test func aYearOfQuarterlySamplesWithOnePollutedPoint() throws {
        let end = try Timestamps.parseISO8601("2026-12-03T14:00:00+07:00")
        let samples = DemoWater.samples(end: end)
        #expect(samples.count == 20 && Set(samples.compactMap(\.campaign)) == ["Q1/2026", "Q2/2026", "Q3/2026", "Q4/2026"])
        let rules = SampleRules(parameters: try .bundled(), limits: try .bundled(), wqi: try .bundled())
        for s in samples {
            let checked = try rules.checked(s, knownStation: true).get()
            let wqi = try #require(checked.wqi?.wqi, "\(s.station) \(s.campaign ?? ""): \(checked.wqi?.notComputable ?? [])")
            if s.station == "HP-SW-03" {
                #expect(wqi < 50, "the canal is polluted: \(wqi)")
            } else {
                #expect(wqi >= 51, "\(s.station) \(s.campaign ?? ""): \(wqi)")
            }
            #expect(checked.values.contains { $0.parameter == "Hg" && $0.belowDetection && $0.flags == ["below_lod"] })
        }
        #expect(DemoWater.stations().allSatisfy { $0.kind == .surfaceWater && $0.parameters.isEmpty })
    }
}
