import CSQLite

/// An SQLite failure: the result code, SQLite's message and the statement that failed, as
/// GRDB's `DatabaseError` carries them. Callers ask questions (`isConstraintViolation`)
/// rather than comparing raw numbers.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, …) as SQLite returned it.
    private let code: Int32
    public let message: String
    public let sql: String?

    init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    init(code: Int32, connection: OpaquePointer?, sql: String? = nil) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
        self.init(code: code, message: message, sql: sql)
    }

    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …).
    public var resultCode: Int32 { code & 0xFF }
    /// The extended result code, which names the exact constraint or I/O failure.
    public var extendedResultCode: Int32 { code }

    /// A UNIQUE / PRIMARY KEY / FOREIGN KEY violation.
    public var isConstraintViolation: Bool { resultCode == SQLITE_CONSTRAINT }
    /// The database is locked by another connection.
    public var isBusy: Bool { resultCode == SQLITE_BUSY || resultCode == SQLITE_LOCKED }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " in `\($0)`" } ?? "")
    }
}
