import Foundation
import Testing
import XanhCore
import XanhSQLite
import XanhServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `kill -9` of a real `xanh serve` process right after it answered 200 loses no acknowledged observation.
@Suite(.serialized) struct CrashTests {
    /// The `xanh` binary next to the test bundle; built on demand when `swift test` ran without `swift build`.
    static func binary() throws -> URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("xanh"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("xanh"),
            root.appendingPathComponent(".build/debug/xanh"),
        ]
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["swift", "build", "--product", "xanh", "--package-path", root.path]
        try build.run()
        build.waitUntilExit()
        return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) })
    }

    static func run(_ binary: URL, _ args: [String], env: [String: String]) throws -> String {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func killMinusNineLosesNothingAcknowledged() async throws {
        let bin = try Self.binary()
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-crash-\(UUID().uuidString).sqlite").path
        let env = ["XANH_DB": db]
        _ = try Self.run(bin, ["station", "add", "--code", "HN-NKT", "--name", "NKT", "--province", "01", "--parameters", "PM2.5,PM10"], env: env)
        let key = try Self.run(bin, ["key", "create", "--name", "crash-test"], env: env)
        #expect(key.hasPrefix("xanh_"))

        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = bin
        server.arguments = ["serve", "--port", "\(port)", "--host", "127.0.0.1"]
        server.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }

        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 where !up {
            if let (_, r) = try? await URLSession.shared.data(from: URL(string: "\(base)/health")!), (r as? HTTPURLResponse)?.statusCode == 200 {
                up = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try #require(up, "server did not start")

        // Several acknowledged batches, then SIGKILL immediately after the last 200.
        let start = Int64(Date().timeIntervalSince1970) - 86_400
        var acknowledged = 0
        for b in 0..<5 {
            let rows = (0..<2000).map { i -> [String: Any] in
                let n = b * 2000 + i
                let t: String = Timestamps.format(start + Int64(n / 2) * 5)
                return ["station": "HN-NKT", "parameter": n % 2 == 0 ? "PM2.5" : "PM10", "time": t, "value": 10.0 + Double(n % 50)]
            }
            var request = URLRequest(url: URL(string: "\(base)/api/v1/observations")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            let (data, response) = try await URLSession.shared.upload(for: request, from: try JSONSerialization.data(withJSONObject: ["observations": rows]))
            try #require((response as? HTTPURLResponse)?.statusCode == 200)
            let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            acknowledged += answer["accepted"] as? Int ?? 0
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        #expect(acknowledged == 10_000)

        // Reopen the database as a fresh process would.
        let store = try SQLiteStore(path: db, reference: try ReferenceData.bundled())
        #expect(try await store.observationCount() == acknowledged)
    }
}
