import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// People's accounts, sessions, failed logins and the audit chain, called directly on each engine.
@Suite struct AccountContractTests {
    @Test(arguments: Engine.available) func usersAreStoredDisabledAndRepassworded(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let scope = AccessScope(unit: "01", agency: "Sở Nông nghiệp và Môi trường Hà Nội")
        try await store.createUser(UserRecord(username: "lan", name: "Nguyễn Thị Lan", role: "reporter", scope: scope, passwordHash: "h1"))
        try await store.createUser(UserRecord(username: "an", name: "Lê An", role: "leader", passwordHash: "h2", mustChangePassword: false))
        await #expect(throws: StoreError.conflict("a user named 'lan' exists")) {
            try await store.createUser(UserRecord(username: "lan", name: "x", role: "admin", passwordHash: "h"))
        }
        let lan = try #require(try await store.user(username: "lan"))
        #expect(lan.scope == scope && lan.mustChangePassword && !lan.disabled && lan.totpSecret == nil && lan.createdAt > 0 && lan.lastLoginAt == nil)
        #expect(try await store.users().map(\.username) == ["an", "lan"])
        try await store.setPassword(username: "lan", hash: "h3", mustChange: false, keepingSession: nil)
        try await store.setTOTPSecret(username: "lan", secret: "SECRET")
        try await store.recordLogin(username: "lan", at: 1_700_000_000)
        let after = try #require(try await store.user(username: "lan"))
        #expect(after.passwordHash == "h3" && !after.mustChangePassword && after.totpSecret == "SECRET" && after.lastLoginAt == 1_700_000_000)
        try await store.setUserDisabled(username: "lan", disabled: true)
        #expect(try await store.user(username: "lan")?.disabled == true)
        await #expect(throws: StoreError.notFound("no user named 'nobody'")) { try await store.setUserDisabled(username: "nobody", disabled: true) }
    }

    @Test(arguments: Engine.available) func sessionsExpireAndEnd(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        try await store.createUser(UserRecord(username: "lan", name: "Lan", role: "reporter", passwordHash: "h"))
        for (t, exp) in [("t1", Int64(2_000)), ("t2", 3_000), ("t3", 3_000)] {
            try await store.createSession(
                SessionRecord(tokenHash: t, username: "lan", csrf: "c-" + t, createdAt: 1_000, expiresAt: exp, address: "10.0.0.1"))
        }
        #expect(try await store.session(tokenHash: "t1", now: 1_500)?.csrf == "c-t1")
        #expect(try await store.session(tokenHash: "t1", now: 2_000) == nil, "expired")
        try await store.deleteSession(tokenHash: "t2")
        #expect(try await store.session(tokenHash: "t2", now: 1_500) == nil)
        try await store.deleteSessions(username: "lan", except: "t3")
        #expect(try await store.session(tokenHash: "t1", now: 1_500) == nil)
        #expect(try await store.session(tokenHash: "t3", now: 1_500) != nil)
        // A new password ends the other sessions (all of them when an admin resets it); disabling ends every one.
        try await store.createSession(SessionRecord(tokenHash: "t5", username: "lan", csrf: "c", createdAt: 1_000, expiresAt: 9_000, address: "a"))
        try await store.setPassword(username: "lan", hash: "h2", mustChange: false, keepingSession: "t5")
        #expect(try await store.session(tokenHash: "t3", now: 1_500) == nil)
        #expect(try await store.session(tokenHash: "t5", now: 1_500) != nil)
        try await store.setPassword(username: "lan", hash: "h2", mustChange: true, keepingSession: nil)
        #expect(try await store.session(tokenHash: "t5", now: 1_500) == nil)
        try await store.createSession(SessionRecord(tokenHash: "t4", username: "lan", csrf: "c", createdAt: 1_000, expiresAt: 9_000, address: "a"))
        try await store.setUserDisabled(username: "lan", disabled: true)
        #expect(try await store.session(tokenHash: "t4", now: 1_500) == nil)
    }

    @Test(arguments: Engine.available) func loginFailuresAreCountedPerUserAndAddress(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        for (u, a, t) in [("lan", "10.0.0.1", Int64(100)), ("lan", "10.0.0.2", 200), ("an", "10.0.0.1", 300), ("lan", "10.0.0.1", 50)] {
            try await store.recordLoginFailure(username: u, address: a, at: t)
        }
        let w = try await store.loginFailures(username: "lan", address: "10.0.0.1", since: 60)
        #expect(w.user == FailureWindow(count: 2, oldest: 100) && w.address == FailureWindow(count: 2, oldest: 100))
        try await store.clearLoginFailures(username: "lan", before: 250)
        let after = try await store.loginFailures(username: "lan", address: "10.0.0.1", since: 0)
        #expect(after.user == FailureWindow(count: 0, oldest: nil) && after.address == FailureWindow(count: 1, oldest: 300))
    }

    @Test(arguments: Engine.available) func keysRecordTheirLastUse(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        try await store.createAPIKey(name: "logger", hash: "h", role: "facility_operator")
        try await store.setAPIKeyScope(name: "logger", scope: AccessScope(stations: ["A"], unit: "01"))
        #expect(try await store.apiKeys().first?.lastUsedAt == nil)
        try await store.touchAPIKey(name: "logger", at: 1_234)
        let k = try #require(try await store.apiKeys().first)
        #expect(k.lastUsedAt == 1_234 && k.key.scope == AccessScope(stations: ["A"], unit: "01"))
    }

    /// The chain links each entry to the one before; an edit, a deletion or a reordering is found and named.
    @Test(arguments: Engine.available) func theAuditChainHoldsUntilARowIsEdited(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let log = AuditLog(store: store, clock: { 1_700_000_000 })
        let caller = Caller(name: "lan", role: "monitoring_officer", kind: .user)
        for i in 1...7 {
            try await log.record(
                caller, address: "10.0.0.\(i)", channel: "api", action: "PUT /api/v1/stations/{code}", entity: "stations", key: "HN-\(i)",
                before: #"{"name":"old"}"#, after: String(repeating: "x", count: i == 3 ? AuditChain.maxState + 10 : 5))
        }
        let all = try await store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 100)
        #expect(all.map(\.seq) == Array((1...7).reversed()))
        #expect(all.first { $0.seq == 3 }?.after?.hasSuffix("[cut: 8202 bytes]") == true)
        #expect(try await store.auditEntries(AuditFilter(entityKey: "HN-2"), beforeSeq: nil, limit: 10).map(\.seq) == [2])
        #expect(try await store.auditEntries(AuditFilter(actor: "lan", entity: "stations"), beforeSeq: 3, limit: 10).map(\.seq) == [2, 1])
        #expect(try await store.auditEntries(AuditFilter(from: 1_700_000_001), beforeSeq: nil, limit: 10).isEmpty)
        #expect(try await store.auditChain(afterSeq: 5, limit: 10).map(\.seq) == [6, 7])
        let ok = try await log.verify(page: 3)
        #expect(ok.entries == 7 && ok.problem == nil && ok.badSeq == nil)
        // The store numbers and seals what it is given, whatever seq and hashes the entry came with.
        let eighth = try await store.appendAudit(
            AuditEntry(
                seq: 99, at: 1, actor: "k\u{0}", actorKind: "key", role: "admin", address: "a", channel: "cli", action: "x", entity: "e",
                entityKey: "1",
                before: nil, after: nil, prevHash: "forged", hash: "forged"))
        #expect(eighth.actor == "k\u{FFFD}", "PostgreSQL stores no NUL: it is replaced")
        #expect(eighth.seq == 8 && eighth.prevHash == all[0].hash && eighth.hash == AuditChain.hash(eighth, prev: all[0].hash))
        #expect(try await log.verify().entries == 8)

        try await store.db.write { c in try await c.execute("UPDATE audit_log SET actor = 'eve' WHERE seq = 5") }
        let edited = try await log.verify(page: 3)
        #expect(edited.badSeq == 5 && edited.problem?.contains("changed after it was written") == true, "\(edited)")

        try await store.db.write { c in try await c.execute("UPDATE audit_log SET actor = 'lan' WHERE seq = 5") }
        try await store.db.write { c in try await c.execute("DELETE FROM audit_log WHERE seq = 4") }
        let deleted = try await log.verify()
        #expect(deleted.badSeq == 4 && deleted.problem?.contains("missing") == true, "\(deleted)")
    }
}
