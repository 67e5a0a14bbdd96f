import CSQLite

extension Catalog {
    /// A model of vectors: its name and fixed dimension.
    public struct Model: Sendable, Equatable {
        public var name: String
        public var dimension: Int
        public var description: String?
        public var vectorCount: Int
    }

    /// Declares a model, or checks that an existing one has this dimension.
    public func registerModel(_ name: String, dimension: Int, description: String? = nil) throws {
        try locked { db in try Self.registerModel(db, name, dimension: dimension, description: description) }
    }

    /// Stores (or replaces) the vector of one track under `model`, registering the model with
    /// the vector's dimension if it is new.
    public func setVector(_ vector: [Float], trackID: Int64, model: String) throws {
        try locked { db in
            try db.transaction {
                guard try Self.trackExists(db, trackID) else { throw CatalogError.unknownTrack(trackID) }
                try Self.writeVector(db, trackID: trackID, vector: vector, model: model)
            }
        }
    }

    public func vector(trackID: Int64, model: String) throws -> [Float]? {
        try locked { db in
            let select = try db.cachedStatement("SELECT vector FROM vectors WHERE model = ? AND track_id = ?")
                .bind(.text(model), .integer(trackID))
            return try select.step() ? select.floats(0) : nil
        }
    }

    /// Every vector of `model` of a track id above `after`, ordered by track id; nil when the
    /// model is unknown. (Track ids grow: `after` the largest one known reads what was added.)
    public func vectors(model: String, after: Int64 = .min) throws -> VectorTable? {
        try locked { db in
            guard let dimension = try Self.dimension(db, model) else { return nil }
            let select = try db.cachedStatement("SELECT track_id, vector FROM vectors WHERE model = ? AND track_id > ? ORDER BY track_id")
                .bind(.text(model), .integer(after))
            var table = VectorTable(model: model, dimension: dimension)
            while try select.step() {
                // Rows were validated on write; a blob of another size means outside tampering.
                guard select.blobByteCount(1) == dimension * 4 else {
                    throw CatalogError.dimensionMismatch(model: model, expected: dimension, got: select.blobByteCount(1) / 4)
                }
                table.ids.append(select.int64(0))
                table.values.append(contentsOf: select.floats(1))
            }
            return table
        }
    }

    /// What `model`'s vectors are, in one cheap read (the primary key's range): how many, the
    /// largest track id and the sum of the ids. Another process's insert or delete changes it;
    /// a vector replaced in place does not.
    public struct VectorSummary: Sendable, Equatable {
        public var count: Int
        public var maxTrackID: Int64
        public var idSum: Int64

        public init(count: Int, maxTrackID: Int64, idSum: Int64) {
            self.count = count
            self.maxTrackID = maxTrackID
            self.idSum = idSum
        }
    }

    public func vectorSummary(model: String) throws -> VectorSummary {
        try locked { db in
            let select = try db.cachedStatement("SELECT count(*), coalesce(max(track_id), 0), total(track_id) FROM vectors WHERE model = ?")
                .bind(.text(model))
            _ = try select.step()
            return VectorSummary(count: Int(select.int64(0)), maxTrackID: select.int64(1), idSum: Int64(select.double(2)))
        }
    }

    public func models() throws -> [Model] {
        try locked { db in
            let select = try db.cachedStatement(
                "SELECT name, dimension, description, (SELECT count(*) FROM vectors v WHERE v.model = m.name) FROM models m ORDER BY name")
            var models: [Model] = []
            while try select.step() {
                models.append(
                    Model(name: select.string(0) ?? "", dimension: Int(select.int64(1)), description: select.string(2),
                          vectorCount: Int(select.int64(3))))
            }
            return models
        }
    }

    /// Stores many vectors of one model in one transaction: all or none. Every id must be a
    /// track of the catalog; `values` is row-major `ids.count × dimension`.
    public func importVectors(_ table: VectorTable, description: String? = nil) throws {
        try locked { db in
            try db.transaction {
                try Self.registerModel(db, table.model, dimension: table.dimension, description: description)
                let exists = try db.cachedStatement("SELECT 1 FROM tracks WHERE id = ?")
                let upsert = try db.cachedStatement(
                    "INSERT INTO vectors (track_id, model, vector) VALUES (?, ?, ?) "
                        + "ON CONFLICT (model, track_id) DO UPDATE SET vector = excluded.vector")
                for (i, id) in table.ids.enumerated() {
                    guard try exists.bind(.integer(id)).step() else { throw CatalogError.unknownTrack(id) }
                    let row = Array(table.row(i))
                    guard row.allSatisfy(\.isFinite) else { throw CatalogError.nonFiniteVector(trackID: id) }
                    try upsert.bind(.integer(id), .text(table.model), .vector(row)).run()
                }
            }
        }
    }

    static func writeVector(_ db: SQLiteConnection, trackID: Int64, vector: [Float], model: String) throws {
        guard vector.allSatisfy(\.isFinite) else { throw CatalogError.nonFiniteVector(trackID: trackID) }
        try registerModel(db, model, dimension: vector.count, description: nil)
        try db.cachedStatement(
            "INSERT INTO vectors (track_id, model, vector) VALUES (?, ?, ?) "
                + "ON CONFLICT (model, track_id) DO UPDATE SET vector = excluded.vector"
        ).bind(.integer(trackID), .text(model), .vector(vector)).run()
    }

    static func dimension(_ db: SQLiteConnection, _ model: String) throws -> Int? {
        let select = try db.cachedStatement("SELECT dimension FROM models WHERE name = ?").bind(.text(model))
        return try select.step() ? Int(select.int64(0)) : nil
    }

    static func registerModel(_ db: SQLiteConnection, _ name: String, dimension: Int, description: String?) throws {
        guard isValidModelName(name) else { throw CatalogError.invalidModelName(name) }
        if let existing = try self.dimension(db, name) {
            guard existing == dimension else {
                throw CatalogError.dimensionMismatch(model: name, expected: existing, got: dimension)
            }
            return
        }
        guard dimension > 0 else { throw CatalogError.dimensionMismatch(model: name, expected: 1, got: dimension) }
        try db.cachedStatement("INSERT INTO models (name, dimension, description) VALUES (?, ?, ?)")
            .bind(.text(name), .integer(Int64(dimension)), .optional(description)).run()
    }

    static func isValidModelName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F
                    || c == 0x2D
            }
    }
}
