import CCurl

/// One easy handle and what it collects. It is owned by its `CurlMulti` while in flight; the
/// write and header callbacks reach it through an unretained pointer, valid because the multi
/// removes the handle before letting go of the transfer.
final class CurlTransfer {
    let easy: UnsafeMutableRawPointer
    /// `HostQueue.key(for:)` of the URL: the per-host limits count it there.
    let host: String
    private var completion: ((Result<HTTPClientResponse, HTTPClientError>) -> Void)?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxBodyBytes: Int
    private var status = 0
    private var headers: [(name: String, value: String)] = []
    private var body: [UInt8] = []
    private var bodyTooLarge = false

    init?(
        request: HTTPClientRequest, configuration: CurlMulti.Configuration,
        completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) {
        guard let easy = curl_easy_init() else { return nil }
        self.easy = easy
        host = HostQueue<CurlTransfer>.key(for: request.url)
        self.completion = completion
        maxBodyBytes = max(0, request.maxResponseBodyBytes ?? configuration.maxResponseBodyBytes)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    var isPending: Bool { completion != nil }

    /// Sets every option; returns the first refusal.
    func configure(_ request: HTTPClientRequest, _ configuration: CurlMulti.Configuration) -> HTTPClientError? {
        var rc = CURLE_OK
        func set(_ result: CURLcode) { if rc == CURLE_OK { rc = result } }
        let me = Unmanaged.passUnretained(self).toOpaque()
        set(wd_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        set(wd_curl_easy_setopt_string(easy, CURLOPT_URL, request.url))
        set(wd_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(wd_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(wd_curl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        set(wd_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0))
        set(wd_curl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5))
        set(wd_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)))
        set(wd_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout ?? request.timeout)))
        set(wd_curl_easy_setopt_off_t(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBodyBytes)))
        set(wd_curl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
        set(wd_curl_easy_setopt_string(easy, CURLOPT_USERAGENT, configuration.userAgent))
        set(wd_curl_easy_setopt_write_function(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().received(data, size * count)
        })
        set(wd_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me))
        set(wd_curl_easy_setopt_write_function(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().receivedHeader(data, size * count)
        })
        set(wd_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me))
        set(configureMethod(request))
        // No `Expect: 100-continue` round trip before a large body.
        var lines = request.header("Expect") == nil ? ["Expect:"] : []
        for (name, value) in request.headers {
            guard Self.isValidHeader(name, value) else {
                return HTTPClientError.invalidRequest.with(message: "invalid header field")
            }
            lines.append(value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else { return HTTPClientError.invalidRequest.with(message: "out of memory") }
            headerList = list
        }
        set(wd_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
        guard rc == CURLE_OK else { return Self.error(rc, detail: "") }
        return nil
    }

    private func configureMethod(_ request: HTTPClientRequest) -> CURLcode {
        let method = request.method.uppercased()
        if method == "HEAD" && request.body == nil { return wd_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1) }
        if method == "GET" && request.body == nil { return wd_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1) }
        var rc = CURLE_OK
        let sendsBody = request.body != nil || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            if let body = request.body, !body.isEmpty {
                rc = wd_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                if rc == CURLE_OK {
                    // Copied by curl, so the array need not outlive this call.
                    rc = body.withUnsafeBytes { wd_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress!)) }
                }
            } else {
                rc = wd_curl_easy_set_empty_body(easy)
            }
        }
        if rc == CURLE_OK && method != (sendsBody ? "POST" : "GET") {
            rc = wd_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method)
        }
        return rc
    }

    // MARK: Callbacks (inside curl_multi_socket_action)

    private func received(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return 0 }
        guard body.count + count <= maxBodyBytes else {
            bodyTooLarge = true
            return 0  // aborts the transfer with CURLE_WRITE_ERROR
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    private func receivedHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response starts (after a 1xx or a followed redirect).
            headers.removeAll()
            let parts = line.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingWhitespace
            let value = line[line.index(after: colon)...].trimmingWhitespace
            if !name.isEmpty { headers.append((String(name), String(value))) }
        }
        return count
    }

    // MARK: Completion

    /// The outcome once curl reports the transfer done (call before the handle is cleaned up).
    func outcome(_ code: CURLcode) -> Result<HTTPClientResponse, HTTPClientError> {
        if bodyTooLarge || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(HTTPClientError.responseTooLarge.with(curlCode: Int32(code.rawValue), message: "response body larger than \(maxBodyBytes) bytes"))
        }
        guard code == CURLE_OK else {
            return .failure(Self.error(code, detail: String(cString: errorBuffer)))
        }
        var responseCode = 0
        _ = wd_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode)
        return .success(HTTPClientResponse(status: responseCode != 0 ? responseCode : status, headers: headers, body: body))
    }

    /// Runs the completion once; later calls do nothing.
    func complete(_ result: Result<HTTPClientResponse, HTTPClientError>) {
        guard let completion else { return }
        self.completion = nil
        body = []
        completion(result)
    }

    static func error(_ code: CURLcode, detail: String) -> HTTPClientError {
        let kind: HTTPClientError
        switch code {
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_NOT_BUILT_IN:
            kind = .invalidRequest
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .couldNotResolve
        case CURLE_COULDNT_CONNECT: kind = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: kind = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            kind = .tls
        case CURLE_FILESIZE_EXCEEDED: kind = .responseTooLarge
        case CURLE_ABORTED_BY_CALLBACK: kind = .cancelled
        default: kind = .transport
        }
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return kind.with(curlCode: Int32(code.rawValue), message: message)
    }

    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return max(1, Int(min(seconds, 86_400) * 1000))
    }

    /// Refuses CR, LF and NUL (header injection) and names that are not tokens.
    static func isValidHeader(_ name: String, _ value: String) -> Bool {
        guard !name.isEmpty else { return false }
        for b in name.utf8 where b <= 0x20 || b >= 0x7F || b == UInt8(ascii: ":") { return false }
        for b in value.utf8 where b == 0x0D || b == 0x0A || b == 0 { return false }
        return true
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        var s = self
        // "\r\n" is one Character, which `isWhitespace` covers.
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}
