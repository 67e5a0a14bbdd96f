/// An incremental HTTP/1.1 request parser: feed it whatever arrived, it returns a request
/// once one is complete and says how many bytes it used, so that pipelined requests and the
/// first WebSocket frames after an upgrade stay with the caller.
///
/// Limits are checked as soon as they can be: the request line and head sizes while bytes
/// accumulate, the body size as soon as `Content-Length` (or a chunk size) is known.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPLimits

    private enum State: Sendable {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    private var state: State = .head
    private var buffer: [UInt8] = []
    private var scanned = 0
    private var requestLineSeen = false
    private var request: HTTPRequest?

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    /// True while a request has started arriving but is not complete; the server's header
    /// timeout applies only then, so idle keep-alive connections are judged by another limit.
    public var hasPartialRequest: Bool {
        if case .head = state { return !buffer.isEmpty }
        return true
    }

    /// The path of the request whose body is arriving (its head is parsed), so an error
    /// about the body can be answered in the form that route uses.
    public var pathOfPartialRequest: Substring? { request?.path }

    public struct Result: Sendable {
        /// Bytes of the input that belong to this request.
        public var consumed: Int
        public var request: HTTPRequest?
        /// The head asked `Expect: 100-continue` and its body is still to come.
        public var expectsContinue: Bool
    }

    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> Result {
        var used = 0
        var expectsContinue = false
        while used < input.count {
            let rest = UnsafeRawBufferPointer(rebasing: input[used...])
            switch state {
            case .head:
                let (n, done) = try consumeHead(rest)
                used += n
                guard done else { return Result(consumed: used, request: nil, expectsContinue: false) }
                try startBody()
                if case .head = state { return finish(used) }
                expectsContinue = request?.headers.containsToken("100-continue", in: "Expect") ?? false
            case .body(let remaining):
                let n = min(remaining, rest.count)
                request!.body.append(contentsOf: rest[0..<n])
                used += n
                if n == remaining { return finish(used) }
                state = .body(remaining: remaining - n)
            case .chunkSize, .chunkDataEnd, .trailers:
                guard let (n, line) = try takeLine(rest, limit: 4096) else {
                    return Result(consumed: used + rest.count, request: nil, expectsContinue: expectsContinue)
                }
                used += n
                if try handleChunkLine(line) { return finish(used) }
            case .chunkData(let remaining):
                let n = min(remaining, rest.count)
                request!.body.append(contentsOf: rest[0..<n])
                used += n
                state = n == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - n)
            }
        }
        return Result(consumed: used, request: nil, expectsContinue: expectsContinue)
    }

    private mutating func finish(_ used: Int) -> Result {
        let done = request
        request = nil
        state = .head
        return Result(consumed: used, request: done, expectsContinue: false)
    }

    // MARK: Head

    /// Accumulates head bytes until the empty line; returns bytes used and whether the head
    /// is complete (and parsed into `request`).
    private mutating func consumeHead(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (Int, Bool) {
        var i = 0
        // One allocation for a typical head instead of a chain of doublings.
        if buffer.isEmpty { buffer.reserveCapacity(min(1024, limits.maxHeadBytes)) }
        while i < input.count {
            let c = input[i]
            buffer.append(c)
            i += 1
            guard c == UInt8(ascii: "\n") else { continue }
            let lineStart = scanned
            scanned = buffer.count
            var lineEnd = buffer.count - 1
            if lineEnd > lineStart && buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if lineEnd == lineStart {
                if !requestLineSeen {
                    // Empty lines before the request line are ignored (RFC 9112 §2.2).
                    buffer.removeAll(keepingCapacity: true)
                    scanned = 0
                    continue
                }
                try parseHead()
                return (i, true)
            }
            if !requestLineSeen {
                requestLineSeen = true
                if lineEnd - lineStart > limits.maxRequestLineBytes { throw .uriTooLong(limits.maxRequestLineBytes) }
            }
        }
        if !requestLineSeen && buffer.count > limits.maxRequestLineBytes { throw .uriTooLong(limits.maxRequestLineBytes) }
        if buffer.count > limits.maxHeadBytes {
            throw .headersTooLarge("request head larger than \(limits.maxHeadBytes) bytes")
        }
        return (i, false)
    }

    private mutating func parseHead() throws(HTTPParseError) {
        if buffer.count > limits.maxHeadBytes {
            throw .headersTooLarge("request head larger than \(limits.maxHeadBytes) bytes")
        }
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        for i in 0..<buffer.count where buffer[i] == UInt8(ascii: "\n") {
            var end = i
            if end > lineStart && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lines.append(buffer[lineStart..<end])
            lineStart = i + 1
        }
        lines.removeLast()  // the terminating empty line
        guard let requestLine = lines.first else { throw .malformed("empty request") }
        if requestLine.count > limits.maxRequestLineBytes { throw .uriTooLong(limits.maxRequestLineBytes) }
        var parsed = try Self.parseRequestLine(requestLine)
        if lines.count - 1 > limits.maxHeaderCount {
            throw .headersTooLarge("more than \(limits.maxHeaderCount) header fields")
        }
        for line in lines.dropFirst() {
            let (name, value) = try Self.parseHeaderLine(line)
            parsed.headers.add(name, value)
        }
        let hosts = parsed.headers.all("Host")
        if parsed.version == .http11 && hosts.isEmpty {
            throw .malformed("HTTP/1.1 request without Host header")
        }
        // RFC 9112 §3.2: more than one Host field is answered with 400.
        if hosts.count > 1 { throw .malformed("more than one Host header") }
        parsed.target = Self.originForm(parsed.target)
        request = parsed
        // The head buffer is reused for chunk-size lines.
        buffer.removeAll(keepingCapacity: false)
        scanned = 0
        requestLineSeen = false
    }

    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPRequest {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformed("malformed request line")
        }
        guard parts[0].allSatisfy(isTokenChar) else { throw .malformed("malformed method") }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformed("malformed request target") }
        let versionText = String(decoding: parts[2], as: UTF8.self)
        let version: HTTPVersion
        switch versionText {
        case "HTTP/1.1": version = .http11
        case "HTTP/1.0": version = .http10
        default:
            if versionText.hasPrefix("HTTP/") { throw .unsupportedVersion(versionText) }
            throw .malformed("malformed HTTP version")
        }
        return HTTPRequest(
            method: String(decoding: parts[0], as: UTF8.self),
            target: String(decoding: parts[1], as: UTF8.self),
            version: version
        )
    }

    /// An absolute-form target (`http://host/path?q`, RFC 9112 §3.2.2), which a server must
    /// accept, as the origin form the routes read (`/path?q`); the authority is not used to
    /// route, since this server answers for one host.
    static func originForm(_ target: String) -> String {
        let lower = target.prefix(8).lowercased()
        let schemeLength = lower.hasPrefix("http://") ? 7 : lower.hasPrefix("https://") ? 8 : 0
        guard schemeLength > 0 else { return target }
        let afterScheme = target.dropFirst(schemeLength)
        guard let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) else { return "/" }
        let rest = afterScheme[pathStart...]
        return rest.hasPrefix("/") ? String(rest) : "/" + rest
    }

    static func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            throw .malformed("obsolete header line folding")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else {
            throw .malformed("malformed header line")
        }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenChar) else { throw .malformed("malformed header name") }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 0x20 || f == 0x09 { value.removeFirst() }
        while let l = value.last, l == 0x20 || l == 0x09 { value.removeLast() }
        guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
            throw .malformed("control character in header value")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 token characters.
    static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(c)
        }
    }

    // MARK: Body

    private mutating func startBody() throws(HTTPParseError) {
        let headers = request!.headers
        let transferEncodings = headers.all("Transfer-Encoding")
        let lengths = headers.all("Content-Length")
        if !transferEncodings.isEmpty {
            // Both headers at once is how requests are smuggled past proxies: refuse.
            guard lengths.isEmpty else { throw .malformed("both Transfer-Encoding and Content-Length") }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces.lowercased() }
            guard codings == ["chunked"] else { throw .unsupportedTransferEncoding(transferEncodings.joined(separator: ", ")) }
            state = .chunkSize
            return
        }
        guard !lengths.isEmpty else { return }
        let values = Set(lengths.flatMap { $0.split(separator: ",") }.map { String($0.trimmingSpaces) })
        guard values.count == 1, let text = values.first, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformed("invalid Content-Length")
        }
        guard text.count <= 18, let length = Int(text) else { throw .bodyTooLarge(limits.maxBodyBytes) }
        if length > limits.maxBodyBytes { throw .bodyTooLarge(limits.maxBodyBytes) }
        if length > 0 {
            request!.body.reserveCapacity(length)
            state = .body(remaining: length)
        }
    }

    /// Takes one line (without its line ending) for the chunked decoder, buffering a partial line.
    private mutating func takeLine(_ input: UnsafeRawBufferPointer, limit: Int) throws(HTTPParseError) -> (Int, [UInt8])? {
        guard let nl = input.firstIndex(of: UInt8(ascii: "\n")) else {
            buffer.append(contentsOf: input)
            if buffer.count > limit { throw .malformed("chunk line too long") }
            return nil
        }
        var line = buffer
        line.append(contentsOf: input[0..<nl])
        buffer.removeAll(keepingCapacity: false)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if line.count > limit { throw .malformed("chunk line too long") }
        return (nl + 1, line)
    }

    /// Returns true when the chunked body (and its trailers) is complete.
    private mutating func handleChunkLine(_ line: [UInt8]) throws(HTTPParseError) -> Bool {
        switch state {
        case .chunkSize:
            let sizeText = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
            guard !sizeText.isEmpty, sizeText.count <= 15 else { throw .malformed("invalid chunk size") }
            var size = 0
            for c in sizeText {
                guard let d = PercentDecoding.hexValue(c) else { throw .malformed("invalid chunk size") }
                size = size << 4 | Int(d)
            }
            if request!.body.count + size > limits.maxBodyBytes { throw .bodyTooLarge(limits.maxBodyBytes) }
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return false
        case .chunkDataEnd:
            guard line.isEmpty else { throw .malformed("missing CRLF after chunk data") }
            state = .chunkSize
            return false
        case .trailers:
            if line.isEmpty { return true }
            _ = try Self.parseHeaderLine(line[...])
            return false
        default:
            return false
        }
    }
}
