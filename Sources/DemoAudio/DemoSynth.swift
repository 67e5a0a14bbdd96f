import Foundation
import NumericCore
import Synchronization

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

    enum Wave: Hashable { case sine, saw, square, triangle }

    /// White noise in [-1, 1).
    mutating func noise() -> Double { random.nextUniform() * 2 - 1 }

    /// Bandlimited-enough oscillators: saw and square are summed from harmonics below 8 kHz.
    static func oscillate(_ wave: Wave, phase: Double, frequency: Double) -> Double {
        oscillate(wave, phase: phase, harmonics: harmonicCount(frequency))
    }

    static func harmonicCount(_ frequency: Double) -> Int { max(1, min(24, Int(8000 / frequency))) }

    static func oscillate(_ wave: Wave, phase: Double, harmonics: Int) -> Double {
        switch wave {
        case .sine: return sin(2 * .pi * phase)
        case .triangle: return 2 * abs(2 * (phase - (phase + 0.5).rounded(.down))) - 1
        case .saw, .square:
            var sum = 0.0
            for h in 1...harmonics where wave == .saw || h % 2 == 1 {
                sum += sin(2 * .pi * phase * Double(h)) / Double(h)
            }
            return sum * (wave == .saw ? 0.55 : 0.8)
        }
    }

    /// One cycle of a wave (with its harmonics and drive) sampled at `tableSize` points, so a
    /// note costs a table read per sample instead of up to 24 sines: rendering hundreds of
    /// demo tracks stays a matter of seconds.
    struct WaveKey: Hashable {
        var wave: Wave
        var harmonics: Int
        var drive: Double
    }

    static let tableSize = 2048
    /// Shared by every track and thread: the demo catalog needs a few dozen tables in all.
    private static let tables = Mutex<[WaveKey: [Float]]>([:])

    func table(_ key: WaveKey) -> [Float] {
        if let table = Self.tables.withLock({ $0[key] }) { return table }
        let table = (0...Self.tableSize).map { i -> Float in
            var x = Self.oscillate(key.wave, phase: Double(i % Self.tableSize) / Double(Self.tableSize), harmonics: key.harmonics)
            if key.drive > 0 { x = tanh(key.drive * x) / tanh(key.drive) }
            return Float(x)
        }
        Self.tables.withLock { $0[key] = table }
        return table
    }

    /// The bass drum at amplitude 1, computed once: every kick of every track is this sound.
    private static let kickSamples: [Float] = {
        let rate = 22_050.0
        var phase = 0.0
        return (0..<Int(0.35 * rate)).map { i in
            let t = Double(i) / rate
            phase += (50 + 100 * exp(-t * 30)) / rate
            return Float(exp(-t * 9) * sin(2 * .pi * phase))
        }
    }()

    /// A note with attack/release envelope, optional exponential decay and soft-clipping drive.
    mutating func note(
        at start: Double, length: Double, frequency: Double, amplitude: Double, wave: Wave,
        attack: Double = 0.005, decay: Double = 0, drive: Double = 0
    ) {
        let first = Int(start * sampleRate), count = Int(length * sampleRate)
        let lower = max(0, -first), upper = min(count, buffer.count - first)
        guard lower < upper else { return }
        let table = self.table(WaveKey(wave: wave, harmonics: wave == .saw || wave == .square ? Self.harmonicCount(frequency) : 0, drive: drive))
        let size = Double(Self.tableSize)
        let step = frequency / sampleRate
        // The decay envelope exp(-t / decay), advanced by one multiplication per sample.
        let decayStep = decay > 0 ? exp(-1 / (decay * sampleRate)) : 1
        var decayEnvelope = decay > 0 ? exp(-Double(lower) / (decay * sampleRate)) : 1
        var phase = (Double(lower) * step).truncatingRemainder(dividingBy: 1)
        table.withUnsafeBufferPointer { table in
            buffer.withUnsafeMutableBufferPointer { out in
                for i in lower..<upper {
                    let t = Double(i) / sampleRate
                    let env = min(1, t / attack) * min(1, (length - t) / 0.01) * decayEnvelope
                    let position = phase * size
                    let j = Int(position), fraction = Float(position - Double(j))
                    let x = table[j] + (table[j + 1] - table[j]) * fraction
                    out[first + i] += Float(amplitude * env) * x
                    phase += step
                    if phase >= 1 { phase -= 1 }
                    decayEnvelope *= decayStep
                }
            }
        }
    }

    /// Bass drum: a sine falling from ~150 Hz to 50 Hz.
    mutating func kick(at start: Double, amplitude: Double = 0.8) {
        let first = Int(start * sampleRate)
        if sampleRate == 22_050 {
            for (i, x) in Self.kickSamples.enumerated() where first + i < buffer.count && first + i >= 0 {
                buffer[first + i] += Float(amplitude) * x
            }
            return
        }
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
        // exp(-t·20) and exp(-t·30), advanced by one multiplication per sample.
        let noiseStep = exp(-20 / sampleRate), bodyStep = exp(-30 / sampleRate)
        var noiseEnvelope = 1.0, bodyEnvelope = 1.0
        for i in 0..<Int(0.2 * sampleRate) where first + i < buffer.count {
            let t = Double(i) / sampleRate
            let body = sin(2 * .pi * 190 * t) * bodyEnvelope
            buffer[first + i] += Float(amplitude * (0.7 * noise() * noiseEnvelope + 0.5 * body))
            noiseEnvelope *= noiseStep
            bodyEnvelope *= bodyStep
        }
    }

    /// Hi-hat or brush: high-passed noise (first difference), short or long.
    mutating func hat(at start: Double, amplitude: Double = 0.2, length: Double = 0.05) {
        let first = Int(start * sampleRate)
        var previous = 0.0
        let step = exp(-1 / (sampleRate * length / 4))
        var envelope = 1.0
        for i in 0..<Int(length * sampleRate) where first + i < buffer.count {
            let n = noise()
            buffer[first + i] += Float(amplitude * (n - previous) * 0.5 * envelope)
            previous = n
            envelope *= step
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

    /// Constant low noise over the whole track: tape hiss, vinyl.
    mutating func hiss(amplitude: Double) {
        for i in buffer.indices { buffer[i] += Float(amplitude * noise()) }
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
