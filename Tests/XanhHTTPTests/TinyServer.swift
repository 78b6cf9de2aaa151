import Foundation

@testable import XanhHTTP
import XanhSQLStore
@testable import XanhServices

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP server on 127.0.0.1 for tests, on its own thread: each connection is handed to `handle` with its socket.
/// Used as a webhook receiver and as an SMTP sink.
final class TinyServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false

    init(handle: @escaping @Sendable (Int32) -> Void) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        fd = listener
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [weak self] in
            while true {
                let c = accept(listener, nil, nil)
                if c < 0 { return }
                if self?.isStopped ?? true {
                    close(c)
                    return
                }
                Thread.detachNewThread {
                    handle(c)
                    close(c)
                }
            }
        }
    }

    var isStopped: Bool { lock.withLock { stopped } }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    static func send(_ fd: Int32, _ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one HTTP/1.1 request: (request line and headers, body).
    static func readHTTPRequest(_ fd: Int32) -> (head: String, body: String)? {
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let r = buf.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: buf[..<r.lowerBound], as: UTF8.self)
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                while buf.count - r.upperBound < length {
                    let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { return nil }
                    buf.append(contentsOf: chunk[0..<n])
                }
                return (head, String(decoding: buf[r.upperBound..<(r.upperBound + length)], as: UTF8.self))
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return nil }
            buf.append(contentsOf: chunk[0..<n])
        }
    }
}

/// Thread-safe box for what a test server saw.
extension TinyServer {
    /// An SMTP sink: accepts every message; each message's text and every other command (`CMD RCPT TO:<…>`) is recorded.
    static func smtpSink(_ messages: Recorder<String>) throws -> TinyServer {
        try TinyServer { fd in
            var lines = LineReader(fd: fd)
            TinyServer.send(fd, "220 sink ESMTP\r\n")
            var data = false
            var message = ""
            while let l = lines.next() {
                if data {
                    if l == "." {
                        data = false
                        messages.append(message)
                        message = ""
                        TinyServer.send(fd, "250 queued\r\n")
                    } else {
                        message += l + "\n"
                    }
                    continue
                }
                let u = l.uppercased()
                if u.hasPrefix("EHLO") {
                    TinyServer.send(fd, "250-sink\r\n250 8BITMIME\r\n")
                } else if u.hasPrefix("DATA") {
                    data = true
                    TinyServer.send(fd, "354 end with .\r\n")
                } else if u.hasPrefix("QUIT") {
                    TinyServer.send(fd, "221 bye\r\n")
                    return
                } else {
                    messages.append("CMD " + l)
                    TinyServer.send(fd, "250 ok\r\n")
                }
            }
        }
    }
}

final class Recorder<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ x: T) { lock.withLock { items.append(x) } }
    var all: [T] { lock.withLock { items } }
}
