import Foundation
import Testing
import XanhCore
import XanhHTTP
import XanhSensorThings

/// Keyset continuation (`$skiptoken`, issue 21) and `CreateObservations` through the native batch path.
@Suite struct SensorThingsPagingTests {
    /// The path and query of a next link, as the client follows it.
    static func relative(_ link: String) -> String { "/sta/v1.1/" + (link.components(separatedBy: "/sta/v1.1/").last ?? "") }

    /// Follows `@iot.nextLink` from `first`: the ids of every page, in order, and every link followed.
    static func walk(_ sta: STAClient, _ first: String, key: String = "@iot.id") async throws -> (ids: [Int64], links: [String]) {
        var ids: [Int64] = []
        var links: [String] = []
        var next: String? = first
        while let link = next, links.count < 200 {
            let r = try await sta.get(link.hasPrefix("http") ? relative(link) : link)
            #expect(r.status == 200, "\(link): \(r.text.prefix(300))")
            if case .array(let items)? = r.json["value"] { ids += items.compactMap { $0[key]?.int64Value } }
            next = r.json["@iot.nextLink"]?.stringValue
            if let next { links.append(next) }
        }
        return (ids, links)
    }

    @Test func nextLinksContinueAfterTheLastKeyAndVisitEveryEntityOnce() async throws {
        try await withSTA(station: true) { sta, f in
            _ = try await FilteringTests.fixture(sta)
            // Native data too, derived, so the union spans the raw, hourly, daily and AQI arms.
            var rows: [[String: Any]] = []
            for m in 0..<36 {
                let time = Timestamps.format(Fixture.now - 3 * 3600 + Int64(m) * 300)
                rows.append(["station": "HN-NKT", "parameter": "PM2.5", "time": time, "value": 20 + m])
                rows.append(["station": "HN-NKT", "parameter": "PM10", "time": time, "value": 40 + m])
            }
            try await sta.client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Fixture.observations(rows)) { r in
                #expect(r.status == .ok)
            }
            try await f.services.deriver.drain()

            for set in ["Observations", "Datastreams", "Things", "ObservedProperties", "Locations"] {
                let all = try await Self.walk(sta, "\(set)?$top=10000").ids
                #expect(!all.isEmpty && Set(all).count == all.count, "\(set): every id once")
                #expect(try await sta.get("\(set)?$count=true&$top=0").json["@iot.count"]?.int64Value == Int64(all.count), "\(set)")
                for top in [1, 2] {
                    let (ids, links) = try await Self.walk(sta, "\(set)?$top=\(top)")
                    #expect(ids == all, "\(set)?$top=\(top): the pages hold every entity once, in order")
                    #expect(!links.isEmpty && links.allSatisfy { $0.contains("$skiptoken=") && !$0.contains("$skip=") }, "\(set): \(links.prefix(2))")
                }
                // The count stays the whole collection's on every page.
                let counted = try await sta.get("\(set)?$top=2&$count=true")
                let next = try #require(counted.json["@iot.nextLink"]?.stringValue)
                #expect(try await sta.get(Self.relative(next)).json["@iot.count"] == counted.json["@iot.count"], "\(set)")
            }

            // One Datastream's Observations, in time order either way; an expanded collection's next link continues it.
            let pm = try #require(
                try await sta.items("Datastreams?$filter=properties/xanh/parameter%20eq%20'PM2.5'%20and%20properties/xanh/aggregate%20eq%20'none'")
                    .first?["@iot.id"]?.int64Value)
            let stored = try #require(try await sta.get("Datastreams(\(pm))/Observations?$count=true&$top=0").json["@iot.count"]?.int64Value)
            #expect(stored >= 36)
            for order in ["", "&$orderby=phenomenonTime%20desc", "&$orderby=phenomenonTime%20asc"] {
                let whole = try await Self.walk(sta, "Datastreams(\(pm))/Observations?$top=1000\(order)").ids
                let (ids, links) = try await Self.walk(sta, "Datastreams(\(pm))/Observations?$top=5\(order)")
                #expect(whole.count == stored && ids == whole, "order \(order): \(whole.count) \(ids.count)")
                #expect(links.allSatisfy { $0.contains("$skiptoken=") }, "\(links.prefix(1))")
            }
            let page = try await sta.items("Datastreams?$top=1&$filter=id%20eq%20\(pm)&$expand=Observations($top=2;$orderby=phenomenonTime%20desc)")
            let nested = try #require(page.first?["Observations@iot.nextLink"]?.stringValue)
            #expect(nested.contains("$skiptoken=d"), "\(nested)")
            let rest = try await Self.walk(sta, Self.relative(nested)).ids
            let firstTwo = page.first?["Observations"].map { v -> [Int64] in
                if case .array(let a) = v { a.compactMap { $0["@iot.id"]?.int64Value } } else { [] }
            }
            #expect(
                (firstTwo ?? []) + rest == (try await Self.walk(sta, "Datastreams(\(pm))/Observations?$top=1000&$orderby=phenomenonTime%20desc").ids))

            // The live map (each Datastream's latest Observation, read for the whole page from each arm's key) answers
            // what each Datastream's own collection answers, on every arm, with the same next link.
            let map = try await sta.items("Datastreams?$top=1000&$expand=Observations($top=1;$orderby=phenomenonTime%20desc)")
            #expect(map.count == (try await Self.walk(sta, "Datastreams?$top=1000").ids.count))
            var arms = Set<Int64>()
            for ds in map {
                let id = try #require(ds["@iot.id"]?.int64Value)
                let own = try await sta.get("Datastreams(\(id))/Observations?$top=1&$orderby=phenomenonTime%20desc").json
                #expect(ds["Observations"] == own["value"], "Datastream \(id)")
                #expect(ds["Observations@iot.nextLink"]?.stringValue.map(Self.relative) == own["@iot.nextLink"]?.stringValue.map(Self.relative))
                if case .array(let o)? = ds["Observations"], !o.isEmpty { arms.insert(id / STAIDs.armSize) }
            }
            #expect(arms == [0, 1, 2, 3, 4], "every arm has a latest value: \(arms.sorted())")

            // $skip keeps working; an order no keyset continues pages with $skip; a token that is not ours is refused.
            let all = try await Self.walk(sta, "Observations?$top=10000").ids
            #expect(try await Self.walk(sta, "Observations?$top=10000&$skip=3").ids == Array(all.dropFirst(3)))
            let byResult = try await sta.get("Observations?$top=2&$orderby=result%20desc")
            #expect(byResult.json["@iot.nextLink"]?.stringValue?.contains("$skip=2") == true)
            for bad in ["zz", "a9_1", "i1", "t", "a0_1_2_3", String(repeating: "1", count: 80)] {
                let r = try await sta.get("Observations?$top=2&$skiptoken=\(bad)")
                #expect(r.status == 400 && r.text.contains("skiptoken"), "\(bad): \(r.status)")
            }
            #expect(try await sta.get("Datastreams(\(pm))/Observations?$skiptoken=d1000&$orderby=phenomenonTime%20asc").status == 400)
        }
    }

    @Test func createObservationsTakesTheNativeBatchPath() async throws {
        try await withSTA(station: true) { sta, f in
            let pm = try #require(
                try await sta.items("Datastreams?$filter=properties/xanh/parameter%20eq%20'PM2.5'%20and%20properties/xanh/aggregate%20eq%20'none'")
                    .first?["@iot.id"]?.int64Value)
            // An Observation written with SensorThings-only fields first, then replaced by a plain row at its time.
            let earlier = try await sta.post(
                "Datastreams(\(pm))/Observations", #"{"phenomenonTime":"2026-11-20T04:00:00Z","result":5,"resultQuality":"checked"}"#)
            #expect(earlier.status == 201)
            let body = """
                [{"Datastream":{"@iot.id":\(pm)},"components":["result","phenomenonTime"],
                  "dataArray":[[30,"2026-11-20T04:00:00Z"],[31,"2026-11-20T04:05:00Z"],["many","2026-11-20T04:10:00Z"],[33],
                               [-50,"2026-11-20T04:15:00Z"],[34,"2026-11-20T04:20:00+07:00"],[35,"3026-01-01T00:00:00Z"],[36,"yesterday"]]}]
                """
            let r = try await sta.post("CreateObservations", body)
            #expect(r.status == 201, "\(r.text)")
            let slots: [String] = {
                if case .array(let a) = r.json { return a.compactMap(\.stringValue) }
                return []
            }()
            #expect(slots.count == 8, "\(slots)")
            let ok = slots.indices.filter { !slots[$0].hasPrefix("error") }
            #expect(ok == [0, 1, 4, 5], "\(slots)")
            #expect(slots[2].contains("row 2 of group 0") && slots[2].contains("'result' must be a number"))
            #expect(slots[3].contains("row 3 of group 0") && slots[3].contains("2 values"))
            #expect(slots[6].contains("row 6") && slots[7].contains("ISO 8601"))
            // Each self link names the Observation stored.
            for i in ok {
                let got = try await sta.get(Self.relative(slots[i]))
                #expect(got.status == 200, "\(slots[i])")
            }
            let listed = try await sta.items("Datastreams(\(pm))/Observations?$orderby=phenomenonTime")
            #expect(listed.compactMap { $0["result"]?.doubleValue } == [34, 30, 31, -50])
            #expect(listed.first { $0["result"]?.doubleValue == 30 }?["resultQuality"] == nil, "the plain row replaced the earlier fields")
            // Out of range: stored, flagged and excluded as the native ingest flags it.
            #expect(listed.first { $0["result"]?.doubleValue == -50 }?["resultQuality"]?["xanh"]?["qc"] == .string("negative"), "\(listed)")
            // Sent again: the same four rows, nothing doubled.
            #expect(try await sta.post("CreateObservations", body).status == 201)
            #expect(try await sta.count("Datastreams(\(pm))/Observations") == 4)
            #expect(try await f.store.observationCount() == 4)
        }
    }
}
