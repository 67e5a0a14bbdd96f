/// Builds frames. Server frames are unmasked, so one encoded frame can be written unchanged
/// to every recipient of a broadcast; client frames (bots, benchmarks) carry a mask key.
public enum WebSocketFrameEncoder {
    /// The longest header: 2 bytes, 8 bytes of extended length, 4 bytes of mask key.
    public static let maxHeaderLength = 14

    public static func headerLength(payloadCount: Int, masked: Bool) -> Int {
        (payloadCount < 126 ? 2 : payloadCount <= 0xFFFF ? 4 : 10) + (masked ? 4 : 0)
    }

    /// Writes a header at `destination` and returns its length.
    @discardableResult
    public static func writeHeader(
        to destination: UnsafeMutableRawPointer,
        fin: Bool = true,
        opcode: WebSocketOpcode,
        payloadCount: Int,
        maskKey: UInt32? = nil
    ) -> Int {
        destination.storeBytes(of: (fin ? 0x80 : 0) | opcode.rawValue, as: UInt8.self)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        var n: Int
        if payloadCount < 126 {
            destination.storeBytes(of: maskBit | UInt8(payloadCount), toByteOffset: 1, as: UInt8.self)
            n = 2
        } else if payloadCount <= 0xFFFF {
            destination.storeBytes(of: maskBit | 126, toByteOffset: 1, as: UInt8.self)
            destination.storeBytes(of: UInt16(payloadCount).bigEndian, toByteOffset: 2, as: UInt16.self)
            n = 4
        } else {
            destination.storeBytes(of: maskBit | 127, toByteOffset: 1, as: UInt8.self)
            destination.storeBytes(of: UInt64(payloadCount).bigEndian, toByteOffset: 2, as: UInt64.self)
            n = 10
        }
        if let maskKey {
            destination.storeBytes(of: maskKey, toByteOffset: n, as: UInt32.self)
            n += 4
        }
        return n
    }

    /// A complete frame. With `maskKey` the payload is masked as a client must.
    public static func frame<C: Collection>(
        _ opcode: WebSocketOpcode,
        payload: C,
        fin: Bool = true,
        maskKey: UInt32? = nil
    ) -> [UInt8] where C.Element == UInt8 {
        let count = payload.count
        let headerCount = headerLength(payloadCount: count, masked: maskKey != nil)
        var out = [UInt8](repeating: 0, count: headerCount)
        out.withUnsafeMutableBytes { _ = writeHeader(to: $0.baseAddress!, fin: fin, opcode: opcode, payloadCount: count, maskKey: maskKey) }
        out.append(contentsOf: payload)
        if let maskKey {
            out.withUnsafeMutableBytes { WebSocketDecoder.unmask(UnsafeMutableRawBufferPointer(rebasing: $0[headerCount...]), key: maskKey, offset: 0) }
        }
        return out
    }

    /// Frames a payload that was written after `maxHeaderLength` reserved bytes at the start
    /// of `buffer`, by writing the header right before the payload. Returns the index where
    /// the frame starts. This is how broadcast messages are encoded once, without a copy.
    public static func frameInPlace(_ buffer: inout [UInt8], opcode: WebSocketOpcode) -> Int {
        let payloadCount = buffer.count - maxHeaderLength
        let h = headerLength(payloadCount: payloadCount, masked: false)
        let start = maxHeaderLength - h
        buffer.withUnsafeMutableBytes { _ = writeHeader(to: $0.baseAddress! + start, opcode: opcode, payloadCount: payloadCount) }
        return start
    }

    /// The payload of a close frame: the code, then the reason cut to fit the 125-byte
    /// control-frame limit without splitting a UTF-8 character.
    public static func closePayload(_ code: WebSocketCloseCode, reason: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        let utf8 = Array(reason.utf8)
        var cut = min(123, utf8.count)
        // A continuation byte right after the cut means a character straddles it: cut before its lead byte.
        while cut < utf8.count && cut > 0 && utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
        let reasonBytes = utf8[0..<cut]
        out.append(contentsOf: reasonBytes)
        return out
    }
}
