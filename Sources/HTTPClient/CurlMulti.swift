import CCurl
import CLibUV
import EventLoop

/// The loop's asynchronous HTTP client: a libcurl multi handle driven by libuv through curl's
/// multi-socket interface, as in curl's `docs/examples/multi-uv.c`. curl says which sockets
/// to watch (`CURLMOPT_SOCKETFUNCTION`, one `uv_poll_t` each) and when to wake it
/// (`CURLMOPT_TIMERFUNCTION`, one `uv_timer_t`); readiness goes back with
/// `curl_multi_socket_action` and finished transfers come out of `curl_multi_info_read`.
/// Nothing here blocks the loop (names resolve on curl's resolver threads).
///
/// Everything runs on the loop's thread, completions included. A completion runs once: with
/// the response (whatever its status), or with an error. While the client is open it never
/// runs inside `perform`; it may start new requests, cancel others or close the client.
public final class CurlMulti {
    public struct Configuration: Sendable {
        /// Response bodies larger than this fail with `.responseTooLarge` (per request
        /// overridable).
        public var maxResponseBodyBytes = 4 << 20
        public var userAgent = "WaveDefect"
        /// Requests in flight at once to one host (scheme, host, port); requests beyond wait
        /// in that host's queue.
        public var maxRequestsPerHost = 8
        /// Requests waiting per host; beyond it a request fails at once with `.queueFull`.
        public var maxQueuedPerHost = 256
        /// Connections open at once in total (0: unlimited); curl holds transfers beyond it.
        public var maxConnections = 64

        public init() {}
    }

    public let loop: EventLoop
    public let configuration: Configuration
    let multi: UnsafeMutableRawPointer
    /// Transfers in flight, by easy handle.
    private var transfers: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    /// Per-host limits: transfers wait here before they reach curl.
    private var hostQueue: HostQueue<CurlTransfer>
    /// One watcher per socket curl asked us to watch.
    var watchers: [curl_socket_t: CurlSocketWatcher] = [:]
    var timer: LoopTimer?
    /// Requests refused before reaching curl; their completions run on the next loop turn
    /// (the transfer is nil when curl could not even allocate one).
    private var refused: [(transfer: CurlTransfer?, fail: () -> Void)] = []
    private var refusalTimer: LoopTimer?
    public private(set) var isClosed = false

    /// Requests completed with a response, with an error (cancellations included).
    public private(set) var responses = 0
    public private(set) var failures = 0
    /// Requests refused because their host's queue was full.
    public private(set) var refusedQueueFull = 0

    private static let globalInit: Bool = wd_curl_global_init() == CURLE_OK

    public init(loop: EventLoop, configuration: Configuration = Configuration()) throws(HTTPClientError) {
        guard Self.globalInit, let multi = curl_multi_init() else {
            throw HTTPClientError.invalidRequest.with(message: "libcurl could not be initialized")
        }
        self.loop = loop
        self.configuration = configuration
        self.multi = multi
        hostQueue = HostQueue(maxInFlight: configuration.maxRequestsPerHost, maxQueued: configuration.maxQueuedPerHost)
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = wd_curl_multi_setopt_socket_function(multi) { _, socket, what, context, _ in
            Unmanaged<CurlMulti>.fromOpaque(context!).takeUnretainedValue().watch(socket, what)
            return 0
        }
        _ = wd_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, me)
        _ = wd_curl_multi_setopt_timer_function(multi) { _, milliseconds, context in
            Unmanaged<CurlMulti>.fromOpaque(context!).takeUnretainedValue().schedule(milliseconds)
            return 0
        }
        _ = wd_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, me)
        // Connections per host follow from requests per host (each needs at most one).
        _ = wd_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxRequestsPerHost)
        _ = wd_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxConnections)
        timer = LoopTimer(loop: loop) { [unowned self] in
            self.socketAction(wd_curl_socket_timeout(), 0)
        }
    }

    deinit {
        // Nobody holds the client any more, so nobody is left to hear about cancellations.
        teardown()
    }

    /// Requests not completed yet: in flight, waiting in a host queue, or refused and about
    /// to be told.
    public var activeCount: Int { transfers.count + hostQueue.queuedCount + refused.count }

    /// Requests handed to curl (started, not completed).
    public var inFlightCount: Int { transfers.count }

    /// Requests waiting for their host's in-flight limit.
    public var queuedCount: Int { hostQueue.queuedCount }

    /// Starts `request`; `completion` runs on the loop thread when it is done.
    @discardableResult
    public func perform(
        _ request: HTTPClientRequest, completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) -> HTTPClientTask {
        guard !isClosed else {
            failures += 1
            completion(.failure(HTTPClientError.cancelled.with(message: "HTTP client closed")))
            return HTTPClientTask()
        }
        guard let transfer = CurlTransfer(request: request, configuration: configuration, completion: completion) else {
            failLater(nil) { completion(.failure(HTTPClientError.transport.with(message: "curl_easy_init failed"))) }
            return HTTPClientTask()
        }
        let task = HTTPClientTask(client: self, transfer: transfer)
        if let error = transfer.configure(request, configuration) {
            failLater(transfer) { transfer.complete(.failure(error)) }
            return task
        }
        switch hostQueue.admit(transfer, host: transfer.host) {
        case .start:
            start(transfer)
        case .queued:
            break
        case .refused:
            refusedQueueFull += 1
            let error = HTTPClientError.queueFull.with(message: "\(configuration.maxRequestsPerHost) requests in flight and \(configuration.maxQueuedPerHost) waiting for \(transfer.host)")
            failLater(transfer) { transfer.complete(.failure(error)) }
        }
        return task
    }

    /// Hands an admitted transfer to curl; when curl refuses it, it fails on the next turn
    /// and its host slot goes to the next waiting one.
    private func start(_ transfer: CurlTransfer) {
        var next: CurlTransfer? = transfer
        while let t = next {
            next = nil
            let rc = curl_multi_add_handle(multi, t.easy)
            if rc == CURLM_OK {
                transfers[t.easy] = t
            } else {
                let error = HTTPClientError.transport.with(message: String(cString: curl_multi_strerror(rc)))
                failLater(t) { t.complete(.failure(error)) }
                next = hostQueue.finished(host: t.host)
            }
        }
    }

    /// A started transfer is done (completed or cancelled): its host's next one starts.
    private func release(_ transfer: CurlTransfer) {
        if let next = hostQueue.finished(host: transfer.host) { start(next) }
    }

    /// Convenience: `perform` with the request's parts.
    @discardableResult
    public func perform(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        timeout: Double = 30, completion: @escaping (Result<HTTPClientResponse, HTTPClientError>) -> Void
    ) -> HTTPClientTask {
        perform(HTTPClientRequest(method: method, url: url, headers: headers, body: body, timeout: timeout), completion: completion)
    }

    func cancel(_ transfer: CurlTransfer) {
        if transfers.removeValue(forKey: transfer.easy) != nil {
            curl_multi_remove_handle(multi, transfer.easy)
            release(transfer)
        } else if hostQueue.remove(transfer, host: transfer.host) {
            // Never started.
        } else if let i = refused.firstIndex(where: { $0.transfer === transfer }) {
            refused.remove(at: i)
        } else {
            return
        }
        failures += 1
        transfer.complete(.failure(.cancelled))
    }

    /// Cancels every request (their completions run now, with `.cancelled`, or with the
    /// reason a request was refused) and frees curl's handles. Requests made afterwards fail
    /// at once, inside `perform`.
    public func close() {
        guard !isClosed else { return }
        let pending = Array(transfers.values) + hostQueue.removeAllWaiting()
        let refusals = refused
        teardown()
        for transfer in pending {
            failures += 1
            transfer.complete(.failure(.cancelled))
        }
        for entry in refusals {
            failures += 1
            entry.fail()
        }
    }

    private func teardown() {
        guard !isClosed else { return }
        isClosed = true
        // curl is told to stop calling back first: what follows closes its sockets, and
        // this object may be in its deinit.
        _ = wd_curl_multi_setopt_socket_function(multi, nil)
        _ = wd_curl_multi_setopt_timer_function(multi, nil)
        for watcher in watchers.values { watcher.close() }
        watchers.removeAll()
        timer?.stop()
        timer = nil
        refusalTimer = nil
        for easy in transfers.keys { curl_multi_remove_handle(multi, easy) }
        transfers.removeAll()
        refused.removeAll()
        curl_multi_cleanup(multi)
    }

    // MARK: Driving curl

    /// Hands readiness (or the timeout, with `CURL_SOCKET_TIMEOUT`) to curl, then completes
    /// what finished.
    func socketAction(_ socket: curl_socket_t, _ flags: Int32) {
        guard !isClosed else { return }
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, socket, flags, &running)
        completeFinished()
    }

    private func completeFinished() {
        var queued: Int32 = 0
        while !isClosed, let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            guard let transfer = transfers.removeValue(forKey: easy) else { continue }
            let result = transfer.outcome(code)
            curl_multi_remove_handle(multi, easy)
            release(transfer)
            switch result {
            case .success: responses += 1
            case .failure: failures += 1
            }
            transfer.complete(result)
        }
    }

    private func failLater(_ transfer: CurlTransfer?, _ fail: @escaping () -> Void) {
        refused.append((transfer, fail))
        if refusalTimer == nil {
            refusalTimer = LoopTimer(loop: loop) { [unowned self] in self.completeRefused() }
        }
        if refusalTimer?.isActive == false { refusalTimer?.start(afterMilliseconds: 0) }
    }

    private func completeRefused() {
        let batch = refused
        refused.removeAll()
        for entry in batch {
            failures += 1
            entry.fail()
        }
    }
}
