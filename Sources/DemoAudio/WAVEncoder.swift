/// Writes RIFF/WAVE files: 16-bit PCM for the demo catalog (what any player and FFmpeg read),
/// 32-bit float for tests that need samples to survive a round trip bit for bit.
public enum WAVEncoder {
    public enum SampleFormat: Sendable {
        case pcm16
        case float32
    }

    /// Tags of a RIFF `LIST/INFO` chunk, which FFmpeg (and so `ingest`) reads as the file's
    /// title, artist, album and genre.
    public struct Tags: Sendable, Equatable {
        public var title: String?
        public var artist: String?
        public var album: String?
        public var genre: String?

        public init(title: String? = nil, artist: String? = nil, album: String? = nil, genre: String? = nil) {
            self.title = title
            self.artist = artist
            self.album = album
            self.genre = genre
        }

        /// The `LIST` chunk, empty when there is no tag: each entry NUL-terminated and padded
        /// to an even length, as RIFF requires.
        var listChunk: [UInt8] {
            var info: [UInt8] = Array("INFO".utf8)
            for (id, value) in [("INAM", title), ("IART", artist), ("IPRD", album), ("IGNR", genre)] {
                guard let value, !value.isEmpty else { continue }
                var text = Array(value.utf8) + [0]
                let size = text.count
                if text.count % 2 == 1 { text.append(0) }
                info += Array(id.utf8) + WAVEncoder.littleEndian32(size) + text
            }
            guard info.count > 4 else { return [] }
            return Array("LIST".utf8) + WAVEncoder.littleEndian32(info.count) + info
        }
    }

    static func littleEndian32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian) { Array($0) } }

    /// `channels` holds one array per channel, all of the same length.
    public static func encode(channels: [[Float]], sampleRate: Int, format: SampleFormat = .pcm16, tags: Tags = Tags()) -> [UInt8] {
        precondition(!channels.isEmpty && channels.allSatisfy { $0.count == channels[0].count })
        let frames = channels[0].count
        let bytesPerSample = format == .pcm16 ? 2 : 4
        let dataSize = frames * channels.count * bytesPerSample
        let list = tags.listChunk
        var out: [UInt8] = []
        out.reserveCapacity(44 + list.count + dataSize)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { out.append(contentsOf: $0) } }
        out.append(contentsOf: Array("RIFF".utf8))
        u32(36 + list.count + dataSize)
        out.append(contentsOf: Array("WAVEfmt ".utf8))
        u32(16)
        u16(format == .pcm16 ? 1 : 3)
        u16(channels.count)
        u32(sampleRate)
        u32(sampleRate * channels.count * bytesPerSample)
        u16(channels.count * bytesPerSample)
        u16(bytesPerSample * 8)
        // Tags before the samples, where a reader that does not seek finds them.
        out.append(contentsOf: list)
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
