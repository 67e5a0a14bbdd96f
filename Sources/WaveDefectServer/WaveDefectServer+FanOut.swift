import ByteStorage
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
        recipients.forEach { participant in
            // The existential's first word, read in place (no copy): the object, or 0 for nil.
            let object = withUnsafeMutablePointer(to: &participant.endpoint) {
                UnsafeRawPointer($0).load(as: UnsafeRawPointer?.self)
            }
            guard let object else { return }
            if object.load(as: UnsafeRawPointer.self) == sessionClass {
                Unmanaged<WebSocketSession>.fromOpaque(object)._withUnsafeGuaranteedRef {
                    $0.deliver(frame, lossy: lossy, broadcast: true)
                }
            } else {
                participant.endpoint?.deliver(frame, lossy: lossy, broadcast: true)
            }
        }
    }
}
