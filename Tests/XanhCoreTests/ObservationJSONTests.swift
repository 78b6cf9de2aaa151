import Testing

@testable import XanhCore

@Suite struct ObservationJSONTests {
    func parse(_ s: String) throws(ObservationJSON.SyntaxError) -> ObservationJSON.Parsed { try ObservationJSON.parse(Array(s.utf8)) }

    @Test func rowsFieldsAndEscapes() throws {
        let p = try parse(
            #"""
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

    /// The body fed in pieces of every size gives exactly the rows of the whole body, each once, and the same errors.
    @Test func chunkedBodiesGiveTheSameRows() throws {
        let body = Array(
            #"""
             {"meta": {"a": [1, 2.5e3, true, null, "x\"y"]}, "observations": [ {"station": "A", "value": 12.5, "status": 1},
            {"station": "B\u1ea1", "parameter": "PM10", "time": "2026-11-20T10:05:00+07:00", "value": -3}, 42, [1], {"value": "x"},
            {"value": 1e5}, {} ], "tail": 123456 }
            """#.utf8)
        let whole = try ObservationJSON.parse(body)
        #expect(whole.rows.count == 7)
        for size in [1, 2, 3, 5, 7, 11, 64, body.count] {
            var stream = ObservationJSON.Stream()
            var rows: [ObservationInput] = []
            var errors: [Int: String] = [:]
            func keep(_ r: ObservationInput, _ e: String?) {
                if let e { errors[rows.count] = e }
                rows.append(r)
            }
            var i = 0
            while i < body.count {
                try stream.feed(body[i..<min(body.count, i + size)], keep)
                i += size
            }
            try stream.finish(keep)
            #expect(rows == whole.rows, "pieces of \(size) bytes")
            #expect(errors == whole.rowErrors, "pieces of \(size) bytes")
        }
        // Cut anywhere before its end, the body is incomplete.
        for cut in [1, body.count / 2, body.count - 2] {
            var stream = ObservationJSON.Stream()
            #expect(throws: ObservationJSON.SyntaxError.self) {
                try stream.feed(body[..<cut]) { _, _ in }
                try stream.finish { _, _ in }
            }
        }
    }

    @Test func nestingAndRowSizeAreBounded() {
        #expect(throws: ObservationJSON.SyntaxError.self) {
            try parse("{\"observations\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}")
        }
        // A row that grows past the limit while it streams in is refused before it is whole.
        let long = Array(("{\"observations\":[{\"station\":\"" + String(repeating: "a", count: 2 << 20) + "\"}]}").utf8)
        var stream = ObservationJSON.Stream()
        #expect(throws: ObservationJSON.SyntaxError.self) {
            for start in stride(from: 0, to: long.count, by: 65_536) { try stream.feed(long[start..<min(long.count, start + 65_536)]) { _, _ in } }
        }
    }
}
