import NumericCore
import TasteCore
import VectorSearch

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
        var rng = SplitMix64(seed: seed)
        var ids: [Int64] = [], values: [Float] = [], infos: [TrackInfo] = []
        for s in 0..<styles {
            let centre = (0..<dimension).map { _ in rng.nextGaussian() }
            for m in 0..<perStyle {
                ids.append(Self.id(style: s, member: m))
                values += centre.map { $0 + noise * rng.nextGaussian() }
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
