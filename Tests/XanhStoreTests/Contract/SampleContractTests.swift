import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// Water samples, called directly on each engine: the same station and time is one sample (replaced, not doubled),
/// and the filters and the bound hold.
@Suite struct SampleContractTests {
    @Test(arguments: Engine.available) func samplesAreKeptByStationAndTime(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        func sample(_ station: String, _ t: Int64, _ campaign: String, cod: Double) -> Sample {
            var s = Sample(
                station: station, time: t, campaign: campaign, laboratory: "Trung tâm Quan trắc", accreditation: "VIMCERTS 123",
                values: [
                    SampleValue(parameter: "COD", value: cod, unit: "mg/L"),
                    SampleValue(parameter: "Pb", value: nil, belowDetection: true, detectionLimit: 0.001, unit: "mg/L", flags: ["below_lod"]),
                ])
            s.lodRule = .half
            return s
        }
        let a = sample("HP-S1", 1_000, "Q1/2026", cod: 12)
        let b = sample("HP-S1", 2_000, "Q2/2026", cod: 14)
        let c = sample("LS-S1", 1_500, "Q1/2026", cod: 30)
        #expect(try await store.upsertSamples([a, b, c], at: 5) == 3)
        // Sent again, one changed: nothing new, the change kept.
        let changed = sample("HP-S1", 2_000, "Q2/2026", cod: 15)
        #expect(try await store.upsertSamples([a, changed], at: 6) == 0)
        #expect(try await store.samples(station: nil, campaign: nil, from: nil, to: nil, limit: 10) == [a, c, changed])
        #expect(try await store.samples(station: "HP-S1", campaign: nil, from: nil, to: nil, limit: 10) == [a, changed])
        #expect(try await store.samples(station: nil, campaign: "Q1/2026", from: nil, to: nil, limit: 10) == [a, c])
        #expect(try await store.samples(station: nil, campaign: nil, from: 1_500, to: 2_000, limit: 10) == [c])
        #expect(try await store.samples(station: nil, campaign: nil, from: nil, to: nil, limit: 1) == [a])
    }
}
