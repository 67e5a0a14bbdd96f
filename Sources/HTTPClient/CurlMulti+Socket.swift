import CCurl
import CLibUV
import EventLoop

extension CurlMulti {
    /// `CURLMOPT_SOCKETFUNCTION`: curl wants `socket` watched for `what` (or no longer).
    /// Runs inside curl calls made on the loop thread.
    func watch(_ socket: curl_socket_t, _ what: Int32) {
        if what == CURL_POLL_REMOVE {
            // curl calls this before it closes the socket, so the poll handle stops watching
            // a descriptor that is still open, and the number can be reused right away.
            watchers.removeValue(forKey: socket)?.close()
            return
        }
        var events: Int32 = 0
        if what & CURL_POLL_IN != 0 { events |= Int32(UV_READABLE.rawValue) }
        if what & CURL_POLL_OUT != 0 { events |= Int32(UV_WRITABLE.rawValue) }
        if let watcher = watchers[socket] {
            watcher.start(events)
        } else if let watcher = CurlSocketWatcher(client: self, socket: socket) {
            watchers[socket] = watcher
            watcher.start(events)
        }
        // A socket libuv refuses to watch is still covered by curl's timeouts.
    }

    /// `CURLMOPT_TIMERFUNCTION`: wake curl in `milliseconds` (0: on the next loop turn), or
    /// never (-1).
    func schedule(_ milliseconds: Int) {
        guard let timer else { return }
        if milliseconds < 0 {
            timer.stop()
        } else {
            // The callback must not call back into curl: the timer does it from the loop.
            timer.start(afterMilliseconds: UInt64(milliseconds))
        }
    }
}

/// A `uv_poll_t` on one of curl's sockets. The handle's `data` holds a retained reference to
/// the watcher, released in the close callback, so the memory outlives libuv's last use.
final class CurlSocketWatcher {
    let socket: curl_socket_t
    weak var client: CurlMulti?
    private let handle: UnsafeMutablePointer<uv_poll_t>
    private var events: Int32 = 0

    init?(client: CurlMulti, socket: curl_socket_t) {
        self.socket = socket
        self.client = client
        handle = .allocate(capacity: 1)
        guard uv_poll_init_socket(client.loop.raw, handle, socket) == 0 else {
            handle.deallocate()
            return nil
        }
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
    }

    deinit {
        handle.deallocate()
    }

    func start(_ events: Int32) {
        guard uv_is_closing(wd_handle(handle)) == 0 else { return }
        if events == 0 {
            uv_poll_stop(handle)
            self.events = 0
            return
        }
        guard events != self.events || uv_is_active(wd_handle(handle)) == 0 else { return }
        self.events = events
        uv_poll_start(handle, events) { handle, status, events in
            let watcher = Unmanaged<CurlSocketWatcher>.fromOpaque(handle!.pointee.data).takeUnretainedValue()
            var flags: Int32 = 0
            if status < 0 {
                flags = CURL_CSELECT_ERR
            } else {
                if events & Int32(UV_READABLE.rawValue) != 0 { flags |= CURL_CSELECT_IN }
                if events & Int32(UV_WRITABLE.rawValue) != 0 { flags |= CURL_CSELECT_OUT }
            }
            watcher.client?.socketAction(watcher.socket, flags)
        }
    }

    func close() {
        client = nil
        // A handle the loop already closed (`EventLoop.close()`) is left as it is.
        guard uv_is_closing(wd_handle(handle)) == 0 else { return }
        uv_close(wd_handle(handle)) { handle in
            Unmanaged<CurlSocketWatcher>.fromOpaque(handle!.pointee.data).release()
        }
    }
}
