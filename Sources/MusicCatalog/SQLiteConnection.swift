import CSQLite

/// A thin owner of one `sqlite3*`: open, execute, prepare, transactions. Not thread-safe by
/// itself; `Catalog` serializes access to it behind a mutex.
///
/// Statements run again and again (every catalog call) are prepared once and cached by their
/// SQL, as GRDB's `cachedStatement(sql:)` does: parsing and planning a statement costs more
/// than running most of ours.
final class SQLiteConnection {
    let handle: OpaquePointer
    private var statementCache: [String: SQLiteStatement] = [:]
    /// Cached statements handed out since the last `resetCachedStatements()`.
    private var statementsInUse: [SQLiteStatement] = []

    /// Opens `path`; `readOnly` never creates or writes the file (a missing file is an error,
    /// `SQLITE_CANTOPEN`).
    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        var db: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let error = SQLiteError(code: status, connection: db)
            sqlite3_close_v2(db)
            throw error
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        statementCache.removeAll()
        statementsInUse.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        guard status == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(message)
            throw SQLiteError(code: status, message: text, sql: sql)
        }
    }

    /// A statement of its own, finalized when released: for SQL built at run time.
    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// The cached statement for `sql`, prepared on first use. The caller binds and steps it;
    /// `resetCachedStatements()` (run after every `Catalog` call) ends what was left mid-row.
    func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        let statement: SQLiteStatement
        if let cached = statementCache[sql] {
            statement = cached
        } else {
            statement = try SQLiteStatement(connection: self, sql: sql, persistent: true)
            statementCache[sql] = statement
        }
        statementsInUse.append(statement)
        return statement
    }

    /// Resets every cached statement used since the last call, so none keeps a read
    /// transaction (and with it an old WAL snapshot) open while the connection is idle.
    func resetCachedStatements() {
        for statement in statementsInUse { statement.reset() }
        statementsInUse.removeAll(keepingCapacity: true)
    }

    var cachedStatementCount: Int { statementCache.count }

    /// Runs `body` in a transaction; any error rolls everything back.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    func scalarInt(_ sql: String) throws(SQLiteError) -> Int64 {
        let statement = try cachedStatement(sql)
        guard try statement.bind([]).step() else { return 0 }
        return statement.int64(0)
    }
}
