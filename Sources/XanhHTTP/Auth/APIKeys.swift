import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// API keys: random 32-byte tokens shown once; only their SHA-256 is stored.
public enum APIKeys {
    /// A new key: `xanh_` followed by 64 hex digits.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return "xanh_" + Hex.encode(bytes)
    }

    public static func hash(_ key: String) -> String { Hex.encode(SHA256.digest(Array(key.utf8))) }

    /// The name and role of the valid key a request carries (Bearer, or the Basic password), if any.
    static func identity(_ request: Request, store: any KeyStore) async throws -> APIKeyRecord? {
        guard let header = request.headers[.authorization], let key = APIKeyMiddleware<AppRequestContext>.key(from: header) else { return nil }
        return try await store.apiKey(hash: hash(key))
    }
}

/// Rejects writes (any method but GET, HEAD, OPTIONS) without a valid key, sent as `Authorization: Bearer <key>` or as
/// the password of HTTP Basic authentication (SensorThings clients such as frost-sta-client speak only Basic).
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: any KeyStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get || request.method == .head || request.method == .options {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], let key = Self.key(from: header) else {
            throw Problem(
                status: .unauthorized,
                detail:
                    "writes need an API key: send 'Authorization: Bearer <key>', or the key as the password of HTTP Basic authentication (create one with 'xanh key create --name NAME')"
            )
        }
        guard try await store.apiKey(hash: APIKeys.hash(key)) != nil else {
            throw Problem(status: .unauthorized, detail: "the API key is not valid or has been revoked")
        }
        return try await next(request, context)
    }

    /// The key of a Bearer header, or the password of a Basic one.
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
