import Testing

@testable import XanhCore

@Suite struct TimestampTests {
    @Test func parsesOffsets() throws {
        let t = try Timestamps.parseISO8601("2026-11-20T10:05:00+07:00")
        #expect(t == 1_795_143_900)
        #expect(try Timestamps.parseISO8601("2026-11-20T03:05:00Z") == t)
        #expect(try Timestamps.parseISO8601("2026-11-20 03:05:00.123Z") == t)
        #expect(try Timestamps.parseISO8601("2026-11-20T05:05+0200") == t)
        #expect(Timestamps.format(t) == "2026-11-20T10:05:00+07:00")
        #expect(Timestamps.format(t, offset: 0) == "2026-11-20T03:05:00Z")
    }

    @Test func rejectsBadTimes() {
        #expect(throws: Timestamps.ParseError.missingOffset("2026-11-20T10:05:00")) { try Timestamps.parseISO8601("2026-11-20T10:05:00") }
        #expect(throws: Timestamps.ParseError.self) { try Timestamps.parseISO8601("2026-02-30T10:05:00Z") }
        #expect(throws: Timestamps.ParseError.self) { try Timestamps.parseISO8601("20/11/2026 10:05") }
        #expect(throws: Timestamps.ParseError.self) { try Timestamps.parseISO8601("2026-11-20T25:00:00Z") }
    }

    @Test func hourAndDayBoundaries() {
        let midnight = Timestamps.parseDate("2026-11-20")!
        #expect(Timestamps.hourEnd(midnight) == midnight)
        #expect(Timestamps.hourEnd(midnight + 1) == midnight + 3600)
        // The hour labelled 24:00 (00:00 next day) belongs to the day before.
        #expect(Timestamps.dayStart(ofHourEnd: midnight + 86_400) == midnight)
        #expect(Timestamps.dayStart(ofHourEnd: midnight + 3600) == midnight)
        #expect(Timestamps.localDate(midnight) == "2026-11-20")
    }
}

@Suite struct CatalogueTests {
    @Test func circular10CodesAndAliases() throws {
        let c = try ParameterCatalogue.bundled()
        #expect(c.lookup("PM2,5")?.code == "PM2.5")
        #expect(c.lookup("pm2.5")?.code == "PM2.5")
        #expect(c.lookup(" NH4+ ")?.code == "NH4")
        #expect(c.lookup("XYZ") == nil)
    }

    @Test func thirtyFourProvinces() throws {
        let p = try ProvinceCatalogue.bundled()
        #expect(p.count == 34)
        #expect(p.reduce(0) { $0 + $1.communes } == 3321)
        #expect(p.first { $0.code == "31" }?.mergedFrom == ["Hải Dương"])
        #expect(p.filter { $0.kind == "city" }.count == 6)
    }
}

@Suite struct ValidatorTests {
    let catalogue = try! ParameterCatalogue.bundled()
    var validator: ObservationValidator {
        ObservationValidator(
            catalogue: catalogue,
            directory: SeriesDirectory(stations: [
                "HN-NKT": .init(active: true, series: ["PM2.5": 1, "NO2": 2]), "OLD": .init(active: false, series: ["PM2.5": 3]),
            ]), now: 1_795_143_900)
    }

    func error(_ row: ObservationInput) -> String? {
        if case .failure(let e) = validator.validate(row) { return e.message }
        return nil
    }

    @Test func validRowWithQC() throws {
        let ok = try validator.validate(.init(station: "HN-NKT", parameter: "PM2,5", time: "2026-11-20T10:00:00+07:00", value: 35.2, status: "00"))
            .get()
        #expect(ok.seriesID == 1)
        #expect(ok.qc == .ok)
        let cal = try validator.validate(.init(station: "HN-NKT", parameter: "NO2", time: "2026-11-20T10:00:00+07:00", value: 35, status: "01")).get()
        #expect(cal.qc == .calibrating)
        let big = try validator.validate(.init(station: "HN-NKT", parameter: "PM2.5", time: "2026-11-20T10:00:00+07:00", value: 5000, status: nil))
            .get()
        #expect(big.qc == .outOfRange)
    }

    @Test func errorsNameTheProblem() {
        let t = "2026-11-20T10:00:00+07:00"
        #expect(error(.init(station: "XX", parameter: "PM2.5", time: t, value: 1, status: nil)) == "station 'XX' is not registered")
        #expect(error(.init(station: "OLD", parameter: "PM2.5", time: t, value: 1, status: nil)) == "station 'OLD' is deactivated")
        #expect(error(.init(station: "HN-NKT", parameter: "SO2", time: t, value: 1, status: nil))?.contains("does not measure SO2") == true)
        #expect(error(.init(station: "HN-NKT", parameter: "FOO", time: t, value: 1, status: nil)) == "parameter 'FOO' is not in the catalogue")
        #expect(error(.init(station: "HN-NKT", parameter: "PM2.5", time: "yesterday", value: 1, status: nil))?.contains("not ISO 8601") == true)
        #expect(error(.init(station: "HN-NKT", parameter: "PM2.5", time: t, value: nil, status: nil)) == "value is missing")
        #expect(error(.init(station: "HN-NKT", parameter: "PM2.5", time: t, value: 1, status: "07"))?.contains("device status") == true)
        #expect(error(.init(station: "HN-NKT", parameter: "PM2.5", time: "2027-01-01T00:00:00Z", value: 1, status: nil))?.contains("future") == true)
    }
}

@Suite struct CSVTests {
    @Test func quotedFieldsAndLineNumbers() {
        let rows = CSV.parse("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\n\n3,4\n")
        #expect(rows.map(\.fields) == [["a", "b"], ["x, y", "say \"hi\""], ["3", "4"]])
        #expect(rows.map(\.line) == [1, 2, 4])
    }

    @Test func observationCSVReportsBadValues() throws {
        let (inputs, lines, errors) = try ObservationCSV.parse(
            "station,parameter,time,value,status\nHN-NKT,PM2.5,2026-11-20T10:00:00+07:00,35.2,00\nHN-NKT,PM2.5,2026-11-20T10:05:00+07:00,abc,00\n",
            file: "x.csv")
        #expect(inputs.count == 2)
        #expect(inputs[0].value == 35.2)
        #expect(lines == [2, 3])
        #expect(errors[1] == "value 'abc' is not a number")
        let (_, _, e2) = try ObservationCSV.parse("station,parameter,time,value\nHN-NKT,PM2,5,2026-11-20T10:00:00+07:00,35.2\n", file: "y.csv")
        #expect(e2[0]?.hasPrefix("row has 5 fields but the header has 4") == true)
    }

    @Test func stationCSVNamesTheLine() {
        #expect(throws: StationCSV.LineError.self) {
            try StationCSV.parse("code,name,kind,province\nA,B,volcano,01\n", file: "s.csv")
        }
    }
}

@Suite struct DemoTests {
    @Test func demoNetworkCoversFourProvincesAndHasAHaze() {
        let stations = DemoNetwork.stations(facilityID: 1)
        #expect(stations.count >= 12)
        #expect(Set(stations.map(\.province)).isSuperset(of: ["01", "79", "31", "20"]))
        var rows = 0
        var calibrating = 0
        var maxPM = 0.0
        DemoNetwork.generate(end: 1_795_662_300, days: 30) { chunk in
            rows += chunk.count
            calibrating += chunk.filter { $0.status == .calibrating }.count
            maxPM = max(maxPM, chunk.filter { $0.parameter == "PM2.5" && $0.status == .measuring }.map(\.value).max() ?? 0)
        }
        #expect(rows > 500_000)
        #expect(calibrating > 0)
        #expect(maxPM > 100)
    }
}
