import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore
import ZIPFoundation

/// A reporter of Hải Phòng downloads the template from the reporting page, uploads it through the file form, is told
/// of a bad cell in Vietnamese (sheet, row, column), fixes it and submits; enters one value with the form; an approver
/// sends one back with a note and approves the other; other roles get 403.
@Suite struct ReportingPagesTests {
    static func multipart(_ file: Data, csrf: String, boundary: String = "----xanh-test-7MA4YWxk") -> (HTTPFields, ByteBuffer) {
        var body = Data()
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n".utf8))
        body.append(
            Data(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"mẫu.xlsx\"\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
                    .utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(data: body))
    }

    @Test func aReporterUploadsTheTemplateAndAnApproverHandlesIt() async throws {
        let f = try await Fixture(station: false)
        let reporter = try await f.session(.reporter, username: "minh", scope: AccessScope(unit: "31"))
        let approver = try await f.session(.approver, username: "binh", scope: AccessScope(unit: "31"))
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        // Last year's figure of one ratio indicator, approved (the previous period on the approver's page).
        try await f.services.indicators.submit(
            [IndicatorValueInput(indicator: "HP.MSW-RURAL", unit: "31", period: "2025", value: nil, numerator: 800, denominator: 900, origin: "t")],
            status: .submitted, by: "seed", at: Fixture.now)
        try await f.services.indicators.transition(
            [ValueKey(indicator: "HP.MSW-RURAL", unit: "31", period: "2025")], action: .approve, approver: true, by: "seed", comment: nil,
            at: Fixture.now)
        try await f.test { client in
            let page = try await client.execute(uri: "/workspace/reporting?period=2026", method: .get, headers: [.cookie: reporter.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(page.contains(#"data-indicator="HP.MSW-RURAL" data-status="missing""#) && page.contains("Hải Phòng · 2026"))
            #expect(page.contains(#"href="/workspace/reporting/template?lang=vi&amp;period=2026&amp;unit=31""#))
            let template = try await client.execute(
                uri: "/workspace/reporting/template?period=2026", method: .get, headers: [.cookie: reporter.cookie]
            ) { r -> Data in
                #expect(r.status == .ok && r.headers[.contentType]?.contains("spreadsheetml") == true)
                return Data(buffer: r.body)
            }
            let sheets = try XLSX.read(template)
            #expect(sheets.map(\.name) == ["so_lieu", "huong_dan"])
            var sheet = sheets[0]
            #expect(sheet.rows[0].compactMap(\.text) == IndicatorTemplate.header)
            #expect(
                IndicatorTemplate.header[2] == "Mã đơn vị hành chính (admin_unit)" && IndicatorTemplate.header[5] == "Đơn vị tính (unit_of_measure)")
            // The data validation is in the sheet's XML (every row's number cells).
            let xml = try String(decoding: OOXMLTestParts.part(template, "xl/worksheets/sheet1.xml"), as: UTF8.self)
            #expect(xml.components(separatedBy: "<dataValidation ").count - 1 == sheet.rows.count - 1)
            guard let ratioRow = sheet.rows.firstIndex(where: { $0.first == .text("HP.MSW-RURAL") }),
                let directRow = sheet.rows.firstIndex(where: { $0.first == .text("GG.EV-PORTS") })
            else {
                Issue.record("the template lacks HP.MSW-RURAL or GG.EV-PORTS")
                return
            }
            #expect(sheet.cell(ratioRow, 10) == .text("chưa có (missing)"))
            sheet.set(ratioRow, 7, .number(819))
            sheet.set(ratioRow, 8, .number(900))
            sheet.set(directRow, 6, .text("bốn mươi"))
            let (headers, bad) = Self.multipart(try XLSX.write([sheet]), csrf: reporter.csrf)
            var h = headers
            h[.cookie] = reporter.cookie
            let refused = try await client.execute(uri: "/workspace/reporting/upload?period=2026", method: .post, headers: h, body: bad) { r in
                #expect(r.status == .unprocessableContent)
                return String(buffer: r.body)
            }
            #expect(refused.contains("Trang tính so_lieu, dòng \(directRow + 1), cột G (Giá trị — chỉ tiêu nhập trực tiếp (value))"), "\(refused)")
            #expect(refused.contains("giá trị &#39;bốn mươi&#39; không phải là số") || refused.contains("giá trị 'bốn mươi' không phải là số"))
            #expect(try await f.store.values(indicator: nil, unit: "31", period: "2026", statuses: ValueStatus.allCases, limit: 10).isEmpty)
            // A multipart form without the session's token is refused before the handler.
            let (noToken, noTokenBody) = Self.multipart(try XLSX.write([sheet]), csrf: "wrong")
            var h2 = noToken
            h2[.cookie] = reporter.cookie
            try await client.execute(uri: "/workspace/reporting/upload?period=2026", method: .post, headers: h2, body: noTokenBody) {
                #expect($0.status == .forbidden)
            }
            sheet.set(directRow, 6, .number(40))
            let (_, good) = Self.multipart(try XLSX.write([sheet]), csrf: reporter.csrf)
            try await client.execute(uri: "/workspace/reporting/upload?period=2026", method: .post, headers: h, body: good) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/workspace/reporting?lang=vi&period=2026&stored=2")
            }
            let stored = try await f.store.values(indicator: nil, unit: "31", period: "2026", statuses: ValueStatus.allCases, limit: 10)
            #expect(stored.count == 2 && stored.allSatisfy { $0.status == .submitted && $0.updatedBy == "minh" })
            // The template now holds what is in, with its status; sent back as it is, nothing changes.
            let again = try await client.execute(
                uri: "/workspace/reporting/template?period=2026", method: .get, headers: [.cookie: reporter.cookie]
            ) { Data(buffer: $0.body) }
            let filled = try XLSX.read(again)[0]
            #expect(filled.cell(ratioRow, 7) == .number(819) && filled.cell(ratioRow, 10) == .text("đã gửi (submitted)"))
            // One value through the form, in English: a text is refused in English, a number stored.
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: reporter.cookie]
            let formRefusal = try await client.execute(
                uri: "/workspace/reporting/value?lang=en&period=2026", method: .post, headers: form,
                body: ByteBuffer(string: "indicator=1.2&period=2026&value=lots&csrf=\(reporter.csrf)")
            ) { r in
                #expect(r.status == .unprocessableContent)
                return String(buffer: r.body)
            }
            #expect(
                formRefusal.contains("form</strong>: value &#39;lots&#39; is not a number") || formRefusal.contains("value 'lots' is not a number"))
            try await client.execute(
                uri: "/workspace/reporting/value?lang=en&period=2026", method: .post, headers: form,
                body: ByteBuffer(string: "indicator=1.2&period=2026&value=1234%2C5&csrf=\(reporter.csrf)")
            ) { #expect($0.status == .seeOther) }
            #expect(try await f.store.values(indicator: "1.2", unit: "31", period: "2026", statuses: [.submitted], limit: 1).first?.value == 1234.5)
            // A unit outside the reporter's scope: the unit comes from the account, whatever the query says.
            try await client.execute(
                uri: "/workspace/reporting/value?period=2026&unit=01", method: .post, headers: form,
                body: ByteBuffer(string: "indicator=1.2&period=2026&value=3&csrf=\(reporter.csrf)")
            ) { #expect($0.status == .seeOther) }
            #expect(try await f.store.values(indicator: "1.2", unit: "01", period: "2026", statuses: ValueStatus.allCases, limit: 1).isEmpty)

            // The approver: the inbox shows last year's approved figure; sending back needs a note.
            let inbox = try await client.execute(uri: "/workspace/approvals", method: .get, headers: [.cookie: approver.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(inbox.contains(#"data-item="HP.MSW-RURAL|31|2026""#) && inbox.contains("88,889"), "last year's 800/900 = 88.9 %")
            let ap: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: approver.cookie]
            let noNote = try await client.execute(
                uri: "/workspace/approvals", method: .post, headers: ap,
                body: ByteBuffer(string: "item=GG.EV-PORTS%7C31%7C2026&action=send-back&note=&csrf=\(approver.csrf)")
            ) { r in
                #expect(r.status == .unprocessableContent)
                return String(buffer: r.body)
            }
            #expect(noNote.contains("trả lại cần ghi chú lý do"))
            try await client.execute(
                uri: "/workspace/approvals", method: .post, headers: ap,
                body: ByteBuffer(string: "item=GG.EV-PORTS%7C31%7C2026&action=send-back&note=Ki%E1%BB%83m+tra+l%E1%BA%A1i&csrf=\(approver.csrf)")
            ) { #expect($0.status == .seeOther) }
            try await client.execute(
                uri: "/workspace/approvals", method: .post, headers: ap,
                body: ByteBuffer(string: "item=HP.MSW-RURAL%7C31%7C2026&item=1.2%7C31%7C2026&action=approve&csrf=\(approver.csrf)")
            ) { #expect($0.status == .seeOther) }
            let after = Dictionary(
                uniqueKeysWithValues: try await f.store.values(indicator: nil, unit: "31", period: "2026", statuses: ValueStatus.allCases, limit: 10)
                    .map { ($0.indicator, $0.status) })
            #expect(after == ["GG.EV-PORTS": .draft, "HP.MSW-RURAL": .approved, "1.2": .approved])
            #expect(try await f.store.history(ValueKey(indicator: "GG.EV-PORTS", unit: "31", period: "2026")).last?.comment == "Kiểm tra lại")
            // The reporter sees the note on the value sent back.
            let back = try await client.execute(uri: "/workspace/reporting?period=2026", method: .get, headers: [.cookie: reporter.cookie]) {
                String(buffer: $0.body)
            }
            #expect(back.contains(#"data-indicator="GG.EV-PORTS" data-status="draft""#) && back.contains("Kiểm tra lại"))
            let audit = try await f.store.auditEntries(AuditFilter(entity: "values"), beforeSeq: nil, limit: 10).map(\.action)
            #expect(audit.filter { $0 == "POST /workspace/approvals" }.count == 2 && audit.contains("POST /workspace/reporting/upload"))

            // Other roles: 403 on the same URLs.
            for uri in ["/workspace/reporting", "/workspace/reporting/template?period=2026&unit=31", "/workspace/approvals"] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: officer.cookie]) { #expect($0.status == .forbidden, "\(uri)") }
            }
            try await client.execute(uri: "/workspace/approvals", method: .get, headers: [.cookie: reporter.cookie]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: "/workspace/approvals", method: .post, headers: form,
                body: ByteBuffer(string: "item=GG.EV-PORTS%7C31%7C2026&action=approve&csrf=\(reporter.csrf)")
            ) { #expect($0.status == .forbidden) }
            let account = try await client.execute(uri: "/account", method: .get, headers: [.cookie: reporter.cookie]) { String(buffer: $0.body) }
            #expect(account.contains(#"href="/workspace/reporting?lang=vi""#) && !account.contains("/workspace/approvals"))
        }
    }

    @Test func theAPISendsAValueBackWithANote() async throws {
        let f = try await Fixture(station: false)
        let approverKey = APIKeys.generate()
        try await f.store.createAPIKey(name: "approver", hash: APIKeys.hash(approverKey), role: "approver")
        try await f.services.indicators.submit(
            [IndicatorValueInput(indicator: "1.2", unit: "31", period: "2026", value: 10, origin: "t")], status: .submitted, by: "t",
            at: Fixture.now)
        try await f.test { client in
            let h: HTTPFields = [.authorization: "Bearer \(approverKey)", .contentType: "application/json"]
            let item = #"{"items":[{"indicator":"1.2","unit":"31","period":"2026"}]"#
            try await client.execute(uri: "/api/v1/values/send-back", method: .post, headers: h, body: ByteBuffer(string: item + "}")) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(
                uri: "/api/v1/values/send-back", method: .post, headers: h, body: ByteBuffer(string: item + #","comment":"wrong year"}"#)
            ) { #expect($0.status == .ok) }
            #expect(try await f.store.values(indicator: "1.2", unit: "31", period: "2026", statuses: [.draft], limit: 1).count == 1)
        }
    }
}

/// Reads one part of an OOXML package (for asserting on XML the readers ignore).
enum OOXMLTestParts {
    static func part(_ data: Data, _ path: String) throws -> Data {
        let archive = try Archive(data: data, accessMode: .read)
        guard let entry = archive[path] else { throw CocoaError(.fileNoSuchFile) }
        var out = Data()
        _ = try archive.extract(entry) { out.append($0) }
        return out
    }
}
