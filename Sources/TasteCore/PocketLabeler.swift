/// Names a pocket after what sets it apart: the album (or demo style), artist or title stem
/// most common inside it, preferring the field whose top value is more frequent in the pocket
/// than in everything being compared. "WaveDefect Demo Band" is every demo track's artist, so
/// it never labels a demo pocket; "Bossa Nova" does.
struct PocketLabeler {
    let all: [TrackInfo]

    func label(_ pocket: [TrackInfo]) -> String {
        let fields: [(TrackInfo) -> String] = [\.album, \.artist, { Self.titleStem($0.title) }]
        var best: (score: Double, label: String)?
        for (rank, field) in fields.enumerated() {
            let counts = Self.counts(pocket.map(field))
            guard let top = counts.first else { continue }
            let inPocket = Double(top.count) / Double(pocket.count)
            let overall = Double(all.filter { field($0) == top.value }.count) / Double(max(1, all.count))
            // Distinctiveness first; among equals, the earlier field (album before artist).
            let score = (inPocket - overall) * 10 + inPocket - Double(rank) * 0.01
            var label = top.value
            if counts.count > 1, Double(counts[1].count) / Double(pocket.count) >= 0.25 {
                label += " / " + counts[1].value
            }
            if best == nil || score > best!.score { best = (score, label) }
        }
        return best?.label ?? "tracks"
    }

    /// Non-empty values by descending count, ties alphabetical.
    static func counts(_ values: [String]) -> [(value: String, count: Int)] {
        var c: [String: Int] = [:]
        for v in values where !v.isEmpty { c[v, default: 0] += 1 }
        return c.map { (value: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
    }

    /// "Bossa Nova 3" → "Bossa Nova": numbered variants of one piece share a stem.
    static func titleStem(_ title: String) -> String {
        var s = Substring(title)
        while let last = s.last, last.isNumber || last == " " || last == "#" || last == "-" { s = s.dropLast() }
        return String(s)
    }
}
