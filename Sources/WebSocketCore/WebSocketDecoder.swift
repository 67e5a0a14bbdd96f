/// What the decoder hands to its caller. Payloads point into the caller's read buffer or
/// into the decoder's own message buffer and are valid only during the callback.
public enum WebSocketEvent {
    case text(UnsafeRawBufferPointer)
    case binary(UnsafeRawBufferPointer)
    case ping(UnsafeRawBufferPointer)
    case pong(UnsafeRawBufferPointer)
    /// A validated close frame: `code` is nil when the frame had no payload.
    case close(WebSocketCloseCode?, reason: UnsafeRawBufferPointer)
}

/// A pure, incremental RFC 6455 decoder: frames, fragmentation with interleaved control
/// frames, UTF-8 validation of text messages (also across fragments), close-frame
/// validation and size limits.
///
/// The common case costs no copy and no state: a whole unfragmented frame in the read buffer
/// is unmasked in place and handed out as a pointer into that buffer. Only what must survive
/// from one read to the next — a split header or payload, a fragmented message, a failure —
/// is kept, in a box allocated while there is some and dropped once the message is done, so
/// an idle connection's decoder is a few bytes. After an error the decoder stays failed;
/// after a close frame it ignores further input.
public struct WebSocketDecoder {
    public let role: WebSocketRole
    public var limits: WebSocketLimits
    public private(set) var receivedClose = false
    private var partial: PartialState?

    /// A frame's header. Lengths fit 32 bits: anything longer was refused by the frame limit
    /// when its header arrived.
    struct Frame {
        var fin: Bool
        var opcode: WebSocketOpcode
        var masked: Bool
        var maskKey: UInt32
        var length32: UInt32
        var received32: UInt32 = 0

        var length: Int { Int(length32) }
        var received: Int {
            get { Int(received32) }
            set { received32 = UInt32(newValue) }
        }
    }

    /// Everything carried between reads; exists only while something is unfinished.
    private final class PartialState {
        /// Header bytes gathered while a header is split across reads (at most 14).
        var headerScratch: (UInt64, UInt64) = (0, 0)
        var headerCount: UInt8 = 0
        /// The frame whose payload is being received.
        var frame: Frame?
        /// Opcode of the fragmented message in progress (text or binary).
        var messageOpcode: WebSocketOpcode?
        var messageSize: UInt32 = 0
        var message: [UInt8] = []
        var control: [UInt8] = []
        var utf8 = UTF8Validator()
        var failure: WebSocketError?

        init() {}

        init(copying o: PartialState) {
            headerScratch = o.headerScratch
            headerCount = o.headerCount
            frame = o.frame
            messageOpcode = o.messageOpcode
            messageSize = o.messageSize
            message = o.message
            control = o.control
            utf8 = o.utf8
            failure = o.failure
        }

        var isIdle: Bool {
            headerCount == 0 && frame == nil && messageOpcode == nil && failure == nil && message.isEmpty && control.isEmpty
        }
    }

    public init(role: WebSocketRole, limits: WebSocketLimits = WebSocketLimits()) {
        self.role = role
        self.limits = limits
    }

    /// Decodes `input`, unmasking it in place, and calls `onEvent` for every complete
    /// message and control frame. Throws the first protocol violation.
    public mutating func decode(_ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        if let failure = partial?.failure { throw failure }
        do {
            try run(input, onEvent)
        } catch {
            let failed = PartialState()  // the buffers go; the error stays
            failed.failure = error
            partial = failed
            throw error
        }
        if let p = partial, p.isIdle { partial = nil }
    }

    private mutating func run(_ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        var i = 0
        while i < input.count && !receivedClose {
            let rest = UnsafeMutableRawBufferPointer(rebasing: input[i...])
            if partial == nil, let used = try decodeWholeFrame(rest, onEvent) {
                i += used
            } else {
                i += try step(state(), rest, onEvent)
            }
        }
    }

    /// Whether anything is carried to the next read (tests: an idle decoder holds nothing).
    var holdsPartialState: Bool { partial != nil }

    /// Bytes of buffer storage kept for unfinished messages and control frames (what the
    /// server-wide `PartialMessageBudget` counts); zero while nothing is unfinished.
    public var heldBytes: Int {
        guard let p = partial else { return 0 }
        return p.message.capacity + p.control.capacity
    }

    /// The carried state, created if needed and never shared with a copy of this decoder.
    private mutating func state() -> PartialState {
        if partial == nil {
            partial = PartialState()
        } else if !isKnownUniquelyReferenced(&partial) {
            partial = PartialState(copying: partial!)
        }
        return partial!
    }

    // MARK: Whole frames

    /// A whole frame at the start of `input` that needs nothing from earlier reads (a
    /// control frame, or an unfragmented message): decoded straight from the read buffer.
    /// Returns the bytes used, or nil when the frame is split or starts a fragmented message,
    /// which the stateful path then takes from its first byte.
    @inline(__always)
    private mutating func decodeWholeFrame(_ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) -> Int? {
        guard input.count >= 2 else { return nil }
        let headerLength = Self.headerLength(input[1])
        guard input.count >= headerLength else { return nil }
        let f = try Self.parseHeader(UnsafeRawBufferPointer(input), role: role, limits: limits, messageOpcode: nil, messageSize: 0)
        guard f.fin, input.count - headerLength >= f.length else { return nil }
        let payload = UnsafeMutableRawBufferPointer(rebasing: input[headerLength..<headerLength + f.length])
        if f.masked { Self.unmask(payload, key: f.maskKey, offset: 0) }
        let p = UnsafeRawBufferPointer(payload)
        switch f.opcode {
        case .ping: onEvent(.ping(p))
        case .pong: onEvent(.pong(p))
        case .close:
            receivedClose = true
            onEvent(try Self.parseClose(p))
        case .text:
            guard UTF8Validator.isValid(p) else { throw .invalidUTF8 }
            onEvent(.text(p))
        case .binary, .continuation:
            // A continuation never gets here: with no message in progress the header is refused.
            onEvent(.binary(p))
        }
        return headerLength + f.length
    }

    // MARK: Split frames and fragmented messages

    /// Takes what it can of `input` into `s` (a header, part of a payload); returns the bytes used.
    private mutating func step(_ s: PartialState, _ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) -> Int {
        guard let base = input.baseAddress else { return 0 }
        guard var current = s.frame else {
            let used = try readHeader(s, UnsafeRawBufferPointer(input))
            if let f = s.frame, f.length == 0 {
                s.frame = nil
                try completeFrame(s, f, payload: UnsafeRawBufferPointer(start: base, count: 0), direct: true, onEvent)
            }
            return used
        }
        let n = min(current.length - current.received, input.count)
        let chunk = UnsafeMutableRawBufferPointer(start: base, count: n)
        if current.masked { Self.unmask(chunk, key: current.maskKey, offset: current.received) }
        let wholeFrame = current.received == 0 && n == current.length
        current.received += n
        let done = current.received == current.length
        s.frame = done ? nil : current

        if current.opcode.isControl {
            if wholeFrame {
                try completeFrame(s, current, payload: UnsafeRawBufferPointer(chunk), direct: true, onEvent)
            } else {
                s.control.append(contentsOf: UnsafeRawBufferPointer(chunk))
                if done {
                    let payload = s.control
                    s.control = []
                    // (`withUnsafeBytes` does not forward typed errors: carried out in a Result.)
                    try payload.withUnsafeBytes { p in
                        Result { () throws(WebSocketError) in try completeFrame(s, current, payload: p, direct: true, onEvent) }
                    }.get()
                }
            }
            return n
        }
        if s.messageOpcode == .text && !s.utf8.feed(UnsafeRawBufferPointer(chunk)) { throw .invalidUTF8 }
        if wholeFrame && current.fin && s.message.isEmpty {
            try completeFrame(s, current, payload: UnsafeRawBufferPointer(chunk), direct: true, onEvent)
        } else {
            s.message.append(contentsOf: UnsafeRawBufferPointer(chunk))
            if done { try completeFrame(s, current, payload: UnsafeRawBufferPointer(start: base, count: 0), direct: false, onEvent) }
        }
        return n
    }

    /// Consumes header bytes from `input`; sets `s.frame` once the header is complete and valid.
    private func readHeader(_ s: PartialState, _ input: UnsafeRawBufferPointer) throws(WebSocketError) -> Int {
        if s.headerCount == 0, input.count >= 2 {
            let needed = Self.headerLength(input[1])
            if input.count >= needed {
                try accept(s, header: input)
                return needed
            }
        }
        var used = 0
        var scratch = s.headerScratch
        var complete = false
        withUnsafeMutableBytes(of: &scratch) { bytes in
            while used < input.count {
                bytes[Int(s.headerCount)] = input[used]
                s.headerCount += 1
                used += 1
                if s.headerCount >= 2 && Int(s.headerCount) == Self.headerLength(bytes[1]) {
                    complete = true
                    return
                }
            }
        }
        s.headerScratch = scratch
        if complete {
            s.headerCount = 0
            try withUnsafeBytes(of: scratch) { h in Result { () throws(WebSocketError) in try accept(s, header: h) } }.get()
        }
        return used
    }

    /// Validates a complete header against the message in progress and makes it current.
    private func accept(_ s: PartialState, header h: UnsafeRawBufferPointer) throws(WebSocketError) {
        let f = try Self.parseHeader(h, role: role, limits: limits, messageOpcode: s.messageOpcode, messageSize: s.messageSize)
        if !f.opcode.isControl {
            if f.opcode != .continuation {
                s.messageOpcode = f.opcode
                s.messageSize = 0
                s.utf8.reset()
            }
            s.messageSize += f.length32
        }
        s.frame = f
    }

    @inline(__always)
    static func headerLength(_ second: UInt8) -> Int {
        let len7 = second & 0x7F
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (second & 0x80 != 0 ? 4 : 0)
    }

    /// Every rule a frame header must pass, given the fragmented message in progress (if any).
    @inline(__always)
    private static func parseHeader(_ h: UnsafeRawBufferPointer, role: WebSocketRole, limits: WebSocketLimits, messageOpcode: WebSocketOpcode?, messageSize: UInt32) throws(WebSocketError) -> Frame {
        let b0 = h[0], b1 = h[1]
        let fin = b0 & 0x80 != 0
        if b0 & 0x70 != 0 { throw .reservedBitsSet }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else { throw .reservedOpcode(b0 & 0x0F) }
        let masked = b1 & 0x80 != 0
        if role == .server && !masked { throw .unmaskedClientFrame }
        if role == .client && masked { throw .maskedServerFrame }
        var offset = 2
        var length = Int(b1 & 0x7F)
        if length == 126 {
            length = Int(h[2]) << 8 | Int(h[3])
            offset = 4
        } else if length == 127 {
            var l: UInt64 = 0
            for k in 2..<10 { l = l << 8 | UInt64(h[k]) }
            if l >> 63 != 0 { throw .invalidLength }
            guard l <= UInt64(Int.max) else { throw .invalidLength }
            length = Int(l)
            offset = 10
        }
        let maskKey = masked ? h.loadUnaligned(fromByteOffset: offset, as: UInt32.self) : 0

        if opcode.isControl {
            if !fin { throw .fragmentedControlFrame }
            if length > 125 { throw .controlFrameTooLong }
        } else {
            if opcode == .continuation {
                if messageOpcode == nil { throw .unexpectedContinuation }
            } else if messageOpcode != nil {
                throw .expectedContinuation
            }
            let sizeSoFar = opcode == .continuation ? Int(messageSize) : 0
            if length > limits.maxFrameSize { throw .frameTooBig(limits.maxFrameSize) }
            if sizeSoFar + length > limits.maxMessageSize { throw .messageTooBig(limits.maxMessageSize) }
        }
        return Frame(fin: fin, opcode: opcode, masked: masked, maskKey: maskKey, length32: UInt32(length))
    }

    // MARK: Completion

    /// Handles a finished frame. `direct` means `payload` is the whole message; otherwise the
    /// message is in `s.message`.
    private mutating func completeFrame(_ s: PartialState, _ f: Frame, payload: UnsafeRawBufferPointer, direct: Bool, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        switch f.opcode {
        case .ping: onEvent(.ping(payload))
        case .pong: onEvent(.pong(payload))
        case .close:
            receivedClose = true
            onEvent(try Self.parseClose(payload))
        case .text, .binary, .continuation:
            guard f.fin else { return }
            let opcode = s.messageOpcode!
            s.messageOpcode = nil
            if opcode == .text && !s.utf8.isComplete { throw .invalidUTF8 }
            if direct && s.message.isEmpty {
                onEvent(opcode == .text ? .text(payload) : .binary(payload))
            } else {
                let whole = s.message
                s.message = []
                whole.withUnsafeBytes { onEvent(opcode == .text ? .text($0) : .binary($0)) }
            }
        }
    }

    static func parseClose(_ payload: UnsafeRawBufferPointer) throws(WebSocketError) -> WebSocketEvent {
        if payload.isEmpty { return .close(nil, reason: payload) }
        if payload.count == 1 { throw .invalidClosePayload }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        let closeCode = WebSocketCloseCode(code)
        guard closeCode.isValidOnTheWire else { throw .invalidCloseCode(code) }
        let reason = UnsafeRawBufferPointer(rebasing: payload[2...])
        guard UTF8Validator.isValid(reason) else { throw .invalidCloseReason }
        return .close(closeCode, reason: reason)
    }

    /// XORs `buffer` with the masking key, `offset` being the position of the buffer's first
    /// byte within the frame payload. Eight bytes at a time.
    public static func unmask(_ buffer: UnsafeMutableRawBufferPointer, key: UInt32, offset: Int) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let shift = UInt32((offset & 3) * 8)
        // Rotate so that byte 0 of the rotated key applies to buffer[0] (little-endian load).
        let k32 = shift == 0 ? key : (key >> shift) | (key << (32 - shift))
        let k64 = UInt64(k32) | UInt64(k32) << 32
        var i = 0
        let n = buffer.count
        while i + 8 <= n {
            let v = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            base.storeBytes(of: v ^ k64, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            let k = UInt8(truncatingIfNeeded: k32 >> UInt32((i & 3) * 8))
            base.storeBytes(of: base.load(fromByteOffset: i, as: UInt8.self) ^ k, toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }
}
