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
/// The common case costs no copy: a whole unfragmented frame in the read buffer is unmasked
/// in place and handed out as a pointer into that buffer. Only messages split across reads
/// or fragments are gathered in a per-connection buffer, allocated when first needed.
/// After an error the decoder stays failed; after a close frame it ignores further input.
public struct WebSocketDecoder {
    public let role: WebSocketRole
    public var limits: WebSocketLimits

    /// The frame being received. Lengths fit 32 bits: anything longer was refused by the
    /// frame limit when its header arrived.
    private struct Frame {
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

    /// Header bytes gathered while a header is split across reads (at most 14).
    private var headerScratch: (UInt64, UInt64) = (0, 0)
    private var headerCount: UInt8 = 0
    private var frame: Frame?
    /// Opcode of the fragmented message in progress (text or binary).
    private var messageOpcode: WebSocketOpcode?
    private var messageSize: UInt32 = 0
    private var message: [UInt8] = []
    private var control: [UInt8] = []
    private var utf8 = UTF8Validator()
    /// Boxed: a connection that failed is closed right away, so the common case carries
    /// one pointer instead of an error value.
    private var failure: FailureBox?

    private final class FailureBox {
        let error: WebSocketError
        init(_ error: WebSocketError) { self.error = error }
    }
    public private(set) var receivedClose = false

    public init(role: WebSocketRole, limits: WebSocketLimits = WebSocketLimits()) {
        self.role = role
        self.limits = limits
    }


    /// Decodes `input`, unmasking it in place, and calls `onEvent` for every complete
    /// message and control frame. Throws the first protocol violation.
    public mutating func decode(_ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        if let failure { throw failure.error }
        do {
            try run(input, onEvent)
        } catch {
            failure = FailureBox(error)
            message = []
            control = []
            throw error
        }
    }

    private mutating func run(_ input: UnsafeMutableRawBufferPointer, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        guard let base = input.baseAddress else { return }
        var i = 0
        while i < input.count && !receivedClose {
            guard var current = frame else {
                i += try readHeader(UnsafeRawBufferPointer(rebasing: input[i...]))
                if let f = frame, f.length == 0 {
                    frame = nil
                    try completeFrame(f, payload: UnsafeRawBufferPointer(start: base, count: 0), direct: true, onEvent)
                }
                continue
            }
            let n = min(current.length - current.received, input.count - i)
            let chunk = UnsafeMutableRawBufferPointer(start: base + i, count: n)
            if current.masked { Self.unmask(chunk, key: current.maskKey, offset: current.received) }
            let wholeFrame = current.received == 0 && n == current.length
            current.received += n
            i += n
            let done = current.received == current.length
            frame = done ? nil : current

            if current.opcode.isControl {
                if wholeFrame {
                    try completeFrame(current, payload: UnsafeRawBufferPointer(chunk), direct: true, onEvent)
                } else {
                    control.append(contentsOf: UnsafeRawBufferPointer(chunk))
                    if done {
                        let payload = control
                        control = []
                        let error = payload.withUnsafeBytes { p in catching { (s) throws(WebSocketError) in try s.completeFrame(current, payload: p, direct: true, onEvent) } }
                        if let error { throw error }
                    }
                }
                continue
            }
            if messageOpcode == .text && !utf8.feed(UnsafeRawBufferPointer(chunk)) { throw .invalidUTF8 }
            if wholeFrame && current.fin && message.isEmpty {
                try completeFrame(current, payload: UnsafeRawBufferPointer(chunk), direct: true, onEvent)
            } else {
                message.append(contentsOf: UnsafeRawBufferPointer(chunk))
                if done { try completeFrame(current, payload: UnsafeRawBufferPointer(start: base, count: 0), direct: false, onEvent) }
            }
        }
    }

    // MARK: Header

    /// Consumes header bytes from `input`; sets `frame` once the header is complete and valid.
    private mutating func readHeader(_ input: UnsafeRawBufferPointer) throws(WebSocketError) -> Int {
        if headerCount == 0, input.count >= 2 {
            let needed = Self.headerLength(input[1])
            if input.count >= needed {
                try parseHeader(input)
                return needed
            }
        }
        var used = 0
        var scratch = headerScratch
        var complete = false
        withUnsafeMutableBytes(of: &scratch) { bytes in
            while used < input.count {
                bytes[Int(headerCount)] = input[used]
                headerCount += 1
                used += 1
                if headerCount >= 2 && Int(headerCount) == Self.headerLength(bytes[1]) {
                    complete = true
                    return
                }
            }
        }
        headerScratch = scratch
        if complete {
            headerCount = 0
            let error = withUnsafeBytes(of: scratch) { h in catching { (s) throws(WebSocketError) in try s.parseHeader(h) } }
            if let error { throw error }
        }
        return used
    }

    /// Runs a throwing step inside a non-throwing closure (the standard library's
    /// `withUnsafeBytes` does not forward typed errors) and returns its error.
    private mutating func catching(_ body: (inout WebSocketDecoder) throws(WebSocketError) -> Void) -> WebSocketError? {
        do {
            try body(&self)
            return nil
        } catch {
            return error
        }
    }

    @inline(__always)
    static func headerLength(_ second: UInt8) -> Int {
        let len7 = second & 0x7F
        return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (second & 0x80 != 0 ? 4 : 0)
    }

    private mutating func parseHeader(_ h: UnsafeRawBufferPointer) throws(WebSocketError) {
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
            } else {
                if messageOpcode != nil { throw .expectedContinuation }
                messageOpcode = opcode
                messageSize = 0
                utf8.reset()
            }
            if length > limits.maxFrameSize { throw .frameTooBig(limits.maxFrameSize) }
            if Int(messageSize) + length > limits.maxMessageSize { throw .messageTooBig(limits.maxMessageSize) }
            messageSize += UInt32(length)
        }
        frame = Frame(fin: fin, opcode: opcode, masked: masked, maskKey: maskKey, length32: UInt32(length))
    }

    // MARK: Completion

    /// Handles a finished frame. `direct` means `payload` is the whole message; otherwise the
    /// message is in `message`.
    private mutating func completeFrame(_ f: Frame, payload: UnsafeRawBufferPointer, direct: Bool, _ onEvent: (WebSocketEvent) -> Void) throws(WebSocketError) {
        switch f.opcode {
        case .ping: onEvent(.ping(payload))
        case .pong: onEvent(.pong(payload))
        case .close:
            receivedClose = true
            onEvent(try Self.parseClose(payload))
        case .text, .binary, .continuation:
            guard f.fin else { return }
            let opcode = messageOpcode!
            messageOpcode = nil
            if opcode == .text && !utf8.isComplete { throw .invalidUTF8 }
            if direct && message.isEmpty {
                onEvent(opcode == .text ? .text(payload) : .binary(payload))
            } else {
                let whole = message
                message = []
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
