/// Writes RIFF/WAVE files: 16-bit PCM for the demo catalog (what any player and FFmpeg read),
/// 32-bit float for tests that need samples to survive a round trip bit for bit.
public enum WAVEncoder {
    public enum SampleFormat: Sendable {
        case pcm16
        case float32
    }

    /// `channels` holds one array per channel, all of the same length.
    public static func encode(channels: [[Float]], sampleRate: Int, format: SampleFormat = .pcm16) -> [UInt8] {
        precondition(!channels.isEmpty && channels.allSatisfy { $0.count == channels[0].count })
        let frames = channels[0].count
        let bytesPerSample = format == .pcm16 ? 2 : 4
        let dataSize = frames * channels.count * bytesPerSample
        var out: [UInt8] = []
        out.reserveCapacity(44 + dataSize)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8))
        u32(36 + dataSize)
        out.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16)
        u16(format == .pcm16 ? 1 : 3)
        u16(channels.count)
        u32(sampleRate)
        u32(sampleRate * channels.count * bytesPerSample)
        u16(channels.count * bytesPerSample)
        u16(bytesPerSample * 8)
        out.append(contentsOf: Array("data".utf8))
        u32(dataSize)
        for i in 0..<frames {
            for channel in channels {
                switch format {
                case .pcm16:
                    let clipped = max(-1, min(1, channel[i]))
                    u16(Int(UInt16(bitPattern: Int16((clipped * 32767).rounded()))))
                case .float32:
                    u32(Int(channel[i].bitPattern))
                }
            }
        }
        return out
    }
}
