import ByteStorage
import CLibUV
import EventLoop
import RoomCore

extension WaveDefectServer {
    /// The broadcast loop: one delivery per recipient, with nothing per recipient that could
    /// be done once.
    ///
    /// Calling a participant's `endpoint` — a protocol existential read from a class
    /// property — makes the compiler retain it for the call and release it after (two atomic
    /// operations per recipient, the last retain/release pair of the fan-out; it does so
    /// whatever the access pattern, `unowned(unsafe)` and bit casts included: checked in the
    /// generated assembly). Almost every endpoint is a `WebSocketSession`, and a session
    /// needs no extra reference while it delivers: its `TCPConnection` holds it as `handler`
    /// until the socket's libuv close callback, and close callbacks run in the loop's own
    /// closing phase, never inside the read or timer callback a fan-out runs in — a delivery
    /// that makes its recipient leave (a slow consumer cut off) closes the socket, which only
    /// schedules that callback. So a session is recognised by its class (the object's first
    /// word is its class metadata; the class is final) and lent to `deliver` as it is, with a
    /// direct call instead of the witness table's. Other endpoints (in-process agents,
    /// relayed connections) go through the protocol as before.
    @inline(__always)
    func fanOut(_ frame: SharedBytes, to recipients: Recipients, lossy: Bool) {
        let sessionClass = unsafeBitCast(WebSocketSession.self, to: UnsafeRawPointer.self)
        recipients.forEach { participant, list, i in
            Self.prefetchRecipients(after: i, in: list, sessionClass: sessionClass)
            guard let object = Self.endpointObject(of: participant) else { return }
            if object.load(as: UnsafeRawPointer.self) == sessionClass {
                Unmanaged<WebSocketSession>.fromOpaque(object)._withUnsafeGuaranteedRef {
                    $0.deliver(frame, lossy: lossy, broadcast: true)
                }
            } else {
                participant.endpoint?.deliver(frame, lossy: lossy, broadcast: true)
            }
        }
    }

    /// The endpoint's object, read in place from the existential's first word (no copy, no
    /// retain), or nil.
    @inline(__always)
    private static func endpointObject(of participant: Participant) -> UnsafeRawPointer? {
        withUnsafeMutablePointer(to: &participant.endpoint) { UnsafeRawPointer($0).load(as: UnsafeRawPointer?.self) }
    }

    /// Cache hints for the recipients coming next. Per recipient a delivery follows four
    /// pointers — participant, session, `TCPConnection`, libuv handle — and by the time the
    /// loop reaches one, the kernel's work for the sends before it has pushed those lines out
    /// of the cache: the profile of the fan-out put most of its user-space samples on the
    /// first load from each (docs/benchmarks.md, "Prefetching the next recipients"). So each
    /// step asks for one link of a later recipient's chain, a link further along for a
    /// nearer recipient; every load here reads a line asked for one step (one send, ~2 µs)
    /// earlier, and every object read is alive (the list holds the participants, a
    /// participant its endpoint, a session its connection). Prefetches never fault.
    @inline(__always)
    private static func prefetchRecipients(after i: Int, in list: UnsafeBufferPointer<Unmanaged<Participant>>, sessionClass: UnsafeRawPointer) {
        let n = list.count
        if i + 4 < n {
            list[i + 4]._withUnsafeGuaranteedRef { p in
                withUnsafeMutablePointer(to: &p.endpoint) { wd_prefetch(UnsafeRawPointer($0)) }
            }
        }
        if i + 3 < n, let object = list[i + 3]._withUnsafeGuaranteedRef({ endpointObject(of: $0) }) {
            wd_prefetch(object)
            wd_prefetch(object + 64)
        }
        if i + 2 < n, let session = session(list[i + 2], sessionClass) {
            session._withUnsafeGuaranteedRef { s in
                let tcp = UnsafeRawPointer(Unmanaged.passUnretained(s.tcp).toOpaque())
                wd_prefetch(tcp)
                wd_prefetch(tcp + 64)
            }
        }
        if i + 1 < n, let session = session(list[i + 1], sessionClass) {
            session._withUnsafeGuaranteedRef { $0.tcp.prefetchForSend() }
        }
    }

    @inline(__always)
    private static func session(_ participant: Unmanaged<Participant>, _ sessionClass: UnsafeRawPointer) -> Unmanaged<WebSocketSession>? {
        guard let object = participant._withUnsafeGuaranteedRef({ endpointObject(of: $0) }),
              object.load(as: UnsafeRawPointer.self) == sessionClass else { return nil }
        return Unmanaged<WebSocketSession>.fromOpaque(object)
    }
}
