import CSQLite
import Synchronization

#if _endian(big)
#error("vectors are stored as little-endian float32 blobs; add byte swapping for big-endian hosts")
#endif

/// The music catalog: one SQLite file holding tracks, their external ids and their vectors
/// per model. Thread-safe: every call takes the connection's lock, so the server, ingest workers
/// and commands can share one `Catalog`.
public final class Catalog: Sendable {
    /// The one connection. SQLite in NOMUTEX mode plus our own lock keeps statements of two
    /// threads from interleaving inside a transaction.
    private let lockedConnection: Mutex<SQLiteConnectionBox>
    public let path: String

    /// Where the server and the music commands keep the catalog unless told otherwise.
    public static let defaultPath = "data/wavedefect.sqlite"

    /// Opens (creating if needed) the catalog at `path` and brings its schema up to date.
    /// `":memory:"` gives a private in-memory catalog.
    ///
    /// `readOnly` is for commands that only look (`similar`): the file must exist and already
    /// have this build's schema; nothing is created, migrated or written, so a mistyped path
    /// is an error instead of a new empty catalog.
    public init(path: String, readOnly: Bool = false) throws {
        let connection = try SQLiteConnection(path: path, readOnly: readOnly)
        try connection.execute("PRAGMA foreign_keys = ON")
        if readOnly {
            let found = Int(try connection.scalarInt("PRAGMA user_version"))
            guard found <= Self.migrations.count else { throw CatalogError.schemaTooNew(found: found, known: Self.migrations.count) }
            guard found == Self.migrations.count else { throw CatalogError.schemaTooOld(found: found, known: Self.migrations.count) }
        } else {
            if path != ":memory:" {
                // WAL with synchronous=NORMAL: a commit is durable against a crash of the process
                // and costs no fsync (only checkpoints sync); with FULL, every ingested track would
                // wait for the disk and serialize the ingest workers behind it.
                try connection.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
            }
            try Self.migrate(connection)
        }
        self.path = path
        lockedConnection = Mutex(SQLiteConnectionBox(connection))
    }

    /// Runs `body` holding the connection lock.
    func locked<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try lockedConnection.withLock { box in
            defer { box.connection.resetCachedStatements() }
            return try body(box.connection)
        }
    }
}

/// The connection is only ever touched under `Catalog`'s mutex.
final class SQLiteConnectionBox: @unchecked Sendable {
    let connection: SQLiteConnection
    init(_ connection: SQLiteConnection) { self.connection = connection }
}
