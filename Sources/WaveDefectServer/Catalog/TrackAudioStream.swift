import ByteStorage
import EventLoop
import Foundation
import HTTPCore
import MusicCatalog

/// `GET /api/tracks/{id}/audio`: the track's file sent as it is, with single `Range` requests
/// (`206`, `416`), so an `<audio>` element can seek (docs/protocol.md#track-audio).
///
/// Nothing touches the disk on the loop: opening, `fstat` and every read run on the thread
/// pool, a chunk at a time; the next chunk is read only once the socket has taken most of the
/// previous ones (at most `highWater` bytes wait in the connection's queue), so a large file
/// never sits in memory and a slow listener holds one chunk, not the file. Requests pipelined
/// behind it wait (`ClientConnection.beginResponse`); a listener that stops reading is closed
/// after `idle_timeout`.
final class TrackAudioStream {
    static let chunkBytes = 256 << 10
    static let highWater = 512 << 10
    /// How often a stream held back by a full socket queue looks again.
    static let drainPollMilliseconds: UInt64 = 5

    static let contentTypes: [String: String] = [
        "wav": "audio/wav", "wave": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "oga": "audio/ogg",
        "opus": "audio/ogg", "flac": "audio/flac", "m4a": "audio/mp4", "mp4": "audio/mp4", "aac": "audio/aac",
        "webm": "audio/webm", "aif": "audio/aiff", "aiff": "audio/aiff",
    ]

    static func contentType(path: String) -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        return contentTypes[ext] ?? "application/octet-stream"
    }

    private let connection: ClientConnection
    private let request: HTTPRequest
    private let fd: Int32
    private var offset: Int
    private var remaining: Int
    private var keepAlive = false
    private var timer: LoopTimer?
    private var finished = false

    private init(connection: ClientConnection, request: HTTPRequest, fd: Int32, offset: Int, length: Int) {
        self.connection = connection
        self.request = request
        self.fd = fd
        self.offset = offset
        remaining = length
    }

    static func start(id: Int64, request: HTTPRequest, on connection: ClientConnection) {
        let server = connection.server
        guard let music = server.music else { return connection.respond(CatalogAPIError.noCatalog.response, to: request) }
        let track: Track
        do {
            guard let found = try music.catalog.track(id: id) else {
                return connection.respond(CatalogAPIError.notFound("no track with id \(id)").response, to: request)
            }
            track = found
        } catch {
            return connection.respond(CatalogAPIError.catalogFailed(error).response, to: request)
        }
        let path = track.source
        guard path.hasPrefix("/") else {
            return connection.respond(CatalogAPIError.notFound("track \(id) has no audio file on this server").response, to: request)
        }
        let rangeHeader = request.headers.first("Range")
        connection.beginResponse()
        server.loop.submit(work: { () -> Opened in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return .missing(errno) }
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                close(fd)
                return .missing(EISDIR)
            }
            return .file(fd: fd, size: Int(info.st_size))
        }, then: { [weak connection] opened in
            guard let connection, !connection.tcp.isClosing else {
                if case .file(let fd, _) = opened { close(fd) }
                return
            }
            switch opened {
            case .missing(let code):
                connection.respond(CatalogAPIError.notFound("the audio file of track \(id) is gone (\(String(cString: strerror(code))))").response, to: request)
                connection.finishResponse()
            case .file(let fd, let size):
                let range = ByteRange(header: rangeHeader, size: size)
                if range == .unsatisfiable {
                    close(fd)
                    var response = CatalogAPIError.rangeNotSatisfiable(size: size).response
                    response.headers.add("Content-Range", "bytes */\(size)")
                    response.headers.add("Accept-Ranges", "bytes")
                    connection.respond(response, to: request)
                    return connection.finishResponse()
                }
                let first: Int
                if case .partial(let start, _) = range { first = start } else { first = 0 }
                let stream = TrackAudioStream(connection: connection, request: request, fd: fd, offset: first, length: range.length(size: size))
                stream.sendHead(range: range, size: size, type: contentType(path: path))
            }
        })
    }

    enum Opened: Sendable {
        case file(fd: Int32, size: Int)
        case missing(Int32)
    }

    private func sendHead(range: ByteRange, size: Int, type: String) {
        var headers = HTTPHeaders([("Content-Type", type), ("Accept-Ranges", "bytes"), ("Content-Length", "\(remaining)")])
        headers.add("Cache-Control", "no-cache")
        headers.add("X-Content-Type-Options", "nosniff")
        if case .partial(let first, let last) = range { headers.add("Content-Range", "bytes \(first)-\(last)/\(size)") }
        let head = HTTPResponse(status: range == .full ? .ok : .partialContent, headers: headers)
        keepAlive = request.keepAlive && !connection.server.isShuttingDown
        connection.tcp.write(head.serialized(version: request.version, keepAlive: keepAlive, includeBody: false))
        if request.method == "HEAD" { remaining = 0 }
        readNext()
    }

    /// Reads the next chunk on the pool; writes it on the loop; goes on once the socket drains.
    private func readNext() {
        guard !connection.tcp.isClosing else { return finish() }
        guard remaining > 0 else { return finish() }
        let count = min(Self.chunkBytes, remaining)
        let fd = fd, offset = offset
        connection.server.loop.submit(work: { () -> SharedBytes? in
            var ok = true
            let bytes = SharedBytes(count: count) { base in
                var done = 0
                while done < count {
                    let n = pread(fd, base + done, count - done, off_t(offset + done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { ok = false; return }  // error, or the file shrank
                    done += n
                }
            }
            return ok ? bytes : nil
        }, then: { [self] bytes in
            guard let bytes, !connection.tcp.isClosing else {
                // A file cut short under us: the promised length cannot be kept.
                connection.tcp.close()
                return finish()
            }
            connection.tcp.write(bytes)
            connection.responseProgressed()
            self.offset += count
            remaining -= count
            waitForDrainThenRead()
        })
    }

    private func waitForDrainThenRead() {
        guard connection.tcp.bufferedBytes > Self.highWater, !connection.tcp.isClosing else { return readNext() }
        if timer == nil {
            // Holds the stream (a cycle `finish()` breaks) while it waits.
            timer = LoopTimer(loop: connection.server.loop) { [self] in
                if self.connection.tcp.isClosing || self.connection.tcp.bufferedBytes <= Self.highWater {
                    self.timer?.stop()
                    self.readNext()
                }
            }
        }
        timer?.start(afterMilliseconds: Self.drainPollMilliseconds, repeatMilliseconds: Self.drainPollMilliseconds)
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        timer?.stop()
        timer = nil
        close(fd)
        if !connection.tcp.isClosing && !keepAlive { connection.tcp.closeAfterFlush() }
        connection.finishResponse()
    }
}
