import CSQLite

/// A prepared statement with 1-based binding and 0-based column reads, finalized on `deinit`.
///
/// It keeps the raw `sqlite3*` rather than its `SQLiteConnection`, because the connection owns
/// its cached statements: a strong reference back would be a cycle.
final class SQLiteStatement {
    private let database: OpaquePointer
    private let handle: OpaquePointer
    let sql: String

    init(connection: SQLiteConnection, sql: String, persistent: Bool = false) throws(SQLiteError) {
        var statement: OpaquePointer?
        // PERSISTENT tells SQLite the statement lives long (cached), so it allocates it where
        // long-lived memory belongs instead of from its lookaside buffers.
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let status = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw SQLiteError(code: status, connection: connection.handle, sql: sql)
        }
        self.database = connection.handle
        self.handle = statement
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Ends any row iteration in progress, so the statement holds no read transaction open
    /// between uses (bindings stay until the next `bind`).
    func reset() { sqlite3_reset(handle) }

    @discardableResult
    func bind(_ values: SQLiteValue...) throws(SQLiteError) -> SQLiteStatement {
        try bind(values)
    }

    @discardableResult
    func bind(_ values: [SQLiteValue]) throws(SQLiteError) -> SQLiteStatement {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(handle, index)
            case .integer(let v): status = sqlite3_bind_int64(handle, index, v)
            case .real(let v): status = sqlite3_bind_double(handle, index, v)
            case .text(let v): status = sqlite3_bind_text(handle, index, v, -1, wd_sqlite_transient())
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { raw in
                    // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
                    sqlite3_bind_blob(handle, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count), wd_sqlite_transient())
                }
            }
            guard status == SQLITE_OK else { throw SQLiteError(code: status, connection: database, sql: sql) }
        }
        return self
    }

    /// Advances to the next row; false when there are no more.
    func step() throws(SQLiteError) -> Bool {
        let status = sqlite3_step(handle)
        if status == SQLITE_ROW { return true }
        if status == SQLITE_DONE { return false }
        throw SQLiteError(code: status, connection: database, sql: sql)
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }

    /// Copies a blob column straight into `[Float]` (little-endian float32, the catalog format).
    func floats(_ column: Int32) -> [Float] {
        let count = Int(sqlite3_column_bytes(handle, column)) / 4
        guard count > 0, let raw = sqlite3_column_blob(handle, column) else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: raw, count: count * 4))
            initialized = count
        }
    }

    /// Copies a blob column into `[UInt64]` (little-endian, the fingerprint format).
    func uint64s(_ column: Int32) -> [UInt64] {
        let count = Int(sqlite3_column_bytes(handle, column)) / 8
        guard count > 0, let raw = sqlite3_column_blob(handle, column) else { return [] }
        return [UInt64](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: raw, count: count * 8))
            initialized = count
        }
    }

    func blobByteCount(_ column: Int32) -> Int { Int(sqlite3_column_bytes(handle, column)) }
}

/// A value bound to a statement parameter.
enum SQLiteValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    static func optional(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }
    static func optional(_ d: Double?) -> SQLiteValue { d.map { .real($0) } ?? .null }

    /// Float32 little-endian bytes: the storage format of every vector.
    static func vector(_ v: [Float]) -> SQLiteValue {
        .blob(v.withUnsafeBytes { Array($0) })
    }
}
