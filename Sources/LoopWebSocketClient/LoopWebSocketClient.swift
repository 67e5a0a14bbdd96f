import ByteStorage
import CryptoPrimitives
import EventLoop
import TLSCore
import WebSocketCore

/// A WebSocket client on the libuv loop: benchmarks open thousands of these, bots one.
/// Incoming messages are handed to `onText`/`onBinary` with pointers valid during the call.
public final class LoopWebSocketClient: TCPConnectionHandler {
    public enum State {
        case connecting
        case handshaking
        case open
        case closed(code: UInt16?)
    }

    public private(set) var state: State = .connecting
    public private(set) var connection: TCPConnection?
    private var decoder = WebSocketDecoder(role: .client, limits: WebSocketLimits(maxFrameSize: 16 << 20, maxMessageSize: 16 << 20))
    private var handshakeBuffer: [UInt8] = []
    private let path: String
    private let host: String
    private let key: String
    private var closeCode: UInt16?

    public var onOpen: (() -> Void)?
    /// The server refused the upgrade (status line and body) or the connection failed.
    public var onFailure: ((String) -> Void)?
    public var onText: ((UnsafeRawBufferPointer) -> Void)?
    public var onBinary: ((UnsafeRawBufferPointer) -> Void)?
    public var onClose: ((UInt16?) -> Void)?
    /// wss://: the TLS client context (trusted CAs) the connection is encrypted with.
    private let tls: TLSContext?
    /// Why the client cannot even try (a CA file that does not load): `start` reports it
    /// through `onFailure` as it would a refused connection.
    private let setupFailure: String?

    public init(host: String, port: Int, path: String, tls: TLSContext? = nil, failure: String? = nil) {
        self.host = "\(host):\(port)"
        self.path = path
        self.tls = tls
        setupFailure = failure
        key = Base64.encode(Digest.randomBytes(16))
    }

    /// Connects (from the local address `source`, when given) and performs the opening handshake.
    public func start(loop: EventLoop, host: String, port: Int, source: String? = nil) {
        if let setupFailure {
            state = .closed(code: nil)
            onFailure?(setupFailure)
            return
        }
        TCPConnection.connect(loop: loop, host: host, port: port, source: source) { [self] result in
            switch result {
            case .success(let tcp):
                connection = tcp
                tcp.handler = self
                state = .handshaking
                if let tls {
                    do {
                        tcp.startTLS(try TLSConnection(context: tls, serverName: host))
                    } catch {
                        state = .closed(code: nil)
                        onFailure?("\(error)")
                        tcp.close()
                        return
                    }
                }
                tcp.write(Array("GET \(path) HTTP/1.1\r\nHost: \(self.host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8))
            case .failure(let error):
                state = .closed(code: nil)
                onFailure?("\(error)")
            }
        }
    }

    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    public func send(text: [UInt8]) {
        connection?.write(WebSocketFrameEncoder.frame(.text, payload: text, maskKey: UInt32.random(in: 1...UInt32.max)))
    }

    public func send(binary: [UInt8]) {
        connection?.write(WebSocketFrameEncoder.frame(.binary, payload: binary, maskKey: UInt32.random(in: 1...UInt32.max)))
    }

    /// Sends a prepared masked frame (a benchmark reuses one frame for many sends).
    public func send(frame: SharedBytes) {
        connection?.write(frame)
    }

    public func close(code: UInt16 = 1000) {
        guard isOpen else {
            connection?.close()
            return
        }
        connection?.write(WebSocketFrameEncoder.frame(.close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)], maskKey: 0x1234_5678))
    }

    // MARK: TCPConnectionHandler

    public func connection(_ connection: TCPConnection, didRead bytes: UnsafeMutableRawBufferPointer) {
        var input = bytes
        if case .handshaking = state {
            handshakeBuffer.append(contentsOf: bytes)
            guard let end = handshakeBuffer.firstRange(of: [13, 10, 13, 10])?.upperBound else { return }
            let head = String(decoding: handshakeBuffer[0..<end], as: UTF8.self)
            guard head.hasPrefix("HTTP/1.1 101"), head.contains(WebSocketHandshake.acceptValue(forKey: key)) else {
                state = .closed(code: nil)
                onFailure?(String(decoding: handshakeBuffer, as: UTF8.self))
                connection.close()
                return
            }
            let consumedHere = bytes.count - (handshakeBuffer.count - end)
            input = UnsafeMutableRawBufferPointer(rebasing: bytes[consumedHere...])
            handshakeBuffer = []
            state = .open
            onOpen?()
        }
        guard case .open = state else { return }
        do {
            try decoder.decode(input) { event in
                switch event {
                case .text(let p): onText?(p)
                case .binary(let p): onBinary?(p)
                case .ping(let p):
                    connection.write(WebSocketFrameEncoder.frame(.pong, payload: Array(p), maskKey: 0x0BAD_F00D))
                case .pong:
                    break
                case .close(let code, _):
                    closeCode = code?.rawValue
                    connection.write(WebSocketFrameEncoder.frame(.close, payload: code.map { [UInt8($0.rawValue >> 8), UInt8($0.rawValue & 0xFF)] } ?? [], maskKey: 0x0BAD_F00D))
                    connection.closeAfterFlush()
                }
            }
        } catch {
            connection.close()
        }
    }

    public func connectionDidClose(_ connection: TCPConnection) {
        if case .handshaking = state, let failure = connection.tls?.failure {
            onFailure?(failure.message)
        }
        state = .closed(code: closeCode)
        self.connection = nil
        onClose?(closeCode)
        onText = nil
        onBinary = nil
        onOpen = nil
        onClose = nil
        onFailure = nil
    }
}
