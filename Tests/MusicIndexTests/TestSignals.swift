import Foundation

/// The signals of scripts/fixtures/make_librosa_fixtures.py, computed the same way (Double
/// arithmetic, then rounded to Float32) so librosa's fixture applies to them.
enum TestSignals {
    static let sampleRate = 22_050.0

    static func lcgNoise(_ n: Int, seed: Int) -> [Double] {
        var x = seed
        return (0..<n).map { _ in
            x = (x &* 1_103_515_245 &+ 12_345) % (1 << 31)
            return Double(x) / Double(1 << 30) - 1
        }
    }

    static func sine(_ f: Double, _ i: Int) -> Double { sin(2 * Double.pi * f * (Double(i) / sampleRate)) }

    static func named(_ name: String) -> [Float] {
        switch name {
        case "chord":
            return (0..<44_100).map { i in Float(0.2 * (sine(220, i) + sine(277.18, i) + sine(329.63, i))) }
        case "noise_chirp":
            let noise = lcgNoise(33_075, seed: 7)
            return (0..<33_075).map { i in
                let t = Double(i) / sampleRate
                return Float(0.1 * noise[i] + 0.3 * sin(2 * Double.pi * (100 * t + 2000 * t * t)))
            }
        case "short":
            return (0..<700).map { Float(0.5 * sine(1000, $0)) }
        case "quiet_then_loud":
            let noise = lcgNoise(11_025, seed: 3)
            return (0..<33_075).map { i in
                i < 22_050 ? Float(1e-4 * sine(440, i)) : Float(0.8 * sine(440, i) + 0.2 * noise[i - 22_050])
            }
        case "clicks":
            var y = [Float](repeating: 0, count: 22_050)
            for k in stride(from: 0, to: 22_050, by: 5512) {
                for j in 0..<64 where k + j < 22_050 { y[k + j] = Float(0.9 * (1 - Double(j) / 64)) }
            }
            return y
        default:
            fatalError("unknown test signal \(name)")
        }
    }
}
