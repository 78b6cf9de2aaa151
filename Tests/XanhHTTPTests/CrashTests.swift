import Foundation
import Testing
import XanhCore
import XanhSQLite
import XanhHTTP
import XanhSQLStore
import XanhServices

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
        let key = try Self.run(bin, ["key", "create", "--name", "crash-test", "--role", "admin"], env: env)
        #expect(key.hasPrefix("xanh_"))

        let port = try ServerProcess.freePort()
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
        for _ in 0..<600 where !up {
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
            let (data, response) = try await URLSession.shared.upload(
                for: request, from: try JSONSerialization.data(withJSONObject: ["observations": rows]))
            try #require((response as? HTTPURLResponse)?.statusCode == 200)
            let answer = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            acknowledged += answer["accepted"] as? Int ?? 0
        }
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
        #expect(acknowledged == 10_000)

        // Reopen the database as a fresh process would.
        let store = try await Fixture.sqlite(db)
        #expect(try await store.observationCount() == acknowledged)
    }

    /// `kill -9` of `xanh watch` in the middle of a backlog, then a restart: every observation once, every file in
    /// the archive, each counted once in the ledger.
    @Test func killedWatcherResumesWithoutLossOrDoubleCounting() async throws {
        let bin = try Self.binary()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-watch-\(UUID().uuidString)").path
        let db = tmp + "/xanh.sqlite"
        let drop = tmp + "/drop"
        try FileManager.default.createDirectory(atPath: drop, withIntermediateDirectories: true)
        let env = ["XANH_DB": db]
        let parameters = ["PM2.5", "PM10", "NO2", "SO2", "CO", "O3", "Temp", "RH"]
        let stations = 20
        let filesPerStation = 300
        for s in 0..<stations {
            _ = try Self.run(
                bin,
                [
                    "station", "add", "--code", "ST\(s)", "--name", "Station \(s)", "--province", "01", "--parameters",
                    parameters.joined(separator: ","),
                ],
                env: env)
        }
        // The backlog: one file per station and 5 minutes, in station and date folders.
        let first = Timestamps.parseDate("2026-11-01")!
        let values = [35.2, 61.0, 40.5, 12.25, 900, 55.5, 27.5, 80]
        for s in 0..<stations {
            for k in 0..<filesPerStation {
                let t = first + Int64(k) * 300
                let stamp = Self.stamp(t)
                let dir = "\(drop)/ST\(s)/\(stamp.prefix(4))/\(stamp.dropFirst(4).prefix(2))/\(stamp.dropFirst(6).prefix(2))"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let lines = zip(parameters, values).map { "\($0)\t\($1 + Double(k % 7))\t\t\(stamp)\t00" }.joined(separator: "\n")
                try Data(lines.utf8).write(to: URL(fileURLWithPath: "\(dir)/HN_Demo_ST\(s)_\(stamp).txt"))
            }
        }
        let total = stations * filesPerStation

        // Start the watcher with small batches and kill it once part of the backlog is archived.
        let watcher = Process()
        watcher.executableURL = bin
        watcher.arguments = ["watch", drop, "--settle", "0", "--batch", "100"]
        watcher.environment = ProcessInfo.processInfo.environment.merging(env) { _, b in b }
        watcher.standardOutput = FileHandle.nullDevice
        watcher.standardError = FileHandle.nullDevice
        try watcher.run()
        var archived = 0
        for _ in 0..<600 where archived < total / 5 {
            archived = Self.countFiles(tmp + "/drop-archive")
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(watcher.processIdentifier, SIGKILL)
        watcher.waitUntilExit()
        let left = Self.countFiles(drop)
        #expect(archived > 0 && left > 0, "the kill should land mid-backlog (archived \(archived), left \(left))")

        // Restart and let it finish.
        let out = try Self.run(bin, ["watch", drop, "--settle", "0", "--once"], env: env)
        #expect(out.contains("0 quarantined"))
        #expect(Self.countFiles(drop) == 0)
        #expect(Self.countFiles(tmp + "/drop-archive") == total)
        #expect(Self.countFiles(tmp + "/drop-quarantine") == 0)
        let store = try await Fixture.sqlite(db)
        #expect(try await store.observationCount() == total * parameters.count)
        #expect(try await store.ingestedFileCount() == total)
    }

    static func stamp(_ t: Int64) -> String {
        let local = Timestamps.format(t)  // 2026-11-01T00:05:00+07:00
        return local.prefix(19).filter { $0.isNumber }
    }

    static func countFiles(_ dir: String) -> Int {
        (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".txt") }.count
    }
}
