import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// The QC review queue: a stuck analyser's flat line is one run; the officer's decision with a reason is an override
/// the API shows, the deriver applies and the audit log keeps; a decision without a reason is refused in the page's
/// language; other roles get 403.
@Suite struct QualityReviewTests {
    /// Three hours of PM2.5 at HN-NKT, the middle hour stuck at 42.0 (12 identical values after 6 more: a flat line
    /// of 24 or more).
    static func stuck() -> ByteBuffer {
        var out: [[String: Any]] = []
        for k in 0..<36 {
            let t = Fixture.now - 4 * 3600 + Int64(k) * 300
            let value = (6..<32).contains(k) ? 42.0 : 30.0 + Double(k % 7)
            out.append(["station": "HN-NKT", "parameter": "PM2.5", "time": Timestamps.format(t), "value": value, "status": "00"])
        }
        return Fixture.observations(out)
    }

    @Test func aFlatLineRunIsReviewedOnceWithAReason() async throws {
        let f = try await Fixture()
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Self.stuck()) { #expect($0.status == .ok) }
            try await f.services.deriver.drain()
            let queue = try await client.execute(uri: "/workspace/quality", method: .get, headers: [.cookie: officer.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(queue.contains(#"data-run="HN-NKT|PM2.5|flat_line""#) && queue.contains("Nguyễn Khánh Toàn"))
            #expect(queue.components(separatedBy: "data-run=").count == 2, "26 stuck values are one run")
            let href = try #require(
                queue.components(separatedBy: #"href="/workspace/quality/review?"#).dropFirst().first?.prefix { $0 != "\"" })
            let query = String(href).replacingOccurrences(of: "&amp;", with: "&")
            let review = try await client.execute(uri: "/workspace/quality/review?\(query)", method: .get, headers: [.cookie: officer.cookie]) {
                r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(review.contains("<svg") && review.contains("26 giá trị bị gắn cờ"), "a chart of the run and its neighbours")
            let fields = query.split(separator: "&").filter { !$0.hasPrefix("lang=") }.joined(separator: "&")
            var h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: officer.cookie]
            func decide(_ body: String, headers: HTTPFields) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(
                    uri: "/workspace/quality/review?lang=vi", method: .post, headers: headers, body: ByteBuffer(string: body + "&" + fields)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            let (noReason, page) = try await decide("decision=valid&reason=&csrf=\(officer.csrf)", headers: h)
            #expect(noReason == .unprocessableContent && page.contains("Quyết định cần ghi rõ lý do."))
            let (ok, _) = try await decide("decision=valid&reason=Gi%C3%B3+l%E1%BA%B7ng%2C+s%C6%B0%C6%A1ng+m%C3%B9&csrf=\(officer.csrf)", headers: h)
            #expect(ok == .seeOther)
            // The decision, through the API: an override marking the run valid, by the officer, with the reason.
            let overrides = try await client.execute(uri: "/api/v1/stations/HN-NKT/overrides?parameter=PM2.5", method: .get) {
                String(buffer: $0.body)
            }
            #expect(overrides.contains(#""flag":"ok""#) && overrides.contains(#""by":"lan""#) && overrides.contains("Gió lặng, sương mù"))
            // The run has left the queue, before and after the deriver applies the override to the values.
            for _ in 0..<2 {
                let after = try await client.execute(uri: "/workspace/quality?done=1", method: .get, headers: [.cookie: officer.cookie]) {
                    String(buffer: $0.body)
                }
                #expect(!after.contains("data-run=") && after.contains("Đã lưu quyết định"))
                try await f.services.deriver.drain()
            }
            let audit = try await f.store.auditEntries(AuditFilter(entity: "overrides"), beforeSeq: nil, limit: 5)
            #expect(audit.count == 1 && audit.first?.actor == "lan" && audit.first?.after?.contains(#""decision":"valid""#) == true)
            // Other roles: 403 on the same URLs.
            h[.cookie] = reporter.cookie
            let (theirs, _) = try await decide("decision=accept&reason=x&csrf=\(reporter.csrf)", headers: h)
            #expect(theirs == .forbidden)
            try await client.execute(uri: "/workspace/quality", method: .get, headers: [.cookie: reporter.cookie]) {
                #expect($0.status == .forbidden)
            }
            // A run named wrong is a 400 page, not a crash (times at the ends of Int64 included: the page adds margins).
            for (from, to) in [("9223372036854775807", "9223372036854775807"), ("-9223372036854775808", "-9223372036854775800")] {
                try await client.execute(
                    uri: "/workspace/quality/review?station=HN-NKT&parameter=PM2.5&from=\(from)&to=\(to)&flag=flat_line", method: .get,
                    headers: [.cookie: officer.cookie]
                ) { #expect($0.status == .badRequest) }
            }
            try await client.execute(
                uri: "/workspace/quality/review?station=HN-NKT&parameter=PM2.5&from=9&to=1&flag=flat_line", method: .get,
                headers: [.cookie: officer.cookie]
            ) {
                #expect($0.status == .badRequest)
            }
        }
    }
}
