import ByteStorage
import SystemClock

/// The life of an open WebSocket after the handshake: keepalive pings, the idle timeout and
/// the close handshake (RFC 6455 §7), as a pure state machine. Times are monotonic
/// nanoseconds passed in by the caller, so tests drive the clock.
public struct WebSocketConnectionStateMachine: Sendable {
    /// Shared by every connection of a server (a reference, so each connection carries
    /// one pointer rather than a copy).
    public final class Configuration: Sendable, Equatable {
        /// Interval of the server's pings, which measure round-trip time and keep NATs open.
        public let pingInterval: UInt64
        /// Silence after which the connection is closed with 1001.
        public let idleTimeout: UInt64
        /// How long to wait for the peer's close frame after sending ours.
        public let closeTimeout: UInt64

        public init(pingIntervalSeconds: Double = 15, idleTimeoutSeconds: Double = 45, closeTimeoutSeconds: Double = 5) {
            pingInterval = SystemClock.nanoseconds(fromSeconds: pingIntervalSeconds)
            idleTimeout = SystemClock.nanoseconds(fromSeconds: idleTimeoutSeconds)
            closeTimeout = SystemClock.nanoseconds(fromSeconds: closeTimeoutSeconds)
        }

        public static func == (a: Configuration, b: Configuration) -> Bool {
            a.pingInterval == b.pingInterval && a.idleTimeout == b.idleTimeout && a.closeTimeout == b.closeTimeout
        }
    }

    public enum State: Sendable, Equatable {
        case open
        /// We sent a close frame and wait for the peer's until the deadline.
        case closing(deadline: UInt64)
        /// The close handshake finished or was abandoned; only the TCP close remains.
        case closed
    }

    public enum Action: Sendable, Equatable {
        case none
        case sendPong([UInt8])
        case sendPing([UInt8])
        /// Send a close frame; keep reading until the peer answers or the deadline passes.
        case sendClose(WebSocketCloseCode, reason: String)
        /// Answer the peer's close and close the TCP connection once the frame is written.
        case replyCloseAndShutdown(WebSocketCloseCode?)
        /// Close the TCP connection now.
        case shutdown
    }

    public let configuration: Configuration
    public private(set) var lastReceived: UInt64
    /// When the last ping was sent; while it is unanswered (`pingOutstanding`) also the time
    /// its round trip is measured from.
    private var lastPingAt: UInt64
    // Every connection carries one of these, so optionals are stored as sentinel values
    // (0 = none), the state as a deadline and the outstanding ping as a bit: the machine
    // stays at 40 bytes, which keeps a session within a 128-byte allocation.
    /// 0 open, `UInt64.max` closed, otherwise closing with this deadline.
    private var closingDeadline: UInt64 = 0
    /// Round trip of the last answered ping in microseconds (the precision `rtt_ms` is
    /// reported with), 0 while none was answered.
    private var lastRTTMicroseconds: UInt32 = 0
    /// The number of the last ping sent (low 31 bits, its payload) and whether it is still
    /// unanswered (top bit).
    private var pingState: UInt32 = 0
    private static let outstandingBit: UInt32 = 1 << 31

    private var pingCounter: UInt32 { pingState & ~Self.outstandingBit }
    private var pingOutstanding: Bool { pingState & Self.outstandingBit != 0 }

    public var state: State {
        get {
            switch closingDeadline {
            case 0: .open
            case .max: .closed
            default: .closing(deadline: closingDeadline)
            }
        }
        set {
            switch newValue {
            case .open: closingDeadline = 0
            case .closed: closingDeadline = .max
            case .closing(let deadline): closingDeadline = max(1, min(deadline, .max - 1))
            }
        }
    }

    /// Round-trip time of the last answered server ping, in nanoseconds (kept to the
    /// microsecond).
    public var lastRTT: UInt64? {
        lastRTTMicroseconds == 0 ? nil : UInt64(lastRTTMicroseconds) * 1000
    }

    public init(configuration: Configuration, now: UInt64) {
        self.configuration = configuration
        self.lastReceived = now
        self.lastPingAt = now
    }

    public var isOpen: Bool { closingDeadline == 0 }

    /// Any frame from the peer proves it alive.
    public mutating func receivedFrame(now: UInt64) {
        lastReceived = now
    }

    public mutating func receivedPing(_ payload: UnsafeRawBufferPointer) -> Action {
        state == .open ? .sendPong(Array(payload)) : .none
    }

    /// Returns the round-trip time when the pong answers our outstanding ping.
    public mutating func receivedPong(_ payload: UnsafeRawBufferPointer, now: UInt64) -> UInt64? {
        guard pingOutstanding, payload.count == 8,
              payload.loadUnaligned(as: UInt64.self).bigEndian == UInt64(pingCounter)
        else { return nil }
        pingState = pingCounter
        let rtt = now &- lastPingAt
        // Rounded to the microsecond, at least 1 (0 means none), at most UInt32.max µs.
        lastRTTMicroseconds = UInt32(clamping: max(rtt / 1000 + (rtt % 1000 >= 500 ? 1 : 0), 1))
        return rtt
    }

    public mutating func receivedClose(_ code: WebSocketCloseCode?) -> Action {
        switch state {
        case .open:
            state = .closed
            return .replyCloseAndShutdown(code)
        case .closing:
            state = .closed
            return .shutdown
        case .closed:
            return .none
        }
    }

    /// Starts the close handshake from our side.
    public mutating func close(_ code: WebSocketCloseCode, reason: String, now: UInt64) -> Action {
        guard state == .open else { return .none }
        let (deadline, overflow) = now.addingReportingOverflow(configuration.closeTimeout)
        state = .closing(deadline: overflow ? .max - 1 : deadline)
        return .sendClose(code, reason: reason)
    }

    /// The TCP connection ended (either side).
    public mutating func connectionClosed() {
        state = .closed
    }

    /// The earliest time `tick` can have something to do: the idle timeout, the next ping or
    /// the close deadline. Frames received later only move it later, so a sweep that waits
    /// until then misses nothing.
    public var nextDeadline: UInt64 {
        switch state {
        case .closed:
            return .max
        case .closing(let deadline):
            return deadline
        case .open:
            let (idle, o1) = lastReceived.addingReportingOverflow(configuration.idleTimeout)
            let (ping, o2) = lastPingAt.addingReportingOverflow(configuration.pingInterval)
            return min(o1 ? .max : idle, o2 ? .max : ping)
        }
    }

    /// Called by the loop's sweep timer.
    public mutating func tick(now: UInt64) -> Action {
        switch state {
        case .closed:
            return .none
        case .closing(let deadline):
            if now >= deadline {
                state = .closed
                return .shutdown
            }
            return .none
        case .open:
            let silence = now &- lastReceived
            if silence >= configuration.idleTimeout {
                return close(.goingAway, reason: "idle timeout", now: now)
            }
            if now &- lastPingAt >= configuration.pingInterval {
                return ping(now: now)
            }
            return .none
        }
    }

    /// A ping whose 8-byte payload identifies it, so its pong yields an RTT.
    public mutating func ping(now: UInt64) -> Action {
        guard state == .open else { return .none }
        pingState = ((pingCounter &+ 1) & ~Self.outstandingBit) | Self.outstandingBit
        lastPingAt = now
        return .sendPing(withUnsafeBytes(of: UInt64(pingCounter).bigEndian) { Array($0) })
    }
}
