import Testing

@testable import XanhCore

let reference = try! ReferenceData.bundled()

/// A wastewater station and a stack, as the directory the reader sees.
let fileDirectory = SeriesDirectory(stations: [
    "HP-DV-WW": .init(active: true, series: ["pH": 1, "COD": 2, "TSS": 3, "Flow": 4]),
    "HP-ND-K1": .init(active: true, series: ["Dust": 10, "E-SO2": 11, "E-CO": 12, "O2": 13, "Temp": 14]),
    "HN-NKT": .init(active: true, series: ["PM2.5": 20, "CO": 21]),
    "OLD": .init(active: false, series: ["pH": 30]),
])

func reader(names: [String: String] = [:]) -> Circular10Reader {
    Circular10Reader(catalogue: reference.parameters, directory: fileDirectory, names: names, now: Timestamps.parseDate("2026-11-22")!)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite struct Circular10Tests {
    @Test func fileNameVariants() throws {
        let n = try Circular10.parseName("HaiPhong_DinhVu_HP-DV-WW_20261121100500.txt").get()
        #expect(n.parts == ["HaiPhong", "DinhVu", "HP-DV-WW"])
        #expect(n.station == "HP-DV-WW")
        #expect(n.time == (try Timestamps.parseISO8601("2026-11-21T10:05:00+07:00")))
        // Upper-case extension, a double underscore before the time, a logger that writes only the station.
        #expect(try Circular10.parseName("TH_BSON_KHILO2__20261121100500.TXT").get().parts == ["TH", "BSON", "KHILO2"])
        #expect(try Circular10.parseName("HP-DV-WW_20261121100500.txt").get().station == "HP-DV-WW")
        for bad in ["HP_DV_WW.txt", "HP_DV_WW_2026112110050.txt", "HP_DV_WW_20261321100500.txt", "HP_DV_WW_20261121100500.csv", "20261121100500.txt"]
        {
            guard case .failure(let p) = Circular10.parseName(bad) else {
                Issue.record("\(bad) accepted")
                continue
            }
            #expect(p.kind == .badName)
        }
    }

    @Test func localTimesAreUTCPlus7() {
        #expect(Circular10.localTime(Array("20261121000000".utf8)) == Timestamps.parseDate("2026-11-21"))
        #expect(Circular10.localTime(Array("20260229000000".utf8)) == nil)  // 2026 is not a leap year
        #expect(Circular10.localTime(Array("20261121240000".utf8)) == nil)
    }

    @Test func tabAndSpaceSeparatedLines() throws {
        let text =
            "\u{FEFF}pH\t7.12\t\t20261121100000\t00\r\nCOD 45.5 mg/l 20261121100000 00\r\nTSS\t12,5\tmg/L\t20261121100000\t01\n\nFlow\t\tm3/h\t20261121100000\t02\n"
        let batch = try reader().read(name: "HP_DV_HP-DV-WW_20261121100000.txt", bytes: bytes(text)).get()
        #expect(batch.station == "HP-DV-WW")
        #expect(batch.rows.count == 3)
        #expect(batch.withoutValue == 1)  // Flow: status 02 and no value
        let t = try Timestamps.parseISO8601("2026-11-21T10:00:00+07:00")
        #expect(batch.rows[0] == ValidObservation(seriesID: 1, t: t, value: 7.12, status: .measuring, qc: .ok))
        #expect(batch.rows[1].value == 45.5)
        #expect(batch.rows[2].value == 12.5)  // decimal comma
        #expect(batch.rows[2].qc == .calibrating)
    }

    @Test func stackCodesResolveToEmissionParameters() throws {
        // `CO` from a stack is E-CO in mg/Nm³; `PM` is total dust.
        let text =
            "CO\t120\tmg/Nm3\t20261121100000\t00\nPM\t35\tmg/Nm3\t20261121100000\t00\nO2\t7.1\t%\t20261121100000\t00\nTemp\t145\toC\t20261121100000\t00\n"
        let batch = try reader().read(name: "HP_NDHP_HP-ND-K1_20261121100000.txt", bytes: bytes(text)).get()
        #expect(batch.rows.map(\.seriesID) == [12, 10, 13, 14])
        // The same code from an ambient station is ambient CO in µg/m³.
        let amb = try reader().read(name: "HN_X_HN-NKT_20261121100000.txt", bytes: bytes("CO\t900\tug/m3\t20261121100000\t00\n")).get()
        #expect(amb.rows.first?.seriesID == 21)
    }

    @Test func explicitNameMapping() throws {
        let r = reader(names: ["HaiPhong_DinhVu_NuocThai01": "HP-DV-WW", "KhiThai1": "HP-ND-K1"])
        #expect(
            try r.read(name: "HaiPhong_DinhVu_NuocThai01_20261121100000.txt", bytes: bytes("pH 7 - 20261121100000 00")).get().station == "HP-DV-WW")
        #expect(try r.read(name: "HP_NDHP_KhiThai1_20261121100000.txt", bytes: bytes("O2 7 % 20261121100000 00")).get().station == "HP-ND-K1")
    }

    /// Every quarantine reason, each with the line it names.
    @Test(
        arguments: [
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t20261121100000\n", Circular10.ErrorKind.badLine, 1),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t20261121100000\t00\nCOD\tabc\tmg/L\t20261121100000\t00\n", .badLine, 2),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t20261121100000\t07\n", .badLine, 1),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t2026-11-21 10:00\t00\n", .badTimestamp, 1),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t20261230100000\t00\n", .badTimestamp, 1),  // in the future
            ("HP_DV_NOPE_20261121100000.txt", "pH\t7.1\t\t20261121100000\t00\n", .unknownStation, nil),
            ("HP_DV_OLD_20261121100000.txt", "pH\t7.1\t\t20261121100000\t00\n", .unknownStation, nil),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\t7.1\t\t20261121100000\t00\nBOD5\t20\tmg/L\t20261121100000\t00\n", .unknownParameter, 2),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "COD\t45\tug/m3\t20261121100000\t00\n", .unitMismatch, 1),
            ("HP_DV_HP-DV-WW_20261121100000.txt", " \n\n", .empty, nil),
            ("HP_DV_HP-DV-WW_20261121100000.txt", "pH\u{0}\u{1}\u{2}", .notText, nil),
            ("HP_DV_HP-DV-WW.txt", "pH\t7.1\t\t20261121100000\t00\n", .badName, nil),
        ] as [(String, String, Circular10.ErrorKind, Int?)])
    func quarantineReasons(name: String, text: String, kind: Circular10.ErrorKind, line: Int?) {
        guard case .failure(let problems) = reader().read(name: name, bytes: bytes(text)) else {
            Issue.record("\(name) accepted")
            return
        }
        #expect(problems.items.first?.kind == kind)
        #expect(problems.items.first?.line == line)
        #expect(problems.description.contains(kind.rawValue))
    }

    @Test func invalidUTF8IsNotText() {
        guard case .failure(let p) = reader().read(name: "HP_DV_HP-DV-WW_20261121100000.txt", bytes: [0x70, 0x48, 0x20, 0xFF, 0xFE, 0x0A]) else {
            Issue.record("accepted")
            return
        }
        #expect(p.items.first?.kind == .notText)
    }

    @Test func everyBadLineIsListed() {
        let text = "pH\tx\t\t20261121100000\t00\nCOD\t45\tmg/L\t20261121100000\t00\nTSS\t1\tmg/L\t20261121100000\t09\n"
        guard case .failure(let p) = reader().read(name: "HP_DV_HP-DV-WW_20261121100000.txt", bytes: bytes(text)) else {
            Issue.record("accepted")
            return
        }
        #expect(p.items.map(\.line) == [1, 3])
    }
}

@Suite struct QualityControlTests {
    let pm = reference.parameters.lookup("PM2.5")!
    let temp = reference.parameters.lookup("Temp")!
    let base: Int64 = 1_795_100_000

    func series(_ values: [Double], status: [DeviceStatus]? = nil, step: Int64 = 300) -> [QCPoint] {
        values.enumerated().map { i, v in QCPoint(t: base + Int64(i) * step, value: v, status: status?[i] ?? .measuring) }
    }

    @Test func singleValueRules() {
        #expect(QualityControl.flag(value: 30, status: .calibrating, parameter: pm) == .calibrating)
        #expect(QualityControl.flag(value: 30, status: .deviceError, parameter: pm) == .deviceError)
        #expect(QualityControl.flag(value: 30, status: .maintenance, parameter: pm) == .maintenance)
        #expect(QualityControl.flag(value: -1, status: .measuring, parameter: pm) == .negative)
        #expect(QualityControl.flag(value: -5, status: .measuring, parameter: temp) == .ok)  // temperatures can be negative
        #expect(QualityControl.flag(value: 1200, status: .measuring, parameter: pm) == .outOfRange)
        #expect(QualityControl.flag(value: 30, status: .measuring, parameter: pm) == .ok)
    }

    @Test func spikeFlagsTheJumpNotTheReturn() {
        // PM2.5 allows 300 µg/m³ per 5 minutes.
        let flags = QualityControl.evaluate(series([40, 42, 500, 41, 43]), parameter: pm).map(\.flag)
        #expect(flags == [.ok, .ok, .spike, .ok, .ok])
    }

    @Test func spikeBoundScalesWithTheGap() {
        // 400 µg/m³ more after 10 minutes is within 2 × 300.
        #expect(QualityControl.evaluate(series([40, 440], step: 600), parameter: pm).map(\.flag) == [.ok, .ok])
        // A reference older than an hour is not used: a level shift is accepted after a gap.
        #expect(QualityControl.evaluate(series([40, 900], step: 4000), parameter: pm).map(\.flag) == [.ok, .ok])
    }

    @Test func flatLineFlagsTheWholeRun() {
        let n = pm.flatLine!
        let values = [30.1] + Array(repeating: 33.3, count: n) + [30.2]
        let flags = QualityControl.evaluate(series(values), parameter: pm).map(\.flag)
        #expect(flags.first == .ok)
        #expect(flags.last == .ok)
        #expect(flags[1...n].allSatisfy { $0 == .flatLine })
        // One short of N is fine.
        let short = [30.1] + Array(repeating: 33.3, count: n - 1) + [30.2]
        #expect(QualityControl.evaluate(series(short), parameter: pm).allSatisfy { $0.flag == .ok })
    }

    @Test func overridesWinAndAreMarked() {
        let points = series([40, 42, 500, 41])
        let accept = QCOverride(from: points[2].t, to: points[2].t, flag: .ok, reason: "real smoke plume", by: "tram", at: 0)
        let reject = QCOverride(from: points[0].t, to: points[1].t, flag: .rejected, reason: "inlet blocked", by: "tram", at: 0)
        let flags = QualityControl.evaluate(points, parameter: pm, overrides: [reject, accept])
        #expect(flags.map(\.flag) == [.rejected, .rejected, .ok, .ok])
        #expect(flags.map(\.overridden) == [true, true, true, false])
        #expect(StoredQC(raw: flags[0].raw) == flags[0])
    }

    @Test func deviceErrorRuns() {
        let s: [DeviceStatus] = [.measuring, .deviceError, .deviceError, .measuring, .deviceError]
        let runs = StationHealth.deviceErrorRuns(series([1, 2, 3, 4, 5], status: s))
        #expect(runs.count == 2)
        #expect(runs[0].start == base + 300 && runs[0].end == base + 900)
        #expect(runs[1].start == base + 1200 && runs[1].end == nil)
    }

    @Test func silence() {
        #expect(StationHealth.isSilent(lastRecord: 1000, registered: 0, threshold: 1800, now: 2801))
        #expect(!StationHealth.isSilent(lastRecord: 1000, registered: 0, threshold: 1800, now: 2800))
        #expect(StationHealth.isSilent(lastRecord: nil, registered: 0, threshold: 1800, now: 1801))
    }
}

@Suite struct FacilityLimitTests {
    let limits = reference.facilityLimits
    let july2024 = Timestamps.parseDate("2024-07-01")!
    let dec2025 = Timestamps.parseDate("2025-12-01")!

    @Test func qcvn40ColumnBWithCoefficients() {
        let c = FacilityLimitConfig(family: "QCVN40", column: "B", k1: 0.9, k2: 0.9)
        let cod = limits.limit(parameter: "COD", config: c, at: dec2025)
        #expect(cod?.max == 121.5)
        #expect(cod?.standard.hasPrefix("QCVN 40:2011/BTNMT column B") == true)
        // pH is two-sided and not scaled by Kq·Kf.
        let ph = limits.limit(parameter: "pH", config: c, at: dec2025)
        #expect(ph?.min == 5.5 && ph?.max == 9)
        #expect(limits.limit(parameter: "COD", config: FacilityLimitConfig(family: "QCVN40", column: "A"), at: dec2025)?.max == 75)
    }

    @Test func qcvn19EditionByDate() {
        let c = FacilityLimitConfig(family: "QCVN19", column: "B")
        #expect(limits.limit(parameter: "Dust", config: c, at: july2024)?.max == 200)  // 19:2009
        #expect(limits.limit(parameter: "Dust", config: c, at: dec2025)?.max == 50)  // 19:2024 from 2025-07-01
        // A facility in transition pins the 2009 edition.
        var pinned = c
        pinned.edition = "QCVN 19:2009/BTNMT"
        #expect(limits.limit(parameter: "Dust", config: pinned, at: dec2025)?.max == 200)
    }

    @Test func configurationProblems() {
        #expect(limits.problems(FacilityLimitConfig(family: "QCVN40", column: "B"), kind: .wastewater).isEmpty)
        #expect(!limits.problems(FacilityLimitConfig(family: "QCVN40", column: "B"), kind: .emissionStack).isEmpty)
        #expect(!limits.problems(FacilityLimitConfig(family: "QCVN99", column: "B"), kind: .wastewater).isEmpty)
        #expect(!limits.problems(FacilityLimitConfig(family: "QCVN40", column: "C"), kind: .wastewater).isEmpty)
        #expect(!limits.problems(FacilityLimitConfig(family: "QCVN40", column: "B", k1: 0), kind: .wastewater).isEmpty)
    }

    @Test func pHBelowTheMinimumIsAnEvent() {
        let values = (1...4).map { h in PeriodValue(start: Int64(h - 1) * 3600, end: Int64(h) * 3600, value: [7.0, 5.2, 5.0, 7.1][h - 1]) }
        let events = ExceedanceDetector.events(parameter: "pH", period: .hour1, values: values, step: 3600) { _ in
            AppliedLimit(max: 9, min: 5.5, standard: "QCVN 40:2011/BTNMT column B")
        }
        #expect(events.count == 1)
        #expect(events.first?.limit == 5.5)
        #expect(events.first?.peak == 5.0)
        #expect(events.first?.start == 3600 && events.first?.end == 3 * 3600)
    }
}

@Suite struct AlertEvaluatorTests {
    let hp = AlertSubject(station: "HP-DV-WW", facility: 1, province: "31")
    let hn = AlertSubject(station: "HN-NKT", facility: nil, province: "01")

    func exceedance(_ key: String, open: Bool, subject: AlertSubject? = nil) -> AlertCondition {
        AlertCondition(
            kind: .exceedance, subjectKey: key, subject: subject ?? hp, parameter: "COD", start: 0, end: 3600, open: open, value: 180, limit: 121.5)
    }

    @Test func oncePerEventAndClosedWhenItEnds() {
        let rule = AlertRule(id: 1, name: "QCVN", kind: .exceedance)
        // First sight: opens.
        var d = AlertEvaluator.decide(rules: [rule], conditions: [exceedance("exc:1", open: true)], open: [], raised: [])
        #expect(d.open.count == 1 && d.close.isEmpty)
        // Still going: nothing to do.
        d = AlertEvaluator.decide(
            rules: [rule], conditions: [exceedance("exc:1", open: true)], open: [.init(id: 7, rule: 1, subjectKey: "exc:1")], raised: ["1|exc:1"])
        #expect(d.open.isEmpty && d.close.isEmpty)
        // Ended: closes, and is not raised again.
        d = AlertEvaluator.decide(
            rules: [rule], conditions: [exceedance("exc:1", open: false)], open: [.init(id: 7, rule: 1, subjectKey: "exc:1")], raised: ["1|exc:1"])
        #expect(d.open.isEmpty && d.close.map(\.id) == [7])
        d = AlertEvaluator.decide(rules: [rule], conditions: [exceedance("exc:1", open: false)], open: [], raised: ["1|exc:1"])
        #expect(d.open.isEmpty && d.close.isEmpty)
    }

    @Test func scopes() {
        let byProvince = AlertRule(id: 1, name: "HN", kind: .exceedance, scope: AlertScope(provinces: ["01"]))
        let byFacility = AlertRule(id: 2, name: "KCN", kind: .exceedance, scope: AlertScope(facilities: [1]))
        let c = [exceedance("a", open: true), exceedance("b", open: true, subject: hn)]
        let d = AlertEvaluator.decide(rules: [byProvince, byFacility], conditions: c, open: [], raised: [])
        #expect(d.open.map { "\($0.rule.id!)|\($0.condition.subjectKey)" }.sorted() == ["1|b", "2|a"])
    }

    @Test func aqiEpisodesAndDeviceMinutes() {
        let rule = AlertRule(id: 3, name: "AQI", kind: .aqi, aqiAtLeast: 151)
        let high = AlertCondition(kind: .aqi, subjectKey: "aqi:HN-NKT", subject: hn, start: 0, open: true, value: 160)
        let low = AlertCondition(kind: .aqi, subjectKey: "aqi:HN-NKT", subject: hn, start: 3600, open: true, value: 120)
        #expect(AlertEvaluator.decide(rules: [rule], conditions: [high], open: [], raised: ["3|aqi:HN-NKT"]).open.count == 1)  // may open again
        #expect(
            AlertEvaluator.decide(rules: [rule], conditions: [low], open: [.init(id: 1, rule: 3, subjectKey: "aqi:HN-NKT")], raised: []).close.count
                == 1)
        let dev = AlertRule(id: 4, name: "dev", kind: .deviceError, minutes: 30)
        let short = AlertCondition(kind: .deviceError, subjectKey: "dev:1:0", subject: hp, start: 0, end: 1200, open: true)
        let long = AlertCondition(kind: .deviceError, subjectKey: "dev:1:0", subject: hp, start: 0, end: 1800, open: true)
        #expect(AlertEvaluator.decide(rules: [dev], conditions: [short], open: [], raised: []).open.isEmpty)
        #expect(AlertEvaluator.decide(rules: [dev], conditions: [long], open: [], raised: []).open.count == 1)
    }

    @Test func hmacKnownVector() {
        // RFC 4231 test case 2.
        let mac = HMACSHA256.mac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
