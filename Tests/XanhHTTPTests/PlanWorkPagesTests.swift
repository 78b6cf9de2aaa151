import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// An agency reports a task's progress with an evidence file and submits its report; the standing agency accepts it;
/// the file comes back as it went; other agencies and roles are refused.
@Suite struct PlanWorkPagesTests {
    @Test func anAgencyReportsWithEvidenceAndTheStandingAgencyAccepts() async throws {
        let f = try await Fixture(station: false)
        for t in DemoIndicators.targets { _ = try await f.store.upsertTarget(t) }
        _ = try await DemoPlanLoader.load(services: f.services)
        let agency = try await f.session(.reporter, username: "hoa", scope: AccessScope(agency: "SXD-HCM"))
        let other = try await f.session(.reporter, username: "khanh", scope: AccessScope(agency: "SCT-HCM"))
        let standing = try await f.session(.approver, username: "phuong", scope: AccessScope(agency: "STNMT-HCM"))
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let period = "2026-H2"  // Fixture.now is 20 November 2026
        let report = "HCM-PRP-MID~\(period)~SXD-HCM"
        try await f.test { client in
            let tasks = try await client.execute(uri: "/workspace/tasks", method: .get, headers: [.cookie: agency.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            // The demo has this half-year's word on 4.1 already (40 %).
            #expect(tasks.contains(#"data-task="4.1" data-reported="1""#) && tasks.contains("· \(period)</h2>"))
            #expect(tasks.contains(#"data-report="\#(report)""#))
            let pdf = Data("%PDF-1.4\n% biên bản\n%%EOF\n".utf8)
            let (headers, body) = ReportingPagesTests.multipart(pdf, csrf: agency.csrf)
            // The multipart helper sends the file as `file` with a spreadsheet type: anything not on the list is served as bytes.
            var h = headers
            h[.cookie] = agency.cookie
            let form = "/workspace/tasks/progress?plan=HCM-PRP-2023&task=4.1&period=\(period)"
            // No status: refused, nothing changed.
            try await client.execute(uri: form, method: .post, headers: h, body: body) { #expect($0.status == .unprocessableContent) }
            let before = try await f.store.progress(plan: "HCM-PRP-2023", period: period).filter { $0.agency == "SXD-HCM" }
            #expect(before.count == 1 && before.first?.percent == 40 && before.first?.evidence == [])
            let boundary = "----xanh-test-7MA4YWxk"
            var withStatus = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\non_track\r\n".utf8)
            withStatus.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"percent\"\r\n\r\n60\r\n".utf8))
            withStatus.append(Data(buffer: body))
            try await client.execute(uri: form, method: .post, headers: h, body: ByteBuffer(data: withStatus)) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/workspace/tasks?lang=vi&period=\(period)&done=1")
            }
            let entry = try #require(try await f.store.progress(plan: "HCM-PRP-2023", period: period).first { $0.agency == "SXD-HCM" })
            #expect(entry.status == .onTrack && entry.percent == 60 && entry.updatedBy == "hoa" && entry.evidence.count == 1)
            let link = try #require(entry.evidence.first)
            #expect(link.hasPrefix("/workspace/evidence/\(SHA256.hex(pdf))?name="))
            let (fileStatus, fileType, fileBody) = try await client.execute(uri: link, method: .get, headers: [.cookie: standing.cookie]) {
                ($0.status, $0.headers[.contentType], Data(buffer: $0.body))
            }
            #expect(fileStatus == .ok && fileBody == pdf && fileType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            // The same file again: still one link.
            try await client.execute(uri: form, method: .post, headers: h, body: ByteBuffer(data: withStatus)) { #expect($0.status == .seeOther) }
            #expect(try await f.store.progress(plan: "HCM-PRP-2023", period: period).first { $0.agency == "SXD-HCM" }?.evidence.count == 1)
            // Another agency may not write this one's progress (the page's query names an agency; the account's wins).
            var h2 = h
            h2[.cookie] = other.cookie
            let (_, otherBody) = ReportingPagesTests.multipart(pdf, csrf: other.csrf)
            var otherData = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nmet\r\n".utf8)
            otherData.append(Data(buffer: otherBody))
            try await client.execute(uri: form + "&agency=SXD-HCM", method: .post, headers: h2, body: ByteBuffer(data: otherData)) {
                #expect($0.status == .unprocessableContent, "SCT-HCM is no agency of task 4.1")
            }
            // The report, submitted; then accepted by the standing agency.
            let urlencoded: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: agency.cookie]
            try await client.execute(
                uri: "/workspace/tasks/report?period=\(period)", method: .post, headers: urlencoded,
                body: ByteBuffer(string: "id=\(report)&results=Nhi%E1%BB%87m+v%E1%BB%A5+4.1+%C4%91%E1%BA%A1t+60+%25&csrf=\(agency.csrf)")
            ) { #expect($0.status == .seeOther) }
            let consolidation = try await client.execute(
                uri: "/workspace/consolidation?period=\(period)", method: .get, headers: [.cookie: standing.cookie]
            ) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(
                consolidation.contains(#"data-report="\#(report)" data-state="submitted""#)
                    && consolidation.contains(link.replacingOccurrences(of: "&", with: "&amp;")))
            #expect(consolidation.contains("/api/v1/plans/HCM-PRP-2023/report?period=\(period)&amp;format=docx"))
            let decide: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: standing.cookie]
            try await client.execute(
                uri: "/workspace/consolidation?period=\(period)", method: .post, headers: decide,
                body: ByteBuffer(string: "id=\(report)&action=send-back&note=&csrf=\(standing.csrf)")
            ) { #expect($0.status == .conflict, "sending back needs a note") }
            try await client.execute(
                uri: "/workspace/consolidation?period=\(period)", method: .post, headers: decide,
                body: ByteBuffer(string: "id=\(report)&action=accept&csrf=\(standing.csrf)")
            ) { #expect($0.status == .seeOther) }
            let stored = try await f.store.reports(ReportFilter(obligations: ["HCM-PRP-MID"], period: period, agency: "SXD-HCM"))
            #expect(
                stored.first?.stage == .accepted && stored.first?.decidedBy == "phuong"
                    && stored.first?.sections["results"] == "Nhiệm vụ 4.1 đạt 60 %")
            let audit = try await f.store.auditEntries(AuditFilter(actor: nil, entity: nil), beforeSeq: nil, limit: 20).map(\.action)
            #expect(audit.contains("POST /workspace/tasks/progress") && audit.contains("POST /workspace/consolidation"))
            // Refused: the reporter on the consolidation, the officer on all of it, anyone on a file that is not there.
            try await client.execute(uri: "/workspace/consolidation", method: .get, headers: [.cookie: agency.cookie]) {
                #expect($0.status == .forbidden)
            }
            for uri in ["/workspace/tasks", form, "/workspace/consolidation"] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: officer.cookie]) { #expect($0.status == .forbidden, "\(uri)") }
            }
            try await client.execute(
                uri: "/workspace/evidence/\(String(repeating: "a", count: 64))", method: .get, headers: [.cookie: standing.cookie]
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: link, method: .get) { #expect($0.status == .seeOther, "the public is sent to the login") }
        }
    }
}
