import Foundation
import Logging
import XanhCore
import XanhStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

public struct SMTPConfig: Sendable {
    public var host: String
    public var port: Int
    public var from: String
    public init(host: String, port: Int = 25, from: String = "xanh@localhost") {
        self.host = host
        self.port = port
        self.from = from
    }
}

public struct AlertConfig: Sendable {
    /// First retry after this many seconds, then doubling (exponential backoff) up to `maxDelay`.
    public var baseDelay: Double
    public var maxDelay: Double
    /// Attempts before a delivery is given up (the attempts stay recorded).
    public var maxAttempts: Int
    /// Seconds between passes of the alert engine and the dispatcher.
    public var interval: Double
    public var smtp: SMTPConfig?
    public var webhookTimeout: Double
    /// Whether webhooks may reach loopback, link-local or private addresses (the `allow-private-webhooks` setting);
    /// off, a name that resolves to one is refused at delivery, and redirects are not followed.
    public var allowPrivateWebhooks: Bool

    public init(
        baseDelay: Double = 5, maxDelay: Double = 3600, maxAttempts: Int = 20, interval: Double = 0.5, smtp: SMTPConfig? = nil,
        webhookTimeout: Double = 10, allowPrivateWebhooks: Bool = false
    ) {
        self.allowPrivateWebhooks = allowPrivateWebhooks
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.interval = interval
        self.smtp = smtp
        self.webhookTimeout = webhookTimeout
    }

    /// Delay before attempt n + 1 after n failed attempts.
    public func delay(afterAttempts n: Int) -> Double { min(maxDelay, baseDelay * pow(2, Double(max(0, n - 1)))) }
}

/// Refuses every redirect (the answer to the first request is the answer).
final class RefuseRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

/// Delivers queued alert documents: webhooks (signed with HMAC-SHA256) and e-mail. Every attempt is recorded;
/// failures are retried with exponential backoff from the durable outbox, so a restart resumes where it was.
public actor AlertDispatcher {
    let store: any OutboxStore
    let config: AlertConfig
    let logger: Logger
    let nowMs: @Sendable () -> Int64

    public init(
        store: any OutboxStore, config: AlertConfig, logger: Logger = Logger(label: "xanh.alerts"),
        nowMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) {
        self.store = store
        self.config = config
        self.logger = logger
        self.nowMs = nowMs
    }

    /// Attempts every due delivery once. Returns (delivered, failed).
    @discardableResult
    public func deliverDue() async throws -> (delivered: Int, failed: Int) {
        var ok = 0
        var failed = 0
        for d in try await store.dueDeliveries(nowMs: nowMs(), limit: 100) {
            let (success, detail) = await attempt(d)
            let attempts = d.attempts + 1
            let retry: Int64? =
                success || attempts >= config.maxAttempts ? nil : nowMs() + Int64(config.delay(afterAttempts: attempts) * 1000)
            try await store.recordAttempt(delivery: d.id, atMs: nowMs(), ok: success, detail: detail, retryAtMs: retry)
            if success {
                ok += 1
            } else {
                failed += 1
                logger.warning("alert delivery \(d.id) to \(d.subscription.target) failed (attempt \(attempts)): \(detail)")
            }
        }
        return (ok, failed)
    }

    func attempt(_ d: Delivery) async -> (Bool, String) {
        switch d.subscription.channel {
        case .webhook: return await webhook(d)
        case .email: return await email(d)
        }
    }

    public static func signature(secret: String, body: String) -> String {
        "sha256=" + Hex.encode(HMACSHA256.mac(key: Array(secret.utf8), message: Array(body.utf8)))
    }

    func webhook(_ d: Delivery) async -> (Bool, String) {
        guard let url = URL(string: d.subscription.target) else { return (false, "target is not a URL") }
        if !config.allowPrivateWebhooks {
            // The subscription's URL was checked when it was made; the name it holds may resolve anywhere since.
            guard let host = url.host else { return (false, "target has no host") }
            let addresses = await Task.detached { Self.resolve(host) }.value
            if addresses.isEmpty { return (false, "cannot resolve \(host)") }
            if let bad = addresses.first(where: { WebhookTarget.refusal("http://[\($0)]/", allowPrivate: false) != nil }) {
                return (false, "refused: \(host) resolves to \(bad), a loopback, link-local or private address (allow-private-webhooks)")
            }
        }
        var r = URLRequest(url: url)
        r.httpMethod = "POST"
        r.timeoutInterval = config.webhookTimeout
        r.httpBody = Data(d.entry.payload.utf8)
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let eventID = AlertPayload.decode(d.entry.payload)?.eventId ?? "log-\(d.entry.seq)"
        r.setValue(eventID, forHTTPHeaderField: "X-Xanh-Event-Id")
        r.setValue(String(d.id), forHTTPHeaderField: "X-Xanh-Delivery")
        if let secret = d.subscription.secret {
            r.setValue(Self.signature(secret: secret, body: d.entry.payload), forHTTPHeaderField: "X-Xanh-Signature")
        }
        do {
            let (_, response) = try await (config.allowPrivateWebhooks ? URLSession.shared : Self.noRedirects).data(for: r)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return ((200..<300).contains(status), "HTTP \(status)")
        } catch {
            return (false, "\(error)")
        }
    }

    /// A session that does not follow redirects: a public webhook could otherwise send the server to a private one.
    static let noRedirects = URLSession(configuration: .ephemeral, delegate: RefuseRedirects(), delegateQueue: nil)

    /// The numeric addresses a name resolves to (IPv4 dotted, IPv6 colon-hex).
    static func resolve(_ host: String) -> [String] {
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &res) == 0 else { return [] }
        defer { freeaddrinfo(res) }
        var out: [String] = []
        var ai = res
        while let a = ai, out.count < 64 {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(a.pointee.ai_addr, a.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 {
                out.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            ai = a.pointee.ai_next
        }
        return out
    }

    func email(_ d: Delivery) async -> (Bool, String) {
        guard let smtp = config.smtp else { return (false, "no SMTP server configured (xanh serve --smtp HOST:PORT)") }
        let p = AlertPayload.decode(d.entry.payload)
        let subject = "[Xanh] " + (p?.messageVi ?? "Cảnh báo")
        let body = [p?.messageVi, p?.messageEn, "", d.entry.payload].compactMap { $0 }.joined(separator: "\r\n")
        let to = d.subscription.target
        return await Task.detached {
            do {
                try SMTPClient(config: smtp).send(to: to, subject: subject, body: body)
                return (true, "250 accepted")
            } catch {
                return (false, "\(error)")
            }
        }.value
    }
}

/// A minimal SMTP client (RFC 5321) over a plain TCP socket: enough for a relay inside the government network.
struct SMTPClient {
    let config: SMTPConfig

    struct SMTPError: Error, CustomStringConvertible {
        var description: String
    }

    func send(to: String, subject: String, body: String) throws {
        let fd = try connect()
        defer { close(fd) }
        var reader = LineReader(fd: fd)
        try expect(&reader, 220)
        try command(fd, &reader, "EHLO xanh", 250)
        try command(fd, &reader, "MAIL FROM:<\(config.from)>", 250)
        try command(fd, &reader, "RCPT TO:<\(to)>", 250, 251)
        try command(fd, &reader, "DATA", 354)
        let encodedSubject = "=?UTF-8?B?" + Data(subject.utf8).base64EncodedString() + "?="
        var message = "From: <\(config.from)>\r\nTo: <\(to)>\r\nSubject: \(encodedSubject)\r\nMIME-Version: 1.0\r\n"
        message += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        for line in body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            message += (line.hasPrefix(".") ? "." : "") + line + "\r\n"
        }
        try write(fd, message + ".\r\n")
        try expect(&reader, 250)
        try? command(fd, &reader, "QUIT", 221)
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(config.host, String(config.port), &hints, &res) == 0, let first = res else {
            throw SMTPError(description: "cannot resolve \(config.host)")
        }
        defer { freeaddrinfo(res) }
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw SMTPError(description: "cannot connect to \(config.host):\(config.port)")
    }

    private func write(_ fd: Int32, _ s: String) throws {
        let bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw SMTPError(description: "connection closed while sending") }
            off += n
        }
    }

    private func command(_ fd: Int32, _ r: inout LineReader, _ line: String, _ codes: Int...) throws {
        try write(fd, line + "\r\n")
        try expect(&r, codes)
    }

    private func expect(_ r: inout LineReader, _ codes: Int...) throws { try expect(&r, codes) }

    private func expect(_ r: inout LineReader, _ codes: [Int]) throws {
        while true {
            guard let line = r.next() else { throw SMTPError(description: "connection closed by the SMTP server") }
            let code = Int(line.prefix(3)) ?? 0
            let more = line.count > 3 && line[line.index(line.startIndex, offsetBy: 3)] == "-"
            if more { continue }
            guard codes.contains(code) else { throw SMTPError(description: "SMTP server answered '\(line)'") }
            return
        }
    }
}

/// Reads CRLF-terminated lines from a socket.
struct LineReader {
    let fd: Int32
    var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> String? {
        while true {
            if let i = buffer.firstIndex(of: 10) {
                var line = Array(buffer[..<i])
                buffer.removeFirst(i + 1)
                if line.last == 13 { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }
}
