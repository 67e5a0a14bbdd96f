import NumericCore
import WebSocketCore

/// A decoded event with its payload copied out, so tests can compare values.
enum Decoded: Equatable, CustomStringConvertible {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    case close(UInt16?, String)

    var description: String {
        switch self {
        case .text(let s): "text(\(s.prefix(40)))"
        case .binary(let b): "binary(\(b.count) bytes)"
        case .ping(let b): "ping(\(b))"
        case .pong(let b): "pong(\(b))"
        case .close(let c, let r): "close(\(c.map(String.init) ?? "nil"), \(r))"
        }
    }
}

struct DecodeOutcome {
    var events: [Decoded] = []
    var error: WebSocketError?
}

/// How to cut the input into reads.
enum Split {
    case whole
    case byteByByte
    case random(seed: UInt64)
}

func decode(_ bytes: [UInt8], split: Split = .whole, role: WebSocketRole = .server, limits: WebSocketLimits = WebSocketLimits()) -> DecodeOutcome {
    var decoder = WebSocketDecoder(role: role, limits: limits)
    var outcome = DecodeOutcome()
    var pieces: [[UInt8]] = []
    switch split {
    case .whole:
        pieces = [bytes]
    case .byteByByte:
        pieces = bytes.map { [$0] }
    case .random(let seed):
        var rng = SplitMix64(seed: seed)
        var i = 0
        while i < bytes.count {
            let n = Int.random(in: 1...max(1, min(40, bytes.count - i)), using: &rng)
            pieces.append(Array(bytes[i..<i + n]))
            i += n
        }
    }
    for var piece in pieces {
        do {
            try piece.withUnsafeMutableBytes { buf in
                try decoder.decode(buf) { event in
                    switch event {
                    case .text(let p): outcome.events.append(.text(String(decoding: p, as: UTF8.self)))
                    case .binary(let p): outcome.events.append(.binary(Array(p)))
                    case .ping(let p): outcome.events.append(.ping(Array(p)))
                    case .pong(let p): outcome.events.append(.pong(Array(p)))
                    case .close(let code, let reason): outcome.events.append(.close(code?.rawValue, String(decoding: reason, as: UTF8.self)))
                    }
                }
            }
        } catch let error as WebSocketError {
            outcome.error = error
            return outcome
        } catch {
            fatalError("\(error)")
        }
    }
    return outcome
}

/// Every way of splitting the input that the tests try.
let allSplits: [Split] = [.whole, .byteByByte] + (1...20).map { Split.random(seed: $0) }

/// A masked client frame with raw control over the header bits.
func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, mask: UInt32? = 0x3712_A5C9) -> [UInt8] {
    var out: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    if payload.count < 126 {
        out.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        out.append(maskBit | 126)
        out.append(UInt8(payload.count >> 8)); out.append(UInt8(payload.count & 0xFF))
    } else {
        out.append(maskBit | 127)
        for k in (0..<8).reversed() { out.append(UInt8((payload.count >> (8 * k)) & 0xFF)) }
    }
    guard let mask else { return out + payload }
    let key = withUnsafeBytes(of: mask) { Array($0) }
    out += key
    out += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    return out
}

func text(_ s: String, fin: Bool = true) -> [UInt8] { clientFrame(0x1, Array(s.utf8), fin: fin) }
func cont(_ bytes: [UInt8], fin: Bool = true) -> [UInt8] { clientFrame(0x0, bytes, fin: fin) }
