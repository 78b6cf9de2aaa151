import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: AccountStore {
    static let userColumns: SQL =
        "SELECT username, name, role, facility_id, stations, unit, agency, password_hash, must_change, totp_secret, disabled, created_at, last_login_at FROM users"

    static func userRecord(_ r: SQLRow) throws -> UserRecord {
        UserRecord(
            username: try r.text("username"), name: try r.text("name"), role: try r.text("role"), scope: try scope(r),
            passwordHash: try r.text("password_hash"), mustChangePassword: try r.bool("must_change"), totpSecret: r.optionalText("totp_secret"),
            disabled: try r.bool("disabled"), createdAt: try r.int64("created_at"), lastLoginAt: try r.optionalInt64("last_login_at"))
    }

    public func createUser(_ u: UserRecord) async throws {
        let now = now()
        let stations = u.scope.stations.joined(separator: ",")
        do {
            try await write { c in
                try await c.execute(
                    """
                    INSERT INTO users(username, name, role, facility_id, stations, unit, agency, password_hash, must_change, totp_secret, disabled, created_at)
                    VALUES (\(u.username), \(u.name), \(u.role), \(u.scope.facility), \(stations), \(u.scope.unit), \(u.scope.agency),
                      \(u.passwordHash), \(u.mustChangePassword), \(u.totpSecret), \(u.disabled), \(now))
                    """)
            }
        } catch let error where db.isConstraintViolation(error) {
            throw StoreError.conflict("a user named '\(u.username)' exists")
        }
    }

    public func user(username: String) async throws -> UserRecord? {
        try await read { c in try await c.one(Self.userColumns + " WHERE username = \(username)").map(Self.userRecord) }
    }

    public func users() async throws -> [UserRecord] {
        try await read { c in try await c.query(Self.userColumns + " ORDER BY username LIMIT 10000").map(Self.userRecord) }
    }

    /// Changes an account; with `endSessions`, its sessions end too (all but `keeping`), in the same transaction.
    func updateUser(_ username: String, _ set: SQL, endSessions: Bool = false, keeping: String? = nil) async throws {
        try await write { c in
            if try await c.execute("UPDATE users SET " + set + " WHERE username = \(username)") == 0 {
                throw StoreError.notFound("no user named '\(username)'")
            }
            if endSessions { try await Self.endSessions(c, username, keeping: keeping) }
        }
    }

    static func endSessions(_ c: any SQLConnection, _ username: String, keeping: String?) async throws {
        try await c.execute("DELETE FROM sessions WHERE username = \(username) AND token_hash <> \(keeping ?? "")")
    }

    public func setUserDisabled(username: String, disabled: Bool) async throws {
        try await updateUser(username, "disabled = \(disabled)", endSessions: disabled)
    }

    public func setPassword(username: String, hash: String, mustChange: Bool, keepingSession: String?) async throws {
        try await updateUser(username, "password_hash = \(hash), must_change = \(mustChange)", endSessions: true, keeping: keepingSession)
    }

    public func setTOTPSecret(username: String, secret: String?) async throws {
        try await updateUser(username, "totp_secret = \(secret)")
    }

    public func recordLogin(username: String, at: Int64) async throws {
        try await updateUser(username, "last_login_at = \(at)")
    }

    public func createSession(_ s: SessionRecord) async throws {
        try await write { c in
            try await c.execute(
                """
                INSERT INTO sessions(token_hash, username, csrf, created_at, expires_at, address)
                VALUES (\(s.tokenHash), \(s.username), \(s.csrf), \(s.createdAt), \(s.expiresAt), \(s.address))
                """)
        }
    }

    public func session(tokenHash: String, now: Int64) async throws -> SessionRecord? {
        try await read { c in
            try await c.one(
                "SELECT token_hash, username, csrf, created_at, expires_at, address FROM sessions WHERE token_hash = \(tokenHash) AND expires_at > \(now)"
            ).map {
                SessionRecord(
                    tokenHash: try $0.text("token_hash"), username: try $0.text("username"), csrf: try $0.text("csrf"),
                    createdAt: try $0.int64("created_at"), expiresAt: try $0.int64("expires_at"), address: try $0.text("address"))
            }
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { c in try await c.execute("DELETE FROM sessions WHERE token_hash = \(tokenHash)") }
    }

    public func deleteSessions(username: String, except: String?) async throws {
        try await write { c in try await Self.endSessions(c, username, keeping: except) }
    }

    public func recordLoginFailure(username: String, address: String, at: Int64) async throws {
        try await write { c in try await c.execute("INSERT INTO login_failures(username, address, at) VALUES (\(username), \(address), \(at))") }
    }

    public func loginFailures(username: String, address: String, since: Int64) async throws -> (user: FailureWindow, address: FailureWindow) {
        try await read { c in
            func window(_ column: String, _ value: String) async throws -> FailureWindow {
                let r = try await c.one(
                    "SELECT count(*) AS n, min(at) AS oldest FROM login_failures WHERE \(raw: column) = \(value) AND at > \(since)")
                return FailureWindow(count: try r?.int("n") ?? 0, oldest: try r?.optionalInt64("oldest"))
            }
            return (try await window("username", username), try await window("address", address))
        }
    }

    public func clearLoginFailures(username: String, before: Int64) async throws {
        try await write { c in try await c.execute("DELETE FROM login_failures WHERE username = \(username) OR at <= \(before)") }
    }
}

extension SQLStore: AuditStore {
    static let auditColumns: SQL =
        "SELECT seq, at, actor, actor_kind, role, address, channel, action, entity, entity_key, before_state, after_state, prev_hash, hash FROM audit_log"

    static func auditEntry(_ r: SQLRow) throws -> AuditEntry {
        AuditEntry(
            seq: try r.int64("seq"), at: try r.int64("at"), actor: try r.text("actor"), actorKind: try r.text("actor_kind"), role: try r.text("role"),
            address: try r.text("address"), channel: try r.text("channel"), action: try r.text("action"), entity: try r.text("entity"),
            entityKey: try r.text("entity_key"), before: r.optionalText("before_state"), after: r.optionalText("after_state"),
            prevHash: try r.text("prev_hash"), hash: try r.text("hash"))
    }

    public func appendAudit(_ e: AuditEntry) async throws -> AuditEntry {
        try await write { c in
            if c.dialect.isPostgres {
                // One appender at a time across every server on the database: the chain has one end.
                try await c.execute("SELECT pg_advisory_xact_lock(4243)")
            }
            let last = try await c.one("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            var entry = AuditChain.storable(e)
            entry.seq = (try last?.int64("seq") ?? 0) + 1
            entry = AuditChain.seal(entry, prev: try last?.text("hash") ?? AuditChain.genesis)
            try await c.execute(
                """
                INSERT INTO audit_log(seq, at, actor, actor_kind, role, address, channel, action, entity, entity_key, before_state, after_state, prev_hash, hash)
                VALUES (\(entry.seq), \(entry.at), \(entry.actor), \(entry.actorKind), \(entry.role), \(entry.address), \(entry.channel),
                  \(entry.action), \(entry.entity), \(entry.entityKey), \(entry.before), \(entry.after), \(entry.prevHash), \(entry.hash))
                """)
            return entry
        }
    }

    public func auditEntries(_ f: AuditFilter, beforeSeq: Int64?, limit: Int) async throws -> [AuditEntry] {
        var conditions: [SQL] = []
        if let a = f.actor { conditions.append("actor = \(a)") }
        if let e = f.entity { conditions.append("entity = \(e)") }
        if let k = f.entityKey { conditions.append("entity_key = \(k)") }
        if let from = f.from { conditions.append("at >= \(from)") }
        if let to = f.to { conditions.append("at < \(to)") }
        if let b = beforeSeq { conditions.append("seq < \(b)") }
        let condition = conditions.isEmpty ? SQL(verbatim: "", []) : " WHERE " + SQL.join(conditions, " AND ")
        let n = max(0, min(limit, 10_000))
        return try await read { c in try await c.query(Self.auditColumns + condition + " ORDER BY seq DESC LIMIT \(n)").map(Self.auditEntry) }
    }

    public func auditChain(afterSeq: Int64, limit: Int) async throws -> [AuditEntry] {
        let n = max(0, min(limit, 10_000))
        return try await read { c in try await c.query(Self.auditColumns + " WHERE seq > \(afterSeq) ORDER BY seq LIMIT \(n)").map(Self.auditEntry) }
    }
}
