import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhSQLite
@testable import XanhHTTP
import XanhSQLStore
@testable import XanhServices
import XanhStore

#if canImport(Glibc)
    import Glibc
#endif

/// A wastewater station judged against QCVN 40:2011 column B (COD ≤ 150 mg/L), with an exceedance ready to derive.
struct AlertFixture {
    let path: String
    let store: any MonitoringStore
    static let day = try! Timestamps.parseISO8601("2026-11-20T00:00:00+07:00")

    init(path: String? = nil) async throws {
        self.path = try path ?? Fixture.newLocation()
        store = try await Fixture.open(self.path)
    }

    func station() async throws {
        _ = try await store.createStation(
            Station(
                code: "HP-DV-WW", name: "Đình Vũ", kind: .wastewater, province: "31", parameters: [StationParameter(parameter: "COD")],
                limits: FacilityLimitConfig(family: "QCVN40", column: "B")))
    }

    /// COD at 200 mg/L from 09:00 to 10:00, then 40: one 1-hour event that has ended.
    func exceed(at hour: Int64 = 9) async throws {
        let series = try await store.seriesDirectory().stations["HP-DV-WW"]!.series["COD"]!
        let start = Self.day + hour * 3600
        let rows = (1...24).map { i in
            ValidObservation(
                seriesID: series, t: start + Int64(i) * 300, value: (i <= 12 ? 200 : 40) + (i % 2 == 0 ? 0.5 : -0.5), status: .measuring, qc: .ok)
        }
        _ = try await store.ingest(rows)
    }

    var clock: @Sendable () -> Int64 { { AlertFixture.day + 12 * 3600 } }
}

@Suite(.serialized) struct AlertTests {
    @Test func facilityExceedanceRaisesOneAlertAndClosesIt() async throws {
        let f = try await AlertFixture()
        try await f.station()
        let rule = try await f.store.createRule(AlertRule(name: "QCVN 40", kind: .exceedance))
        try await f.exceed()
        try await Deriver(store: f.store, reference: Fixture.reference, clock: f.clock).drain()
        let events = try await f.store.exceedances(station: "HP-DV-WW", from: 0, to: .max, afterID: nil, limit: 10)
        #expect(events.count == 1)
        #expect(events.first?.event.limit == 150)
        #expect(events.first?.event.standard == "QCVN 40:2011/BTNMT column B")
        let engine = AlertEngine(store: f.store, clock: f.clock)
        #expect(try await engine.tick() == (1, 0))
        #expect(try await engine.tick() == (0, 1))  // the event had already ended
        #expect(try await engine.tick() == (0, 0))  // and is not raised again
        let log = try await f.store.alertLog(afterSeq: 0, limit: 10)
        #expect(log.map(\.event) == ["opened", "closed"])
        let p = try #require(AlertPayload.decode(log[0].payload))
        #expect(p.rule == rule.id && p.station == "HP-DV-WW" && p.parameter == "COD" && p.limit == 150)
        #expect(p.messageVi.contains("vượt giới hạn"))
    }

    @Test func webhookFailingThreeTimesGetsTheAlertOnceAfterRetriesAndARestart() async throws {
        let calls = Recorder<(head: String, body: String)>()
        let receiver = try TinyServer { fd in
            guard let req = TinyServer.readHTTPRequest(fd) else { return }
            calls.append(req)
            let status = calls.all.count <= 3 ? "503 Service Unavailable" : "200 OK"
            TinyServer.send(fd, "HTTP/1.1 \(status)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        defer { receiver.stop() }
        let f = try await AlertFixture()
        try await f.station()
        let rule = try await f.store.createRule(AlertRule(name: "QCVN 40", kind: .exceedance))
        _ = try await f.store.createSubscription(
            Subscription(rule: rule.id, channel: .webhook, target: "http://127.0.0.1:\(receiver.port)/hooks/xanh", secret: "s3cret"))
        try await f.exceed()
        try await Deriver(store: f.store, reference: Fixture.reference, clock: f.clock).drain()
        try await AlertEngine(store: f.store, clock: f.clock).tick()

        // The receiver is on this machine: a lab setting (allow-private-webhooks).
        let config = AlertConfig(baseDelay: 0.05, maxDelay: 0.2, maxAttempts: 10, allowPrivateWebhooks: true)
        // Two failed attempts, then the process "restarts": a new store and dispatcher on the same database file.
        var dispatcher = AlertDispatcher(store: f.store, config: config)
        for _ in 0..<100 where calls.all.count < 2 {
            try await dispatcher.deliverDue()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(calls.all.count == 2)
        let reopened = try await Fixture.open(f.path)
        dispatcher = AlertDispatcher(store: reopened, config: config)
        for _ in 0..<200 where calls.all.count < 4 {
            try await dispatcher.deliverDue()
            try await Task.sleep(for: .milliseconds(20))
        }
        // Later passes deliver nothing more.
        try await Task.sleep(for: .milliseconds(300))
        try await dispatcher.deliverDue()
        #expect(calls.all.count == 4)
        let ids = calls.all.map { c in
            c.head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("x-xanh-event-id:") }.map {
                $0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)
            }
        }
        #expect(Set(ids.compactMap { $0 }) == ["alert-1-opened"])
        let last = try #require(calls.all.last)
        #expect(last.head.hasPrefix("POST /hooks/xanh"))
        #expect(last.head.contains("\(AlertDispatcher.signature(secret: "s3cret", body: last.body))"))
        #expect(AlertPayload.decode(last.body)?.event == "opened")
        let attempts = try await reopened.attempts(delivery: 1)
        #expect(attempts.map(\.ok) == [false, false, false, true])
        #expect(attempts.first?.detail == "HTTP 503")
        // Backoff doubles: the gaps between attempts grow.
        let gaps = zip(attempts.dropFirst(), attempts).map { $0.atMs - $1.atMs }
        #expect(gaps.count == 3 && gaps[0] >= 50 && gaps[1] >= 100 && gaps[2] >= 200)
    }

    /// A subscription's name that resolves into the server's own network is refused at delivery (it was a public
    /// name when it was made, or came in before the check existed), and nothing reaches the address.
    @Test func aWebhookNameThatResolvesToAPrivateAddressIsRefusedAtDelivery() async throws {
        let calls = Recorder<(head: String, body: String)>()
        let receiver = try TinyServer { fd in
            guard let req = TinyServer.readHTTPRequest(fd) else { return }
            calls.append(req)
            TinyServer.send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        }
        defer { receiver.stop() }
        let f = try await AlertFixture()
        try await f.station()
        let rule = try await f.store.createRule(AlertRule(name: "QCVN 40", kind: .exceedance))
        // Stored directly, as a subscription of an earlier version would be; `localhost` resolves to 127.0.0.1.
        _ = try await f.store.createSubscription(
            Subscription(rule: rule.id, channel: .webhook, target: "http://localhost:\(receiver.port)/hooks/xanh", secret: nil))
        try await f.exceed()
        try await Deriver(store: f.store, reference: Fixture.reference, clock: f.clock).drain()
        try await AlertEngine(store: f.store, clock: f.clock).tick()
        let result = try await AlertDispatcher(store: f.store, config: AlertConfig(maxAttempts: 1)).deliverDue()
        #expect(result.delivered == 0 && result.failed == 1)
        #expect(calls.all.isEmpty)
        let detail = try await f.store.attempts(delivery: 1).first?.detail ?? ""
        #expect(detail.contains("resolves to 127.0.0.1") || detail.contains("resolves to ::1"), "\(detail)")
    }

    @Test func smtpSinkReceivesTheEmail() async throws {
        let messages = Recorder<String>()
        let sink = try TinyServer.smtpSink(messages)
        defer { sink.stop() }
        let f = try await AlertFixture()
        try await f.station()
        _ = try await f.store.createRule(AlertRule(name: "QCVN 40", kind: .exceedance))
        _ = try await f.store.createSubscription(Subscription(channel: .email, target: "quantrac@stnmt.haiphong.gov.vn"))
        try await f.exceed()
        try await Deriver(store: f.store, reference: Fixture.reference, clock: f.clock).drain()
        try await AlertEngine(store: f.store, clock: f.clock).tick()
        let dispatcher = AlertDispatcher(
            store: f.store, config: AlertConfig(smtp: SMTPConfig(host: "127.0.0.1", port: sink.port, from: "xanh@stnmt.haiphong.gov.vn")))
        let r = try await dispatcher.deliverDue()
        #expect(r == (1, 0))
        let all = messages.all
        #expect(all.contains("CMD RCPT TO:<quantrac@stnmt.haiphong.gov.vn>"))
        let mail = try #require(all.first { $0.contains("Subject:") })
        #expect(mail.contains("Subject: =?UTF-8?B?"))
        #expect(mail.contains("\"eventId\":\"alert-1-opened\""))
        #expect(mail.contains("vượt giới hạn"))
    }

    @Test func sseStreamDeliversANewExceedanceWithinTwoSeconds() async throws {
        let fixture = try await Fixture()
        let app = try await fixture.application(ServerConfig(host: "127.0.0.1", port: 0, deriveInterval: 0.2, alerts: AlertConfig(interval: 0.2)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // A client subscribes to the stream.
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            #expect(ok == 0)
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // The stream is read on its own thread: a blocking read must not hold one of the two cooperative
            // threads that the server, the deriver and the database client share.
            let listener = SSEListener(fd: fd)
            TinyServer.send(fd, "GET /api/v1/alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            await listener.subscribed()
            // A rule, then NO2 above the QCVN 05:2023 1-hour limit (200 µg/m³) from 09:00 to 10:00.
            let rule = #"{"name":"QCVN 05","kind":"exceedance","scope":{"stations":["HN-NKT"],"facilities":[],"provinces":[]},"active":true}"#
            let created = try await client.execute(uri: "/api/v1/alert-rules", method: .post, headers: fixture.auth, body: ByteBuffer(string: rule))
            #expect(created.status == .created)
            let rows: [[String: Any]] = (1...12).map { i in
                let t = Timestamps.format(Fixture.now - 3 * 3600 + Int64(i) * 300)
                return ["station": "HN-NKT", "parameter": "NO2", "time": t, "value": 300 + (i % 2 == 0 ? 1 : -1)]
            }
            let sent = Date()
            let posted = try await client.execute(uri: "/api/v1/observations", method: .post, headers: fixture.auth, body: Fixture.observations(rows))
            #expect(posted.status == .ok)
            let (event, data, at) = await listener.firstEvent()
            // When the event reached the client, not when this task got to look.
            let elapsed = at.timeIntervalSince(sent)
            #expect(event == "opened")
            let payload = try #require(data.flatMap(AlertPayload.decode))
            #expect(payload.station == "HN-NKT" && payload.parameter == "NO2" && payload.limit == 200)
            #expect(elapsed < 2, "took \(elapsed) s")
        }
    }
}

/// Reads a Server-Sent Events stream on a thread of its own: the stream's preamble, then the first event.
final class SSEListener: @unchecked Sendable {
    private let preamble = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var result: (event: String?, data: String?, at: Date) = (nil, nil, Date.distantFuture)

    init(fd: Int32) {
        Thread.detachNewThread { [self] in
            var lines = LineReader(fd: fd)
            while let l = lines.next(), !l.hasPrefix(": xanh alerts") {}
            preamble.signal()
            var event: String?
            while let l = lines.next() {
                if l.hasPrefix("event: ") { event = String(l.dropFirst(7)) }
                if l.hasPrefix("data: ") {
                    result = (event, String(l.dropFirst(6)), Date())
                    break
                }
            }
            done.signal()
        }
    }

    private static func wait(_ s: DispatchSemaphore) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                s.wait()
                c.resume()
            }
        }
    }

    func subscribed() async { await Self.wait(preamble) }

    /// The first event's name, its data, and when its data line arrived (distant future if none came).
    func firstEvent() async -> (String?, String?, Date) {
        await Self.wait(done)
        return result
    }
}
