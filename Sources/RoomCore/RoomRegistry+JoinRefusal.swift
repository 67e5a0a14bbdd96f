import HTTPCore

extension RoomRegistry {
    /// Why a join is refused before the upgrade, with the HTTP status that says so.
    public struct JoinRefusal: HTTPResponseError, Sendable, Equatable {
        private enum Code: Sendable, Equatable {
            case invalidRoomName, identityTooLong, roomNotFound, roomFull
        }

        private let code: Code
        public let message: String

        private init(_ code: Code, _ message: String) {
            self.code = code
            self.message = message
        }

        public static let invalidRoomName = JoinRefusal(.invalidRoomName, "invalid room name in token")
        public static let identityTooLong = JoinRefusal(.identityTooLong, "identity longer than \(RoomRegistry.maxIdentityBytes) bytes")
        public static func roomNotFound(_ name: String) -> JoinRefusal { .init(.roomNotFound, "room '\(name)' does not exist") }
        public static func roomFull(_ name: String) -> JoinRefusal { .init(.roomFull, "room '\(name)' is full") }

        public var status: HTTPStatus {
            switch code {
            case .invalidRoomName, .identityTooLong: .badRequest
            case .roomNotFound: .notFound
            case .roomFull: .forbidden
            }
        }
    }
}
