import Foundation

/// Where a webhook may point. Literal loopback, link-local, private and unspecified addresses (and `localhost`) are
/// refused unless the operator allows them (`XANH_ALLOW_PRIVATE_WEBHOOKS`): a subscription is made with an API key,
/// and the server must not become a way to reach the network it runs in. Names are not resolved here: the dispatcher
/// resolves them at each delivery and refuses private answers, and does not follow redirects (`AlertDispatcher`).
public enum WebhookTarget {
    /// Why `url` may not be a webhook target, or nil when it may.
    public static func refusal(_ url: String, allowPrivate: Bool) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), let c = URLComponents(string: url), let host = c.host, !host.isEmpty else {
            return "a webhook needs an http or https URL with a host"
        }
        guard !allowPrivate else { return nil }
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h.hasSuffix(".localhost") { return "'\(host)' is this machine" }
        if let v4 = ipv4(h) { return privateV4(v4) ? "\(host) is a loopback, link-local or private address" : nil }
        if h.contains(":") {
            if h == "::1" || h == "::" || h.hasPrefix("fe80:") || h.hasPrefix("fc") || h.hasPrefix("fd") || h.hasPrefix("::ffff:") {
                return "\(host) is a loopback, link-local or private address"
            }
        }
        return nil
    }

    static func ipv4(_ h: String) -> [Int]? {
        let parts = h.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { $0 }
        guard octets.count == 4, octets.allSatisfy({ (0...255).contains($0) }) else { return nil }
        return octets
    }

    static func privateV4(_ o: [Int]) -> Bool {
        switch (o[0], o[1]) {
        case (0, _), (10, _), (127, _): return true
        case (169, 254), (192, 168): return true
        case (172, 16...31): return true
        case (100, 64...127): return true  // carrier-grade NAT
        default: return false
        }
    }
}
