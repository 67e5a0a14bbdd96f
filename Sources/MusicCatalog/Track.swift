/// One piece of music in the catalog.
public struct Track: Sendable, Equatable {
    public var id: Int64
    public var title: String?
    public var artist: String?
    public var album: String?
    /// Absolute file path or URL the audio came from.
    public var source: String
    /// Seconds, as decoded (after any duration cap).
    public var duration: Double?
    /// Lower-case hex SHA-256 of the file's bytes: the same file under another name is the same
    /// track, and ingest skips it.
    public var contentHash: String?
    /// Identifiers in other services, keyed by service name ("spotify", "itunes", ...).
    public var externalIDs: [String: String]

    public init(
        id: Int64 = 0, title: String? = nil, artist: String? = nil, album: String? = nil, source: String,
        duration: Double? = nil, contentHash: String? = nil, externalIDs: [String: String] = [:]
    ) {
        self.id = id
        self.title = title
        self.artist = artist
        self.album = album
        self.source = source
        self.duration = duration
        self.contentHash = contentHash
        self.externalIDs = externalIDs
    }

    /// What to show a person: "Artist – Title", or the file name.
    public var displayName: String {
        switch (artist, title) {
        case let (artist?, title?): return "\(artist) – \(title)"
        case let (nil, title?): return title
        default: return String(source.split(separator: "/").last ?? Substring(source))
        }
    }
}

/// All vectors of one model, row-major, ready for `VectorIndex`.
public struct VectorTable: Sendable, Equatable {
    public var model: String
    public var dimension: Int
    public var ids: [Int64]
    /// `ids.count × dimension` floats; row `i` belongs to `ids[i]`.
    public var values: [Float]

    public init(model: String, dimension: Int, ids: [Int64] = [], values: [Float] = []) {
        precondition(values.count == ids.count * dimension)
        self.model = model
        self.dimension = dimension
        self.ids = ids
        self.values = values
    }

    public var count: Int { ids.count }

    public func row(_ i: Int) -> ArraySlice<Float> { values[(i * dimension)..<((i + 1) * dimension)] }
}
