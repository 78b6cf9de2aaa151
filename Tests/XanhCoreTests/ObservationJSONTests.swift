import Testing

@testable import XanhCore

@Suite struct ObservationJSONTests {
    func parse(_ s: String) throws(ObservationJSON.SyntaxError) -> ObservationJSON.Parsed { try ObservationJSON.parse(Array(s.utf8)) }

    @Test func rowsFieldsAndEscapes() throws {
        let p = try parse(#"""
            {"meta": {"a": [1, true, null]}, "observations": [
              {"station": "HN-NKT", "parameter": "PM2,5", "time": "2026-11-20T10:05:00+07:00", "value": 35.2, "status": "00"},
              {"station": "Tr\u1ea1m \"A\"\n", "value": -1.5e2, "status": 1, "extra": {"x": [1]}},
              {"station": 7, "value": "35"},
              42
            ]}
            """#)
        #expect(p.rows.count == 4)
        #expect(p.rows[0] == ObservationInput(station: "HN-NKT", parameter: "PM2,5", time: "2026-11-20T10:05:00+07:00", value: 35.2, status: "00"))
        #expect(p.rows[1].station == "Trạm \"A\"\n")
        #expect(p.rows[1].value == -150)
        #expect(p.rows[1].status == "01")
        #expect(p.rowErrors[2] == "station must be a string")
        #expect(p.rowErrors[3] == "row must be an object")
        #expect(p.rowErrors.count == 2)
    }

    @Test func syntaxErrorsRejectTheBody() {
        #expect(throws: ObservationJSON.SyntaxError.self) { try parse(#"{"observations": [{"value": 1,}]}"#) }
        #expect(throws: ObservationJSON.SyntaxError.self) { try parse(#"{"observations": [{"value": 01x}]}"#) }
        #expect(throws: ObservationJSON.SyntaxError.self) { try parse(#"{"observations": []} trailing"#) }
        #expect(throws: ObservationJSON.SyntaxError.self) { try parse(#"{"observations": ["#) }
        do {
            _ = try parse(#"{"rows": []}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.pointer == "/observations")
        }
    }
}
