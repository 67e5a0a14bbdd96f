extension DemoStyle {
    /// Renders variant `variant` (which shifts key, tempo and patterns) of this style.
    func render(variant: Int, duration: Double, sampleRate: Int) -> [Float] {
        let seed = UInt64(DemoStyle.allCases.firstIndex(of: self)! * 1000 + variant + 1)
        var s = DemoSynth(duration: duration, sampleRate: sampleRate, seed: seed)
        // Key, tempo and pattern offset repeat every 12 variants (12 keys, 3 tempi, 4 patterns),
        // so each further dozen is a semitone higher and 5 % faster: without it variant 13
        // rendered variant 1 again (one recording twice in the demo catalog, which
        // near-duplicate collapse and recognition then rightly treated as one).
        let dozen = variant / 12
        let root = 45 + Double((variant * 5) % 12) + Double(dozen % 3)  // A2 and around the circle of fourths
        let tempoScale = (1 + 0.04 * Double(variant % 3 - 1)) * (1 + 0.05 * Double(dozen))
        switch self {
        case .house, .drumAndBass, .dub, .synthwave, .lofi, .metal:
            renderMore(into: &s, variant: variant, duration: duration, root: root, tempoScale: tempoScale)
        case .ambient:
            let chords: [[Double]] = [[0, 7, 16, 23], [5, 12, 19, 24], [-3, 4, 11, 19], [2, 9, 17, 21]]
            var t = 0.0, c = variant
            while t < duration {
                for n in chords[c % 4] {
                    s.note(at: t, length: 4.2, frequency: DemoSynth.midi(root + 12 + n), amplitude: 0.12, wave: .sine, attack: 1.2)
                    s.note(at: t, length: 4.2, frequency: DemoSynth.midi(root + 12 + n) * 1.003, amplitude: 0.06, wave: .triangle, attack: 1.5)
                }
                t += 4
                c += 1
            }
            s.echo(delay: 0.37, feedback: 0.45)
        case .techno:
            let beat = 60 / (128 * tempoScale)
            var t = 0.0, step = 0
            while t < duration {
                if step % 4 == 0 { s.kick(at: t, amplitude: 0.9) }
                if step % 4 == 2 { s.hat(at: t, amplitude: 0.35, length: 0.06) }
                if step % 8 == 4 { s.hat(at: t, amplitude: 0.25, length: 0.25) }
                let bassLine: [Double] = [0, 0, 12, 0, 10, 0, 7, 3]
                s.note(at: t, length: beat / 4 * 0.9, frequency: DemoSynth.midi(root + bassLine[(step + variant) % 8]), amplitude: 0.3, wave: .saw, decay: 0.08)
                t += beat / 4
                step += 1
            }
        case .rock:
            let beat = 60 / (120 * tempoScale)
            let progression: [Double] = [0, 0, 5, 7]
            var t = 0.0, bar = 0
            while t < duration {
                let chordRoot = root + 7 + progression[(bar + variant) % 4]
                for eighth in 0..<8 {
                    let at = t + Double(eighth) * beat / 2
                    for interval in [0.0, 7, 12] {
                        s.note(at: at, length: beat / 2 * 0.95, frequency: DemoSynth.midi(chordRoot + interval), amplitude: 0.12, wave: .saw, drive: 4)
                    }
                }
                for b in 0..<4 {
                    let at = t + Double(b) * beat
                    if b % 2 == 0 { s.kick(at: at, amplitude: 0.8) } else { s.snare(at: at, amplitude: 0.6) }
                    s.hat(at: at + beat / 2, amplitude: 0.2)
                }
                t += 4 * beat
                bar += 1
            }
        case .bossa:
            let beat = 60 / (140 * tempoScale)
            let chords: [[Double]] = [[0, 4, 7, 11, 14], [2, 5, 9, 12, 16], [-1, 2, 5, 9, 12], [0, 4, 7, 10, 14]]
            let pattern: [Double] = [0, 1.5, 3, 4.5, 6, 7.5 - 1, 7]
            var t = 0.0, bar = 0
            while t < duration {
                let chord = chords[(bar + variant) % 4]
                for p in pattern {
                    for (i, n) in chord.enumerated() {
                        s.pluck(at: t + p * beat / 2 + Double(i) * 0.012, frequency: DemoSynth.midi(root + 12 + n), amplitude: 0.09)
                    }
                }
                s.pluck(at: t, frequency: DemoSynth.midi(root - 12 + chord[0] + 12), amplitude: 0.25, length: 1.5)
                s.pluck(at: t + 3 * beat, frequency: DemoSynth.midi(root + chord[2]), amplitude: 0.2, length: 1.5)
                for e in 0..<8 { s.hat(at: t + Double(e) * beat / 2, amplitude: 0.06, length: 0.18) }
                t += 4 * beat
                bar += 1
            }
        case .chiptune:
            let beat = 60 / (150 * tempoScale)
            let arpeggios: [[Double]] = [[0, 4, 7, 12], [5, 9, 12, 17], [7, 11, 14, 19], [0, 3, 7, 12]]
            var t = 0.0, step = 0
            while t < duration {
                let arp = arpeggios[(step / 16 + variant) % 4]
                s.note(at: t, length: beat / 4 * 0.9, frequency: DemoSynth.midi(root + 24 + arp[step % 4]), amplitude: 0.16, wave: .square)
                if step % 4 == 0 {
                    s.note(at: t, length: beat * 0.9, frequency: DemoSynth.midi(root + arp[0]), amplitude: 0.3, wave: .triangle)
                }
                if step % 8 == 4 { s.hat(at: t, amplitude: 0.3, length: 0.08) }
                t += beat / 4
                step += 1
            }
        case .piano:
            let beat = 60 / (70 * tempoScale)
            let melody: [Double] = [12, 16, 19, 24, 23, 19, 17, 16, 14, 12, 11, 7]
            var t = 0.0, step = variant
            while t < duration {
                let f = DemoSynth.midi(root + 12 + melody[step % melody.count])
                // Piano-like: partials slightly sharp and decaying faster as they rise.
                for h in 1...6 {
                    let partial = f * Double(h) * (1 + 0.0004 * Double(h * h))
                    s.note(at: t, length: beat * 2, frequency: partial, amplitude: 0.22 / Double(h), wave: .sine, attack: 0.003, decay: 1.2 / Double(h))
                }
                if step % 2 == 0 {
                    s.note(at: t, length: beat * 2, frequency: DemoSynth.midi(root + melody[step % 3]), amplitude: 0.12, wave: .sine, decay: 1.5)
                }
                t += beat
                step += 1
            }
        }
        s.normalize()
        return s.buffer
    }
}
