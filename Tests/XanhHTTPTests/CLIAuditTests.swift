import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// The command line's writes are audited like the API's, and `xanh audit verify` names the entry edited by hand.
@Suite(.serialized) struct CLIAuditTests {
    static func run(_ args: [String], env: [String: String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = try CrashTests.binary()
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `xanh disaster`: a report imported twice is one record (the second writes nothing), approved, then totalled;
    /// a report with a bad time is refused naming its field.
    @Test func disasterReportsThroughTheCommandLine() async throws {
        let location = try Fixture.newLocation()
        let env = ["XANH_DB": location, "XANH_DATABASE_URL": "", "USER": "ops-lan"]
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-disaster-\(UUID().uuidString).json")
        let report = DisasterAPITests.report.replacingOccurrences(of: "20-A", with: "20").replacingOccurrences(of: "20-B", with: "31")
        try report.write(to: file, atomically: true, encoding: .utf8)
        let first = try Self.run(["disaster", "import", file.path, "--submit"], env: env)
        #expect(first.status == 0 && first.out.contains("LS-2026-07-LU: stored, submitted, 2 units"), "\(first)")
        #expect(try Self.run(["disaster", "import", file.path, "--submit"], env: env).out.contains("unchanged"))
        let approve = try Self.run(["disaster", "act", "LS-2026-07-LU", "approve"], env: env)
        #expect(approve.status == 0 && approve.out.contains("approved"), "\(approve)")
        let totals = try Self.run(["disaster", "totals", "--by", "unit"], env: env)
        #expect(totals.out.contains("20\t1\t2\t1\t5\t4\t10\t12000000000") && totals.out.contains("31\t1\t0\t0\t1\t0\t6\t3000000000"), "\(totals.out)")
        try report.replacingOccurrences(of: "2026-07-23T18:00:00+07:00", with: "soon").write(to: file, atomically: true, encoding: .utf8)
        let bad = try Self.run(["disaster", "import", file.path], env: env)
        #expect(bad.status != 0 && bad.err.contains("/end: 'soon' is not an ISO 8601 time"), "\(bad)")
        let store = try await Fixture.open(location)
        let actions = try await store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 10).reversed().map(\.action)
        #expect(actions == ["import disaster", "approve disaster"])
    }

    @Test func commandsAreAuditedAndAnEditedRowBreaksTheChain() async throws {
        let location = try Fixture.newLocation()
        let env = ["XANH_DB": location, "XANH_DATABASE_URL": "", "USER": "ops-lan", "XANH_BCRYPT_COST": "4"]
        let commands: [[String]] = [
            ["station", "add", "--code", "HN-NKT", "--name", "Nguyễn Khánh Toàn", "--province", "01", "--parameters", "PM2.5"],
            ["station", "map-file", "HaNoi_NKT", "HN-NKT"],
            ["key", "create", "--name", "logger", "--role", "facility_operator", "--stations", "HN-NKT"],
            ["user", "add", "--username", "lan", "--name", "Nguyễn Thị Lan", "--role", "reporter", "--unit", "01"],
            ["user", "disable", "lan"],
            ["user", "enable", "lan"],
            ["user", "reset-password", "lan"],
            ["user", "totp", "lan"],
            ["key", "revoke", "logger"],
        ]
        for c in commands {
            let r = try Self.run(c, env: env)
            #expect(r.status == 0, "xanh \(c.joined(separator: " ")): \(r.err)")
        }
        // Refused commands change nothing and leave no entry: a webhook into the server's own network, a weak password.
        let hook = try Self.run(["alert", "subscribe", "--webhook", "http://127.0.0.1:9/hook"], env: env)
        #expect(hook.status != 0 && hook.err.contains("loopback"), "\(hook)")
        let weak = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-pw-\(UUID().uuidString)")
        try "short".write(to: weak, atomically: true, encoding: .utf8)
        let bad = try Self.run(["user", "add", "--username", "an", "--name", "An", "--role", "leader", "--password-file", weak.path], env: env)
        #expect(bad.status != 0 && bad.err.contains("at least 10 characters"), "\(bad)")
        let list = try Self.run(["user", "list"], env: env)
        #expect(list.out.contains("lan\tNguyễn Thị Lan\treporter\tunit 01\tone-time password\ton\tnever"), "\(list.out)")
        let keys = try Self.run(["key", "list"], env: env)
        #expect(keys.out.contains("logger\tfacility_operator\tstations HN-NKT\t") && keys.out.contains("\tnever\trevoked"), "\(keys.out)")

        let store = try await Fixture.open(location)
        let entries = try await store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 100).reversed()
        #expect(
            entries.map(\.action) == [
                "station add", "station map-file", "key create", "user add", "user disable", "user enable", "user reset-password", "user totp",
                "key revoke",
            ])
        #expect(entries.allSatisfy { $0.actor == "ops-lan" && $0.channel == "cli" && $0.actorKind == "operator" })
        let ok = try Self.run(["audit", "verify"], env: env)
        #expect(ok.status == 0 && ok.out.contains("audit chain holds: 9 entries"), "\(ok)")

        try await store.db.write { c in try await c.execute("UPDATE audit_log SET after_state = '{\"role\":\"admin\"}' WHERE seq = 4") }
        let broken = try Self.run(["audit", "verify"], env: env)
        #expect(broken.status == 1)
        #expect(broken.err.contains("audit chain broken at entry 4"), "\(broken.err)")
        await store.close()
    }
}
