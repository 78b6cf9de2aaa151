import Foundation
import HummingbirdBcrypt
import HummingbirdOTP
import XanhCore
import XanhStore

/// Why a login, a session or an account change was refused, with the status the web answers.
public struct AccountRefusal: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Wrong username or password, a disabled account, a missing or wrong code (401).
        case credentials
        /// Too many failed logins: try again after `retryAfter` seconds (429).
        case throttled(retryAfter: Int)
        /// The account may not log in as it is (an admin without the second factor the operator requires) (403).
        case forbidden
        /// What was asked is not valid (a weak password, a taken username) (422).
        case invalid
    }
    public var kind: Kind
    public var reason: String
    public var description: String { reason }
}

/// People's accounts: passwords (bcrypt), second factors (TOTP), sessions and the throttling of failed logins.
/// Every change to an account is written to the audit log by the caller that made it.
public struct AccountService: Sendable {
    public let store: any AccountStore
    public let limits: Limits
    public let clock: @Sendable () -> Int64

    public init(store: any AccountStore, limits: Limits, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.limits = limits
        self.clock = clock
    }

    /// A username: 2 to 64 of a–z, 0–9, `.`, `_`, `-`.
    public static func validUsername(_ u: String) -> Bool {
        (2...64).contains(u.count) && u.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// Why a password is refused, or nil: at least 10 characters, and at most 72 bytes (bcrypt reads no further).
    public static func passwordProblem(_ p: String) -> String? {
        if p.count < 10 { return "a password needs at least 10 characters" }
        if p.utf8.count > 72 { return "a password may hold at most 72 bytes (bcrypt reads no further)" }
        return nil
    }

    /// A random token of 32 bytes, as hex (sessions, CSRF, one-time passwords are built from these).
    public static func token() -> String {
        var rng = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// A one-time password people can type: 16 letters and digits without look-alikes.
    public static func oneTimePassword() -> String { random(16, of: "abcdefghjkmnpqrstuvwxyz23456789") }

    /// `count` characters drawn from `alphabet` by the system's random source.
    static func random(_ count: Int, of alphabet: String) -> String {
        let letters = Array(alphabet)
        var rng = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] })
    }

    /// bcrypt off the cooperative pool: a hash costs a quarter of a second at cost 12.
    func hash(_ password: String) async -> String {
        let cost = UInt8(clamping: min(max(limits.bcryptCost, 4), 16))
        return await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: Bcrypt.hash(password, cost: cost)) } }
    }

    func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: Bcrypt.verify(password, hash: hash)) } }
    }

    /// Adds an account. Without a password a one-time one is made and returned: the first login must change it.
    public func addUser(username: String, name: String, role: Role, scope: AccessScope, password: String?) async throws -> (UserRecord, String?) {
        guard Self.validUsername(username) else {
            throw AccountRefusal(kind: .invalid, reason: "username '\(username)': use 2 to 64 of a-z, 0-9, '.', '_', '-'")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw AccountRefusal(kind: .invalid, reason: "a user needs a name") }
        if role == .facilityOperator, !scope.limitsStations {
            throw AccountRefusal(kind: .invalid, reason: "a facility operator needs --facility ID or --stations A,B")
        }
        if let password, let problem = Self.passwordProblem(password) { throw AccountRefusal(kind: .invalid, reason: problem) }
        let oneTime = password == nil ? Self.oneTimePassword() : nil
        let user = UserRecord(
            username: username, name: name, role: role.rawValue, scope: scope, passwordHash: await hash(password ?? oneTime ?? ""),
            mustChangePassword: password == nil, createdAt: clock())
        do { try await store.createUser(user) } catch let StoreError.conflict(why) { throw AccountRefusal(kind: .invalid, reason: why) }
        return (user, oneTime)
    }

    /// A new one-time password for an account; its sessions end.
    public func resetPassword(username: String) async throws -> String {
        let oneTime = Self.oneTimePassword()
        try await store.setPassword(username: username, hash: await hash(oneTime), mustChange: true, keepingSession: nil)
        return oneTime
    }

    /// A person changes their own password (the current one proves it is them); other sessions end.
    public func changePassword(username: String, current: String, new: String, keeping session: String?) async throws {
        guard let user = try await store.user(username: username), !user.disabled, await verify(current, hash: user.passwordHash) else {
            throw AccountRefusal(kind: .credentials, reason: "the current password is not right")
        }
        if let problem = Self.passwordProblem(new) { throw AccountRefusal(kind: .invalid, reason: problem) }
        if current == new { throw AccountRefusal(kind: .invalid, reason: "the new password must differ from the current one") }
        try await store.setPassword(username: username, hash: await hash(new), mustChange: false, keepingSession: session)
    }

    /// Turns on a second factor: a new TOTP secret, and the `otpauth://` address an authenticator app reads.
    public func enableTOTP(username: String) async throws -> (secret: String, url: String) {
        guard try await store.user(username: username) != nil else { throw StoreError.notFound("no user named '\(username)'") }
        let secret = Self.random(20, of: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        try await store.setTOTPSecret(username: username, secret: secret)
        return (secret, TOTP(secret: secret).createAuthenticatorURL(label: "Xanh:\(username)", issuer: "Xanh"))
    }

    /// Whether a code is the TOTP of a secret now, or one step either side (clocks drift).
    public static func codeMatches(_ code: String, secret: String, at now: Int64) -> Bool {
        let digits = code.filter { !$0.isWhitespace }
        guard digits.count == 6, let n = Int(digits) else { return false }
        let totp = TOTP(secret: secret)
        return [-30, 0, 30].contains { totp.compute(date: Date(timeIntervalSince1970: TimeInterval(now + Int64($0)))) == n }
    }

    /// The code an authenticator app shows now (for tests and `xanh user totp --show`).
    public static func currentCode(secret: String, at now: Int64) -> String {
        let n = TOTP(secret: secret).compute(date: Date(timeIntervalSince1970: TimeInterval(now)))
        let s = String(n)
        return String(repeating: "0", count: max(0, 6 - s.count)) + s
    }

    /// A session made by a login: the token goes in the cookie (only its hash is stored).
    public struct Login: Sendable {
        public var token: String
        public var session: SessionRecord
        public var user: UserRecord
    }

    /// Logs a person in. Refused with 429 once a username or an address has failed `maxLoginFailures` times within
    /// the window (correct passwords included, so guessing cannot go on), with 401 for wrong credentials or a
    /// disabled account (the same words for each, so the answer does not tell which usernames exist).
    public func login(username: String, password: String, code: String?, address: String) async throws -> Login {
        // What no account can have is refused before it costs a hash or a row.
        guard Self.validUsername(username), password.utf8.count <= 200, (code ?? "").count <= 12 else {
            throw AccountRefusal(kind: .credentials, reason: "the username or the password is not right, or the account is disabled")
        }
        let now = clock()
        let window = Int64(limits.loginWindowSeconds)
        let failures = try await store.loginFailures(username: username, address: address, since: now - window)
        for w in [failures.user, failures.address] where w.count >= limits.maxLoginFailures {
            let retry = Int(max(1, (w.oldest ?? now) + window - now))
            throw AccountRefusal(
                kind: .throttled(retryAfter: retry),
                reason: "too many failed logins for this account or from this address; try again in \(retry) seconds")
        }
        let user = try await store.user(username: username)
        // Without an account, check against a hash all the same: the answer takes as long either way.
        let matches = await verify(password, hash: user?.passwordHash ?? Self.decoy)
        guard let user, matches, !user.disabled else {
            try await store.recordLoginFailure(username: username, address: address, at: now)
            throw AccountRefusal(kind: .credentials, reason: "the username or the password is not right, or the account is disabled")
        }
        if let secret = user.totpSecret {
            guard let code, Self.codeMatches(code, secret: secret, at: now) else {
                try await store.recordLoginFailure(username: username, address: address, at: now)
                throw AccountRefusal(
                    kind: .credentials, reason: "this account needs the 6-digit code of its authenticator app, and the one sent is not right")
            }
        } else if user.role == Role.admin.rawValue, limits.requireAdminTOTP {
            throw AccountRefusal(
                kind: .forbidden,
                reason: "an admin must log in with a second factor here: the operator turns one on with 'xanh user totp \(username)'")
        }
        try await store.clearLoginFailures(username: username, before: now - window)
        try await store.recordLogin(username: username, at: now)
        let token = Self.token()
        let session = SessionRecord(
            tokenHash: Self.tokenHash(token), username: username, csrf: Self.token(), createdAt: now, expiresAt: now + Int64(limits.sessionSeconds),
            address: address)
        try await store.createSession(session)
        return Login(token: token, session: session, user: user)
    }

    public static func tokenHash(_ token: String) -> String { Hex.encode(SHA256.digest(Array(token.utf8))) }

    /// The person a session cookie stands for, or nil (expired, ended, disabled).
    public func resolve(token: String) async throws -> (UserRecord, SessionRecord)? {
        guard token.count <= 128, let session = try await store.session(tokenHash: Self.tokenHash(token), now: clock()),
            let user = try await store.user(username: session.username), !user.disabled
        else { return nil }
        return (user, session)
    }

    public func logout(token: String) async throws { try await store.deleteSession(tokenHash: Self.tokenHash(token)) }

    /// A bcrypt hash of nothing anyone knows, checked when the username does not exist.
    static let decoy = Bcrypt.hash(token(), cost: 12)
}

extension UserRecord {
    /// The person as a caller of the policy.
    public var caller: Caller { Caller(name: username, role: role, scope: scope, kind: .user) }
}
