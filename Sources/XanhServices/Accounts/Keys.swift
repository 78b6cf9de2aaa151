import Foundation
import XanhCore
import XanhStore

/// Machine keys, for `xanh key` and the administration page alike: made here, shown once, stored as their SHA-256.
public struct KeyService: Sendable {
    let store: any KeyStore

    public init(store: any KeyStore) { self.store = store }

    /// A new key: `xanh_` followed by 64 hex digits.
    public static func generate() -> String { "xanh_" + AccountService.token() }

    /// Makes a key and returns it (the only time it exists in clear). A name is whom it is for ("Sở TN&MT Hải
    /// Phòng"), 1 to 100 characters without control characters; a name already taken is `StoreError.conflict`.
    public func create(name: String, role: Role, scope: AccessScope = .province) async throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count), trimmed == name, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw AccountRefusal(
                kind: .invalid, reason: "a key's name is 1 to 100 characters, without leading or trailing spaces or control characters")
        }
        let key = Self.generate()
        try await store.createAPIKey(name: name, hash: AccountService.tokenHash(key), role: role.rawValue)
        if !scope.isProvince { try await store.setAPIKeyScope(name: name, scope: scope) }
        return key
    }
}
