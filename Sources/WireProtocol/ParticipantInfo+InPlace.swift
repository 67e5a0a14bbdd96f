import WireJSON

extension ParticipantInfo {
    /// A participant's JSON sized for writing in place: the same bytes as `json`
    /// (`write(to: inout JSONWriter)`), counted first so a presence or `joined` message can be
    /// written straight into the buffer its recipients share.
    public struct InPlace {
        let info: ParticipantInfo
        /// Sorted by key, as `writeAttributes` writes them; empty (no allocation) when there
        /// are none, the usual case.
        let attributes: [(key: String, value: String)]
        /// Bytes `write(to:)` writes.
        public let count: Int

        public init(_ info: ParticipantInfo) {
            self.info = info
            attributes = info.attributes.isEmpty ? [] : info.attributes.sorted { $0.key < $1.key }
            var n = #"{"sid":"#.utf8.count + JSONInPlaceWriter.quotedCount(info.sid)
                + #","identity":"#.utf8.count + JSONInPlaceWriter.quotedCount(info.identity)
                + #","name":"#.utf8.count + JSONInPlaceWriter.quotedCount(info.name)
                + #","metadata":"#.utf8.count + JSONInPlaceWriter.quotedCount(info.metadata)
                + #","attributes":{"#.utf8.count
            for (i, a) in attributes.enumerated() {
                n += (i > 0 ? 1 : 0) + JSONInPlaceWriter.quotedCount(a.key) + 1 + JSONInPlaceWriter.quotedCount(a.value)
            }
            n += #"},"kind":"#.utf8.count + JSONInPlaceWriter.quotedCount(info.kind.rawValue)
                + #","joined_at":"#.utf8.count + JSONInPlaceWriter.integerCount(info.joinedAtMilliseconds / 1000)
                + #","joined_at_ms":"#.utf8.count + JSONInPlaceWriter.integerCount(info.joinedAtMilliseconds) + 1
            count = n
        }

        public func write(to w: inout JSONInPlaceWriter) {
            w.raw(#"{"sid":"#); w.quoted(info.sid)
            w.raw(#","identity":"#); w.quoted(info.identity)
            w.raw(#","name":"#); w.quoted(info.name)
            w.raw(#","metadata":"#); w.quoted(info.metadata)
            w.raw(#","attributes":{"#)
            for (i, a) in attributes.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.quoted(a.key); w.byte(UInt8(ascii: ":")); w.quoted(a.value)
            }
            w.raw(#"},"kind":"#); w.quoted(info.kind.rawValue)
            w.raw(#","joined_at":"#); w.integer(info.joinedAtMilliseconds / 1000)
            w.raw(#","joined_at_ms":"#); w.integer(info.joinedAtMilliseconds)
            w.byte(UInt8(ascii: "}"))
        }
    }
}
