import CFFmpeg
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the decoder's bytes come from: a buffer in memory, an open file descriptor, or a
/// live stream that grows while it is decoded (`StreamPipe`: audio streamed into a room).
///
/// All go through a custom `AVIOContext` so that the same byte limit applies to regular files,
/// pipes and uploads alike: FFmpeg never reads past `limit`, however long the source claims to be.
final class ByteSource {
    private enum Storage {
        case memory([UInt8])
        case file(Int32)
        case stream(StreamPipe)
    }

    private let storage: Storage
    /// Offset of the next byte to read.
    private var position: Int64 = 0
    /// Bytes past this offset are never delivered; reads there report end of file.
    let limit: Int64
    /// Set when a read stopped at `limit` with more data still available.
    private(set) var hitLimit = false
    private let knownSize: Int64?

    init(bytes: [UInt8], limit: Int) {
        storage = .memory(bytes)
        self.limit = Int64(limit)
        knownSize = Int64(bytes.count)
    }

    /// Takes ownership of `fd` and closes it in `deinit`.
    init(fileDescriptor fd: Int32, size: Int64?, limit: Int) {
        storage = .file(fd)
        self.limit = Int64(limit)
        knownSize = size
    }

    /// A live stream: reads wait for the producer; never seekable, length unknown.
    init(stream: StreamPipe, limit: Int) {
        storage = .stream(stream)
        self.limit = Int64(limit)
        knownSize = nil
    }

    deinit {
        if case .file(let fd) = storage { close(fd) }
    }

    var isSeekable: Bool {
        switch storage {
        case .memory: return true
        case .file(let fd): return lseek(fd, 0, SEEK_CUR) >= 0
        case .stream: return false
        }
    }

    /// Fills `buffer` with up to `count` bytes; returns the count, or an `AVERROR`.
    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int32) -> Int32 {
        let room = limit - position
        if room <= 0 {
            if let knownSize, position >= knownSize { return wd_averror_eof() }
            hitLimit = true
            return wd_averror_eof()
        }
        let wanted = Int(min(Int64(count), room))
        switch storage {
        case .memory(let bytes):
            let available = bytes.count - Int(position)
            guard available > 0 else { return wd_averror_eof() }
            let n = min(wanted, available)
            bytes.withUnsafeBufferPointer { src in
                buffer.update(from: src.baseAddress! + Int(position), count: n)
            }
            position += Int64(n)
            return Int32(n)
        case .stream(let pipe):
            let n = pipe.read(into: buffer, count: wanted)
            guard n > 0 else { return wd_averror_eof() }
            position += Int64(n)
            return Int32(n)
        case .file(let fd):
            while true {
                let n = Glibc.read(fd, buffer, wanted)
                if n > 0 {
                    position += Int64(n)
                    return Int32(n)
                }
                if n == 0 { return wd_averror_eof() }
                if errno == EINTR { continue }
                return wd_averror(errno)
            }
        }
    }

    /// `avio` seek semantics: `whence` may carry `AVSEEK_SIZE` to ask for the total size.
    func seek(offset: Int64, whence: Int32) -> Int64 {
        let avseekSize: Int32 = 0x10000, avseekForce: Int32 = 0x20000
        if whence & avseekSize != 0 {
            guard let knownSize else { return -1 }
            return min(knownSize, limit)
        }
        let base: Int64
        switch whence & ~avseekForce {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = position
        case SEEK_END:
            guard let knownSize else { return -1 }
            base = knownSize
        default: return -1
        }
        let target = base + offset
        guard target >= 0 else { return -1 }
        if case .stream = storage { return -1 }
        if case .file(let fd) = storage {
            guard lseek(fd, off_t(target), SEEK_SET) >= 0 else { return -1 }
        }
        position = target
        return target
    }
}
