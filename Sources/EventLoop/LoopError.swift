import CLibUV

/// A libuv call that failed, in the project's one error style. libuv's error numbers are
/// open-ended (they are the system's errno values), so, as `SQLiteError` does with SQLite's
/// result codes, the number stays private: callers ask the questions they need answered.
public struct LoopError: Error, Sendable, CustomStringConvertible {
    /// libuv's (negative) error number.
    private let code: Int32
    /// What was being done, naming the address when there is one ("listen on 0.0.0.0:7880").
    public let operation: String

    init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libuv's explanation of the error number ("address already in use").
    public var message: String { String(cString: uv_strerror(code)) }
    /// libuv's name for the error number (`EADDRINUSE`), stable for logs and tests.
    public var name: String { String(cString: uv_err_name(code)) }
    public var description: String { "\(operation): \(message)" }

    /// Another socket holds the address (a second server on the same port).
    public var isAddressInUse: Bool { code == UV_EADDRINUSE.rawValue }
    /// Nothing listens at the address connected to.
    public var isConnectionRefused: Bool { code == UV_ECONNREFUSED.rawValue }
}
