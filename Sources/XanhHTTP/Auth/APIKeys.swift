import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// API keys: random 32-byte tokens shown once; only their SHA-256 is stored.
public enum APIKeys {
    /// A new key: `xanh_` followed by 64 hex digits.
    public static func generate() -> String { KeyService.generate() }

    /// Stored like a session token: its SHA-256.
    public static func hash(_ key: String) -> String { AccountService.tokenHash(key) }

    /// How a request carries a key: `Authorization: Bearer <key>`, or the key as the password of HTTP Basic
    /// authentication (SensorThings clients such as frost-sta-client speak only Basic).
    static func key(from header: String) -> String? {
        let lower = header.lowercased()
        if lower.hasPrefix("bearer ") { return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        if lower.hasPrefix("basic "), let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        {
            return String(text[text.index(after: colon)...])
        }
        return nil
    }
}
