import ArgumentParser
import Foundation
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

extension SQLStore {
    /// Records a command's write in the audit log: the operator of the machine, from the command line.
    func audited(_ action: String, entity: String, key: String, before: String? = nil, after: String? = nil) async throws {
        try await services().audit.record(
            AuditLog.operatorCaller, address: "cli", channel: "cli", action: action, entity: entity, key: key, before: before, after: after)
    }
}

/// `--role`, `--facility`, `--stations`, `--unit`, `--agency`: who a key or a person is and where they act.
struct ScopeOptions: ParsableArguments {
    @Option(help: "One of \(Role.allCases.map(\.rawValue).joined(separator: ", ")) (docs/security.md says what each may do).")
    var role = Role.monitoringOfficer.rawValue
    @Option(help: "Limit to the stations of this facility (id).") var facility: Int64?
    @Option(help: "Limit to these stations (codes, comma-separated).") var stations: String?
    @Option(help: "The administrative unit (id) whose values a reporter or an approver handles.") var unit: String?
    @Option(help: "The agency (department, commune People's Committee, enterprise) the holder belongs to.") var agency: String?

    func resolved() throws -> (Role, AccessScope) {
        guard let r = Role(name: role) else {
            throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let scope = AccessScope(
            facility: facility, stations: (stations ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, unit: unit,
            agency: agency)
        if r == .facilityOperator, !scope.limitsStations { throw ValidationError("a facility_operator needs --facility ID or --stations A,B") }
        return (r, scope)
    }

    /// The agency a key or a person belongs to is one of the database's (`xanh agency import` adds them).
    static func check(_ scope: AccessScope, on db: SQLStore) async throws {
        guard let agency = scope.agency else { return }
        guard try await db.agencies().contains(where: { $0.id == agency }) else {
            throw ValidationError("--agency \(agency): no such agency; `xanh agency list` shows them, `xanh agency import` adds them")
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage people's accounts.",
        subcommands: [Add.self, List.self, Disable.self, Enable.self, ResetPassword.self, TOTP.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an account; prints a one-time password to change at first login, unless --password-file gives one.")
        @OptionGroup var store: StoreOptions
        @Option var username: String
        @Option var name: String
        @OptionGroup var scope: ScopeOptions
        @Option(help: "Read the password from this file (its first line), for provisioning scripts.") var passwordFile: String?
        @OptionGroup var limitOptions: LimitOptions

        func run() async throws {
            let (role, scope) = try scope.resolved()
            var password: String?
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    throw ValidationError("cannot read --password-file \(passwordFile)")
                }
                password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
            }
            let db = try await store.open()
            try await ScopeOptions.check(scope, on: db)
            do {
                let (user, oneTime) = try await db.services(limits: try limitOptions.resolve()).accounts.addUser(
                    username: username, name: name, role: role, scope: scope, password: password)
                try await db.audited(
                    "user add", entity: "user", key: user.username,
                    after: IndicatorJSON.encode(["role": user.role, "name": user.name, "scope": user.scope.summary()]))
                if let oneTime {
                    print(oneTime)
                    FileHandle.standardError.write(Data("one-time password for \(user.username): it must be changed at the first login\n".utf8))
                } else {
                    print("added \(user.username)")
                }
            } catch let e as AccountRefusal { throw ValidationError(e.reason) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts: username, name, role, scope, state, last login.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            print(["username", "name", "role", "scope", "state", "second factor", "last login"].joined(separator: "\t"))
            for u in try await store.open().users() {
                let state = u.disabled ? "disabled" : u.mustChangePassword ? "one-time password" : "active"
                print(
                    [
                        u.username, u.name, u.role, u.scope.summary(), state, u.totpSecret == nil ? "off" : "on",
                        u.lastLoginAt.map { Timestamps.format($0) } ?? "never",
                    ]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account: its sessions end and its next request is refused.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String

        func run() async throws { try await setDisabled(store, username, true) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String

        func run() async throws { try await setDisabled(store, username, false) }
    }

    /// `user disable` and `user enable`: the change and its audit entry.
    static func setDisabled(_ store: StoreOptions, _ username: String, _ disabled: Bool) async throws {
        let db = try await store.open()
        try await db.setUserDisabled(username: username, disabled: disabled)
        try await db.audited(disabled ? "user disable" : "user enable", entity: "user", key: username, after: #"{"disabled":\#(disabled)}"#)
        print("\(disabled ? "disabled" : "enabled") \(username)")
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Give an account a new one-time password (printed once); its sessions end.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String
        @OptionGroup var limitOptions: LimitOptions

        func run() async throws {
            let db = try await store.open()
            let oneTime = try await db.services(limits: try limitOptions.resolve()).accounts.resetPassword(username: username)
            try await db.audited("user reset-password", entity: "user", key: username, after: #"{"password":"one-time"}"#)
            print(oneTime)
        }
    }

    struct TOTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp", abstract: "Turn on a second factor for an account: prints the otpauth:// address for an authenticator app.")
        @OptionGroup var store: StoreOptions
        @Argument var username: String
        @Flag(help: "Turn the second factor off instead.") var off = false

        func run() async throws {
            let db = try await store.open()
            if off {
                try await db.setTOTPSecret(username: username, secret: nil)
                try await db.audited("user totp --off", entity: "user", key: username, after: #"{"totp":false}"#)
                print("second factor off for \(username)")
                return
            }
            let (_, url) = try await db.services().accounts.enableTOTP(username: username)
            try await db.audited("user totp", entity: "user", key: username, after: #"{"totp":true}"#)
            print(url)
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and check the audit log.", subcommands: [Verify.self, List.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the audit chain: every entry's hash and its link to the one before; names the first entry that does not hold.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let result = try await store.open().services().audit.verify()
            if let problem = result.problem {
                FileHandle.standardError.write(Data("audit chain broken at entry \(result.badSeq ?? 0): \(problem)\n".utf8))
                throw ExitCode(1)
            }
            print("audit chain holds: \(result.entries) entries")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit entries, newest first (tab-separated).")
        @OptionGroup var store: StoreOptions
        @Option var actor: String?
        @Option var entity: String?
        @Option var limit = 50

        func run() async throws {
            let entries = try await store.open().auditEntries(AuditFilter(actor: actor, entity: entity), beforeSeq: nil, limit: limit)
            for e in entries {
                print(
                    [String(e.seq), Timestamps.format(e.at), e.actor, e.role, e.address, e.channel, e.action, e.entity, e.entityKey].joined(
                        separator: "\t"))
            }
        }
    }
}
