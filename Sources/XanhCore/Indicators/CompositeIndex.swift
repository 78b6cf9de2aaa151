import Foundation

/// A composite index built as the OECD/JRC handbook describes and COINr implements: indicators are imputed,
/// normalised, aggregated into dimensions and the dimensions into the index; units are ranked; a Monte Carlo run
/// varies weights and methods to show how stable each rank is (docs/decisions/0011-composite-index.md).
public struct IndexDefinition: Codable, Sendable, Hashable {
    public enum Normalisation: String, Codable, Sendable, CaseIterable {
        case minMax = "min_max"
        case zScore = "z_score"
        case distanceToTarget = "distance_to_target"
        case goalposts
    }
    public enum Aggregation: String, Codable, Sendable, CaseIterable { case arithmetic, geometric }
    public enum Imputation: String, Codable, Sendable { case mean, none }

    public struct Component: Codable, Sendable, Hashable {
        public var indicator: String
        public var weight: Double
        public var direction: Indicator.Direction
        /// For distance to target.
        public var target: Double?
        /// For goalposts: the worst and best values.
        public var low: Double?
        public var high: Double?
        public init(
            indicator: String, weight: Double = 1, direction: Indicator.Direction, target: Double? = nil, low: Double? = nil, high: Double? = nil
        ) {
            self.indicator = indicator
            self.weight = weight
            self.direction = direction
            self.target = target
            self.low = low
            self.high = high
        }
    }

    public struct Dimension: Codable, Sendable, Hashable {
        public var code: String
        public var nameVi: String
        public var nameEn: String
        public var weight: Double
        public var components: [Component]
        public init(code: String, nameVi: String, nameEn: String, weight: Double = 1, components: [Component]) {
            self.code = code
            self.nameVi = nameVi
            self.nameEn = nameEn
            self.weight = weight
            self.components = components
        }
    }

    public var id: String
    public var nameVi: String
    public var nameEn: String
    public var dimensions: [Dimension]
    public var normalisation: Normalisation
    /// Indicators → dimension, and dimensions → index.
    public var aggregation: Aggregation
    public var imputation: Imputation

    public init(
        id: String, nameVi: String, nameEn: String, dimensions: [Dimension], normalisation: Normalisation, aggregation: Aggregation,
        imputation: Imputation = .mean
    ) {
        self.id = id
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.dimensions = dimensions
        self.normalisation = normalisation
        self.aggregation = aggregation
        self.imputation = imputation
    }

    public var indicators: [String] { dimensions.flatMap { $0.components.map(\.indicator) } }
}

public struct IndexResult: Codable, Sendable, Equatable {
    public struct UnitScore: Codable, Sendable, Equatable {
        public var unit: String
        public var score: Double
        public var rank: Int
        public var dimensions: [String: Double]
        /// Normalised indicator scores (1–100).
        public var normalised: [String: Double]
    }
    public struct Imputed: Codable, Sendable, Equatable {
        public var unit: String
        public var indicator: String
        public var value: Double
        public init(unit: String, indicator: String, value: Double) {
            self.unit = unit
            self.indicator = indicator
            self.value = value
        }
    }
    public var scores: [UnitScore]
    public var imputed: [Imputed]
    /// Units left out because they miss a value and imputation is off.
    public var excluded: [String]
    /// Indicators with no value for any unit that year, left out of the computation.
    public var droppedIndicators: [String]
}

public enum CompositeIndex {
    /// Computes the index for units with raw indicator values (nil = missing).
    public static func compute(_ def0: IndexDefinition, data: [String: [String: Double?]]) -> IndexResult {
        let units = data.keys.sorted()
        // An indicator no unit has is dropped (and reported), as COINr does; a dimension left empty goes with it.
        var def = def0
        var dropped: [String] = []
        for i in def.dimensions.indices {
            def.dimensions[i].components.removeAll { c in
                let none = units.allSatisfy { (data[$0]?[c.indicator] ?? nil) == nil }
                if none { dropped.append(c.indicator) }
                return none
            }
        }
        def.dimensions.removeAll { $0.components.isEmpty }
        var values: [String: [String: Double]] = [:]
        var imputed: [IndexResult.Imputed] = []
        var excluded = Set<String>()
        for code in def.indicators {
            let present = units.compactMap { data[$0]?[code] ?? nil }
            let mean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
            for u in units {
                if let v = data[u]?[code] ?? nil {
                    values[u, default: [:]][code] = v
                } else if def.imputation == .mean, let m = mean {
                    values[u, default: [:]][code] = m
                    imputed.append(.init(unit: u, indicator: code, value: m))
                } else {
                    excluded.insert(u)
                }
            }
        }
        // A unit counts only with a value (reported or imputed) for every indicator left; with no indicator left
        // (a year nobody reported) there is nothing to score.
        let included = def.indicators.isEmpty ? [] : units.filter { !excluded.contains($0) }
        // Normalise each indicator across the included units.
        var normalised: [String: [String: Double]] = [:]
        for d in def.dimensions {
            for c in d.components {
                let pairs = included.compactMap { u in values[u]?[c.indicator].map { (u, $0) } }
                let xs = pairs.map(\.1)
                for (u, x) in pairs {
                    normalised[u, default: [:]][c.indicator] = normalise(x, all: xs, c, def.normalisation)
                }
            }
        }
        var scored: [(unit: String, score: Double, dimensions: [String: Double])] = []
        for u in included {
            let scores = normalised[u] ?? [:]
            var dims: [String: Double] = [:]
            var dimScores: [(Double, Double)] = []
            for d in def.dimensions {
                let s = aggregate(d.components.compactMap { c in scores[c.indicator].map { ($0, c.weight) } }, def.aggregation)
                dims[d.code] = s
                dimScores.append((s, d.weight))
            }
            scored.append((u, aggregate(dimScores, def.aggregation), dims))
        }
        let ranks = rank(scored.map { ($0.unit, $0.score) })
        return IndexResult(
            scores: scored.map {
                .init(unit: $0.unit, score: $0.score, rank: ranks[$0.unit] ?? 0, dimensions: $0.dimensions, normalised: normalised[$0.unit] ?? [:])
            }
            .sorted { ($0.rank, $0.unit) < ($1.rank, $1.unit) },
            imputed: imputed, excluded: excluded.sorted(), droppedIndicators: dropped)
    }

    /// 1–100, 100 best (GGGI's scale; the 1 keeps geometric means defined).
    public static func normalise(_ x: Double, all xs: [Double], _ c: IndexDefinition.Component, _ method: IndexDefinition.Normalisation) -> Double {
        let sign: Double = c.direction == .higher ? 1 : -1
        func scaled(_ fraction: Double) -> Double { 1 + 99 * Swift.min(1, Swift.max(0, fraction)) }
        let lo = xs.min() ?? x
        let hi = xs.max() ?? x
        switch method {
        case .minMax:
            guard hi > lo else { return 100 }
            return scaled(sign > 0 ? (x - lo) / (hi - lo) : (hi - x) / (hi - lo))
        case .zScore:
            let n = Double(xs.count)
            let mean = xs.reduce(0, +) / n
            let sd = n > 1 ? (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot() : 0
            let z = sd > 0 ? sign * (x - mean) / sd : 0
            return Swift.max(1, 100 + 10 * z)
        case .distanceToTarget:
            // From the worst unit (1) to the target (100), capped: COINr's n_dist2targ on GGGI's scale.
            let target = c.target ?? (sign > 0 ? hi : lo)
            // At or beyond the target scores 100, even when every unit is beyond it.
            if sign > 0 ? x >= target : x <= target { return 100 }
            let worst = sign > 0 ? lo : hi
            guard target != worst else { return 100 }
            return scaled((x - worst) / (target - worst))
        case .goalposts:
            let low = c.low ?? (sign > 0 ? lo : hi)
            let high = c.high ?? (sign > 0 ? hi : lo)
            guard high != low else { return 100 }
            return scaled((x - low) / (high - low))
        }
    }

    /// Weighted arithmetic or geometric mean; weights are normalised to sum to 1.
    public static func aggregate(_ parts: [(value: Double, weight: Double)], _ method: IndexDefinition.Aggregation) -> Double {
        let total = parts.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return .nan }
        switch method {
        case .arithmetic: return parts.reduce(0) { $0 + $1.value * $1.weight / total }
        case .geometric: return exp(parts.reduce(0) { $0 + log($1.value) * $1.weight / total })
        }
    }

    /// 1 = best; ties share the better rank.
    static func rank(_ scores: [(String, Double)]) -> [String: Int] {
        var out: [String: Int] = [:]
        for (u, s) in scores { out[u] = 1 + scores.filter { $0.1 > s + 1e-12 }.count }
        return out
    }

    public struct Sensitivity: Codable, Sendable, Equatable {
        public struct UnitRanks: Codable, Sendable, Equatable {
            public var unit: String
            public var nominal: Int
            public var median: Int
            public var best: Int
            public var worst: Int
            /// 5th and 95th percentiles of the rank.
            public var p5: Int
            public var p95: Int
        }
        public var runs: Int
        public var seed: UInt64
        public var weightSpread: Double
        public var units: [UnitRanks]
    }

    /// Monte Carlo uncertainty analysis: each run draws every weight from U[w(1−spread), w(1+spread)], the
    /// normalisation from min-max, z-score and the definition's own, and the aggregation from arithmetic and geometric,
    /// then ranks the units. Deterministic for a seed (SplitMix64).
    public static func sensitivity(
        _ def: IndexDefinition, data: [String: [String: Double?]], runs: Int, seed: UInt64, weightSpread: Double = 0.25
    ) -> Sensitivity {
        let nominal = compute(def, data: data)
        var rng = SplitMix64(seed: seed)
        var ranks: [String: [Int]] = [:]
        let normalisations = Array(Set([IndexDefinition.Normalisation.minMax, .zScore, def.normalisation])).sorted { $0.rawValue < $1.rawValue }
        for _ in 0..<runs {
            var d = def
            for i in d.dimensions.indices {
                d.dimensions[i].weight *= 1 + weightSpread * (2 * rng.nextUnit() - 1)
                for j in d.dimensions[i].components.indices { d.dimensions[i].components[j].weight *= 1 + weightSpread * (2 * rng.nextUnit() - 1) }
            }
            d.normalisation = normalisations[Int(rng.next() % UInt64(normalisations.count))]
            d.aggregation = rng.next() % 2 == 0 ? .arithmetic : .geometric
            for s in compute(d, data: data).scores { ranks[s.unit, default: []].append(s.rank) }
        }
        let units = nominal.scores.map { s -> Sensitivity.UnitRanks in
            let r = (ranks[s.unit] ?? [s.rank]).sorted()
            func q(_ p: Double) -> Int { r[Swift.min(r.count - 1, Int((Double(r.count - 1) * p).rounded()))] }
            return .init(unit: s.unit, nominal: s.rank, median: q(0.5), best: r.first ?? s.rank, worst: r.last ?? s.rank, p5: q(0.05), p95: q(0.95))
        }
        return Sensitivity(runs: runs, seed: seed, weightSpread: weightSpread, units: units)
    }
}

/// SplitMix64: a small, well-known generator, so a seed gives the same runs on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

public struct IndexCatalogue: Codable, Sendable {
    public var version: String
    public var indexes: [IndexDefinition]
    public static func bundled() throws -> IndexCatalogue { try ResourceLoader.decode(IndexCatalogue.self, from: "indexes.json") }
}
