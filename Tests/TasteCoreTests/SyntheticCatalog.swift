import TasteCore
import VectorSearch

/// Deterministic pseudo-random numbers (SplitMix64 + Box–Muller) for test catalogs.
struct SeededRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func gaussian() -> Float {
        let u = max(Double(next() >> 11) * 0x1p-53, 1e-300), v = Double(next() >> 11) * 0x1p-53
        return Float((-2 * log(u)).squareRoot() * cos(2 * Double.pi * v))
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A catalog with known structure: `styles` clusters of `perStyle` tracks, each a random
/// centre plus small noise, so tracks of one style are near each other and far from others.
/// Track id = style × 1000 + member; album "Style s", one artist for all (like the demo band).
struct SyntheticCatalog {
    let styles: Int
    let perStyle: Int
    let index: VectorIndex
    let tracks: TrackDirectory

    init(styles: Int = 6, perStyle: Int = 60, dimension: Int = 24, noise: Float = 0.35, seed: UInt64 = 7) {
        self.styles = styles
        self.perStyle = perStyle
        var rng = SeededRandom(seed)
        var ids: [Int64] = [], values: [Float] = [], infos: [TrackInfo] = []
        for s in 0..<styles {
            let centre = (0..<dimension).map { _ in rng.gaussian() }
            for m in 0..<perStyle {
                ids.append(Self.id(style: s, member: m))
                values += centre.map { $0 + noise * rng.gaussian() }
                infos.append(TrackInfo(id: Self.id(style: s, member: m), title: "Style \(s) piece \(m + 1)", artist: "Synthetic Band", album: "Style \(s)"))
            }
        }
        index = VectorIndex(dimension: dimension, ids: ids, vectors: values, standardize: false)
        tracks = TrackDirectory(infos)
    }

    static func id(style: Int, member: Int) -> Int64 { Int64(style * 1000 + member) }
    static func style(of id: Int64) -> Int { Int(id / 1000) }

    func profile(_ members: [(style: Int, member: Int)], source: ProfileSource = .profile) -> TasteProfile {
        TasteProfile(trackIDs: members.map { Self.id(style: $0.style, member: $0.member) }, source: source)
    }

    /// Mean over `ids` of the best cosine to any of `anchors`.
    func meanBestCosine(_ ids: [Int64], to anchors: [Int64]) -> Double {
        let a = anchors.map { index.unitVector(id: $0)! }
        let total = ids.reduce(0.0) { sum, id in
            let v = index.unitVector(id: id)!
            return sum + Double(a.map { VectorMath.dot($0, v) }.max()!)
        }
        return total / Double(ids.count)
    }
}
