extension DemoStyle {
    /// The styles added to make the demo catalog large enough to recommend from: each differs
    /// from the first six in tempo, drum pattern or timbre, so MFCC statistics keep them apart.
    func renderMore(into s: inout DemoSynth, variant: Int, duration: Double, root: Double, tempoScale: Double) {
        switch self {
        case .house:
            // 122 bpm four-on-the-floor, open hat on the off-beat, minor-seventh organ stabs.
            let beat = 60 / (122 * tempoScale)
            let stabs: [[Double]] = [[0, 3, 7, 10], [5, 8, 12, 15], [-2, 2, 5, 9], [3, 7, 10, 14]]
            var t = 0.0, b = 0
            while t < duration {
                s.kick(at: t, amplitude: 0.85)
                s.hat(at: t + beat / 2, amplitude: 0.3, length: 0.14)
                if b % 2 == 1 { s.snare(at: t, amplitude: 0.35) }
                if b % 4 == 1 || b % 4 == 3 {
                    for n in stabs[(b / 4 + variant) % 4] {
                        s.note(at: t + beat / 2, length: beat * 0.4, frequency: DemoSynth.midi(root + 12 + n), amplitude: 0.08, wave: .square, decay: 0.15)
                    }
                }
                s.note(at: t + beat / 2, length: beat * 0.45, frequency: DemoSynth.midi(root - 12 + stabs[(b / 4 + variant) % 4][0]), amplitude: 0.35, wave: .sine)
                t += beat
                b += 1
            }
        case .drumAndBass:
            // 172 bpm two-step break, a long sub bass and a high triangle pad.
            let beat = 60 / (172 * tempoScale)
            let bass: [Double] = [0, 0, 3, -2]
            var t = 0.0, bar = 0
            while t < duration {
                s.kick(at: t, amplitude: 0.8)
                s.kick(at: t + 2.5 * beat, amplitude: 0.7)
                s.snare(at: t + beat, amplitude: 0.6)
                s.snare(at: t + 3 * beat, amplitude: 0.6)
                for e in 0..<8 { s.hat(at: t + Double(e) * beat / 2, amplitude: 0.18, length: 0.04) }
                let b = bass[(bar + variant) % 4]
                s.note(at: t, length: 4 * beat, frequency: DemoSynth.midi(root - 12 + b), amplitude: 0.45, wave: .sine, attack: 0.02)
                s.note(at: t, length: 4 * beat, frequency: DemoSynth.midi(root + 24 + b + 7), amplitude: 0.05, wave: .triangle, attack: 0.3)
                t += 4 * beat
                bar += 1
            }
        case .dub:
            // 72 bpm one-drop: kick and rim on beat three, off-beat skank chords, deep bass, echo.
            let beat = 60 / (72 * tempoScale)
            let chords: [[Double]] = [[0, 3, 7], [5, 8, 12], [7, 10, 14], [3, 7, 10]]
            var t = 0.0, bar = 0
            while t < duration {
                let chord = chords[(bar + variant) % 4]
                s.kick(at: t + 2 * beat, amplitude: 0.8)
                s.hat(at: t + 2 * beat, amplitude: 0.4, length: 0.03)
                for b in 0..<4 {
                    for n in chord {
                        s.note(at: t + Double(b) * beat + beat / 2, length: beat * 0.2, frequency: DemoSynth.midi(root + 12 + n), amplitude: 0.07, wave: .saw, decay: 0.06)
                    }
                }
                for (i, step) in [0.0, 1.5, 2.5, 3.0].enumerated() {
                    s.note(at: t + step * beat, length: beat * 0.8, frequency: DemoSynth.midi(root - 12 + chord[i % 3]), amplitude: 0.45, wave: .sine, attack: 0.01)
                }
                t += 4 * beat
                bar += 1
            }
            s.echo(delay: 0.75 * beat, feedback: 0.4)
        case .synthwave:
            // 100 bpm gated snare, sixteenth-note saw arpeggio over a detuned saw pad.
            let beat = 60 / (100 * tempoScale)
            let chords: [[Double]] = [[0, 4, 7], [-3, 0, 4], [5, 9, 12], [7, 11, 14]]
            var t = 0.0, bar = 0
            while t < duration {
                let chord = chords[(bar + variant) % 4]
                for b in 0..<4 {
                    let at = t + Double(b) * beat
                    if b % 2 == 0 { s.kick(at: at, amplitude: 0.75) } else { s.snare(at: at, amplitude: 0.7) }
                }
                for step in 0..<16 {
                    let n = chord[step % 3] + (step % 6 < 3 ? 12 : 24)
                    s.note(at: t + Double(step) * beat / 4, length: beat / 4 * 0.8, frequency: DemoSynth.midi(root + n), amplitude: 0.06, wave: .saw, decay: 0.1)
                }
                for n in chord {
                    s.note(at: t, length: 4 * beat, frequency: DemoSynth.midi(root + n), amplitude: 0.05, wave: .saw, attack: 0.4)
                    s.note(at: t, length: 4 * beat, frequency: DemoSynth.midi(root + n) * 1.006, amplitude: 0.05, wave: .saw, attack: 0.4)
                }
                t += 4 * beat
                bar += 1
            }
        case .lofi:
            // 78 bpm swung beat, soft piano seventh chords, tape hiss.
            let beat = 60 / (78 * tempoScale)
            let chords: [[Double]] = [[0, 4, 7, 11], [2, 5, 9, 12], [-3, 0, 4, 7], [5, 9, 12, 16]]
            var t = 0.0, bar = 0
            while t < duration {
                let chord = chords[(bar + variant) % 4]
                s.kick(at: t, amplitude: 0.6)
                s.kick(at: t + 2.5 * beat, amplitude: 0.5)
                s.snare(at: t + beat, amplitude: 0.3)
                s.snare(at: t + 3 * beat, amplitude: 0.3)
                for e in 0..<8 { s.hat(at: t + Double(e) * beat / 2 + (e % 2 == 1 ? beat / 6 : 0), amplitude: 0.08, length: 0.06) }
                for n in chord {
                    for h in 1...3 {
                        s.note(at: t, length: 3.5 * beat, frequency: DemoSynth.midi(root + 12 + n) * Double(h), amplitude: 0.07 / Double(h), wave: .sine, attack: 0.01, decay: 1.0 / Double(h))
                    }
                }
                t += 4 * beat
                bar += 1
            }
            s.hiss(amplitude: 0.012)
        case .metal:
            // 180 bpm double kick in sixteenths, heavily driven low power chords.
            let beat = 60 / (180 * tempoScale)
            let riff: [Double] = [0, 0, 1, 0, 3, 0, 5, 3]
            var t = 0.0, step = 0
            while t < duration {
                if step % 2 == 0 { s.kick(at: t, amplitude: 0.6) }
                if step % 8 == 4 { s.snare(at: t, amplitude: 0.7) }
                let n = root - 12 + riff[(step + variant) % 8]
                for interval in [0.0, 7, 12] {
                    s.note(at: t, length: beat / 2 * 0.9, frequency: DemoSynth.midi(n + interval), amplitude: 0.13, wave: .saw, decay: 0.12, drive: 8)
                }
                t += beat / 2
                step += 1
            }
        default:
            break
        }
    }
}
