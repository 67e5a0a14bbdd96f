import HTTPCore

extension WebSocketHandshake {
    /// Why an upgrade request breaks RFC 6455 §4.2.1, answered with an HTTP status before any
    /// WebSocket exists.
    public struct Refusal: HTTPResponseError, Sendable, Equatable {
        private enum Code: Sendable, Equatable {
            case methodNotGET, notHTTP11, notWebSocket, missingConnectionUpgrade, unsupportedVersion, missingKey, malformedKey
        }

        private let code: Code

        private init(_ code: Code) { self.code = code }

        static let methodNotGET = Refusal(.methodNotGET)
        static let notHTTP11 = Refusal(.notHTTP11)
        static let notWebSocket = Refusal(.notWebSocket)
        static let missingConnectionUpgrade = Refusal(.missingConnectionUpgrade)
        static let unsupportedVersion = Refusal(.unsupportedVersion)
        static let missingKey = Refusal(.missingKey)
        static let malformedKey = Refusal(.malformedKey)

        public var status: HTTPStatus {
            switch code {
            case .methodNotGET: .methodNotAllowed
            case .notWebSocket, .unsupportedVersion: .upgradeRequired
            case .notHTTP11, .missingConnectionUpgrade, .missingKey, .malformedKey: .badRequest
            }
        }

        public var message: String {
            switch code {
            case .methodNotGET: "WebSocket upgrade requires GET"
            case .notHTTP11: "WebSocket upgrade requires HTTP/1.1"
            case .notWebSocket: "this endpoint only speaks WebSocket"
            case .missingConnectionUpgrade: "missing 'Connection: Upgrade'"
            case .unsupportedVersion: "unsupported WebSocket version; this server speaks 13"
            case .missingKey: "missing Sec-WebSocket-Key"
            case .malformedKey: "Sec-WebSocket-Key must be 16 random bytes in base64"
            }
        }

        /// 405 names the method we take; 426 names the protocol and version we speak.
        public var headers: [(String, String)] {
            switch code {
            case .methodNotGET: [("Allow", "GET")]
            case .notWebSocket: [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")]
            case .unsupportedVersion: [("Sec-WebSocket-Version", "13")]
            default: []
            }
        }
    }
}
