import Foundation
import Testing
import XanhCore

#if canImport(Glibc)
    import Glibc
#endif

/// A real `xanh serve` process on a fresh SQLite database, driven over raw sockets so that a test can send what no
/// well-behaved client would (partial heads, lying lengths, huge bodies) and read exactly what came back.
final class ServerProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let directory: String
    let db: String
    let key: String
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts the server with `env` added and waits until `/health` answers. The port is one the kernel just handed
    /// out; a server that exits before it answers (its port taken meanwhile) is started again on another, three times,
    /// and a failure says what the server printed.
    init(env: [String: String] = [:], arguments: [String] = []) async throws {
        let bin = try CrashTests.binary()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-proc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        db = directory + "/xanh.sqlite"
        let base = ["XANH_DB": db]
        key = try CrashTests.run(bin, ["key", "create", "--name", "proc-test", "--role", "admin"], env: base)
        let log = directory + "/server.log"
        var port = 0
        var process = Process()
        attempts: for _ in 0..<3 {
            port = try Self.freePort()
            process = Process()
            process.executableURL = bin
            process.arguments = ["serve", "--port", "\(port)", "--host", "127.0.0.1"] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(base.merging(env) { _, b in b }) { _, b in b }
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            // Up to two minutes: on a loaded two-core machine every other suite starts at the same moment.
            for _ in 0..<1200 {
                if let r = try? Self.request(port: port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 10), r.status == 200
                {
                    break attempts
                }
                if !process.isRunning { continue attempts }
                try await Task.sleep(for: .milliseconds(100))
            }
            break
        }
        self.port = port
        self.process = process
        if (try? Self.request(port: port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 10))?.status != 200 {
            stop()
            let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            Issue.record("xanh serve did not answer /health on port \(port); it printed: \(said.suffix(2000))")
            throw POSIXError(.ETIMEDOUT)
        }
    }

    /// A port on 127.0.0.1 that nothing listens on: the kernel's choice for port 0, released at once.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { stop() }

    func stop() { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    var isRunning: Bool { process.isRunning }

    /// The most memory the process has held (VmHWM), in MiB.
    var peakMemoryMiB: Double {
        let text = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    struct Answer {
        var status: Int
        var head: String
        var body: Data
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? {
            head.split(separator: "\r\n").dropFirst().first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// A request with a body; `Content-Length` is added unless `chunked`.
    func send(
        _ method: String, _ path: String, body: Data = Data(), contentType: String = "application/json", auth: Bool = true, chunked: Bool = false
    )
        throws -> Answer
    {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: \(contentType)\r\n"
        if auth { head += "Authorization: Bearer \(key)\r\n" }
        var bytes: Data
        if chunked {
            head += "Transfer-Encoding: chunked\r\n\r\n"
            bytes = Data(head.utf8)
            var i = 0
            while i < body.count {
                let part = body[i..<min(body.count, i + 65_536)]
                bytes += Data((String(part.count, radix: 16) + "\r\n").utf8) + part + Data("\r\n".utf8)
                i += part.count
            }
            bytes += Data("0\r\n\r\n".utf8)
        } else {
            head += "Content-Length: \(body.count)\r\n\r\n"
            bytes = Data(head.utf8) + body
        }
        return try Self.request(port: port, bytes)
    }

    func get(_ path: String) throws -> Answer { try Self.request(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n") }

    static func request(port: Int, _ text: String, timeout: Double = 60) throws -> Answer {
        try request(port: port, Data(text.utf8), timeout: timeout)
    }

    /// Sends bytes on a new connection and reads the answer until the server closes it (or the timeout). Sending stops
    /// early when the server has answered and closed (a 413 before the body is read).
    static func request(port: Int, _ bytes: Data, timeout: Double = 60) throws -> Answer {
        let fd = try connect(port: port)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress!.advanced(by: sent), min(1 << 20, raw.count - sent), Int32(MSG_NOSIGNAL))
                if n <= 0 { break }
                sent += n
            }
        }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { return Answer(status: 0, head: "", body: data) }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self)
        var body = Data(data[split.upperBound...])
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        if head.lowercased().contains("transfer-encoding: chunked") { body = dechunk(body) }
        return Answer(status: status, head: head, body: body)
    }

    static func dechunk(_ d: Data) -> Data {
        var out = Data()
        var rest = d[...]
        while let line = rest.range(of: Data("\r\n".utf8)) {
            let size = Int(String(decoding: rest[..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? "", radix: 16) ?? 0
            if size == 0 { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out += rest[start..<end]
            rest = rest[min(rest.endIndex, rest.index(end, offsetBy: 2))...]
        }
        return out
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }
}
