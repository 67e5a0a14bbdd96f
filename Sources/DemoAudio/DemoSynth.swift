import Foundation
import NumericCore

/// A tiny additive/subtractive synthesizer writing into a mono buffer. Deterministic: its noise
/// comes from a seeded generator, so the same call always renders the same samples.
struct DemoSynth {
    let sampleRate: Double
    var buffer: [Float]
    private var random: SplitMix64

    init(duration: Double, sampleRate: Int, seed: UInt64) {
        self.sampleRate = Double(sampleRate)
        buffer = [Float](repeating: 0, count: Int(duration * Double(sampleRate)))
        random = SplitMix64(seed: seed)
    }

    enum Wave { case sine, saw, square, triangle }

    /// White noise in [-1, 1).
    mutating func noise() -> Double { random.nextUniform() * 2 - 1 }

    /// Bandlimited-enough oscillators: saw and square are summed from harmonics below 8 kHz.
    static func oscillate(_ wave: Wave, phase: Double, frequency: Double) -> Double {
        switch wave {
        case .sine: return sin(2 * .pi * phase)
        case .triangle: return 2 * abs(2 * (phase - (phase + 0.5).rounded(.down))) - 1
        case .saw, .square:
            let harmonics = max(1, min(24, Int(8000 / frequency)))
            var sum = 0.0
            for h in 1...harmonics where wave == .saw || h % 2 == 1 {
                sum += sin(2 * .pi * phase * Double(h)) / Double(h)
            }
            return sum * (wave == .saw ? 0.55 : 0.8)
        }
    }

    /// A note with attack/release envelope and optional soft-clipping drive.
    mutating func note(
        at start: Double, length: Double, frequency: Double, amplitude: Double, wave: Wave,
        attack: Double = 0.005, decay: Double = 0, drive: Double = 0
    ) {
        let first = Int(start * sampleRate), count = Int(length * sampleRate)
        for i in 0..<count where first + i < buffer.count && first + i >= 0 {
            let t = Double(i) / sampleRate
            var env = min(1, t / attack) * min(1, (length - t) / 0.01)
            if decay > 0 { env *= exp(-t / decay) }
            var x = Self.oscillate(wave, phase: (frequency * t).truncatingRemainder(dividingBy: 1), frequency: frequency)
            if drive > 0 { x = tanh(drive * x) / tanh(drive) }
            buffer[first + i] += Float(amplitude * env * x)
        }
    }

    /// Bass drum: a sine falling from ~150 Hz to 50 Hz.
    mutating func kick(at start: Double, amplitude: Double = 0.8) {
        let first = Int(start * sampleRate)
        var phase = 0.0
        for i in 0..<Int(0.35 * sampleRate) where first + i < buffer.count {
            let t = Double(i) / sampleRate
            phase += (50 + 100 * exp(-t * 30)) / sampleRate
            buffer[first + i] += Float(amplitude * exp(-t * 9) * sin(2 * .pi * phase))
        }
    }

    /// Snare: noise plus a 190 Hz body.
    mutating func snare(at start: Double, amplitude: Double = 0.5) {
        let first = Int(start * sampleRate)
        for i in 0..<Int(0.2 * sampleRate) where first + i < buffer.count {
            let t = Double(i) / sampleRate
            let body = sin(2 * .pi * 190 * t) * exp(-t * 30)
            buffer[first + i] += Float(amplitude * (0.7 * noise() * exp(-t * 20) + 0.5 * body))
        }
    }

    /// Hi-hat or brush: high-passed noise (first difference), short or long.
    mutating func hat(at start: Double, amplitude: Double = 0.2, length: Double = 0.05) {
        let first = Int(start * sampleRate)
        var previous = 0.0
        for i in 0..<Int(length * sampleRate) where first + i < buffer.count {
            let t = Double(i) / sampleRate
            let n = noise()
            buffer[first + i] += Float(amplitude * (n - previous) * 0.5 * exp(-t / (length / 4)))
            previous = n
        }
    }

    /// Plucked string (Karplus–Strong): a noise burst circulating in a damped delay line.
    mutating func pluck(at start: Double, frequency: Double, amplitude: Double, length: Double = 1.2) {
        let period = max(2, Int(sampleRate / frequency))
        var line = (0..<period).map { _ in noise() }
        let first = Int(start * sampleRate)
        for i in 0..<Int(length * sampleRate) where first + i < buffer.count {
            let j = i % period
            let next = line[(j + 1) % period]
            let out = line[j]
            line[j] = 0.996 * 0.5 * (out + next)
            buffer[first + i] += Float(amplitude * out)
        }
    }

    /// A feedback echo, for the ambient style's space.
    mutating func echo(delay: Double, feedback: Double) {
        let d = Int(delay * sampleRate)
        guard d > 0 else { return }
        for i in d..<buffer.count { buffer[i] += Float(feedback) * buffer[i - d] }
    }

    /// Scales the mix so its peak sits at `peak`.
    mutating func normalize(peak: Float = 0.8) {
        let m = buffer.reduce(0) { max($0, abs($1)) }
        guard m > 0 else { return }
        let g = peak / m
        for i in buffer.indices { buffer[i] *= g }
    }

    static func midi(_ note: Double) -> Double { 440 * pow(2, (note - 69) / 12) }
}
