import Foundation

/// The text normalization and similarity that matching tracks by title and artist is built on:
/// the iTunes match rule (docs/itunes.md), Spotify top tracks against the catalog, and profile
/// entries given by title (`TrackTextMatcher`, docs/agents.md).
/// Both sides of a comparison go through the same folding, so "Beyoncé" and "BEYONCE" or
/// "Song (Remastered 2011)" and "Song - 2011 Remaster" compare equal.
public enum MatchText {
    /// Words that mark a " - …" title suffix as a decoration of the same recording's name
    /// rather than part of the title ("Song - Remastered 2011", "Song - Radio Edit").
    static let decorationWords: Set<String> = [
        "remaster", "remastered", "live", "version", "edit", "mix", "remix", "mono", "stereo", "demo", "acoustic",
        "radio", "single", "bonus", "deluxe", "explicit", "clean", "instrumental", "original", "extended",
    ]

    /// Lowercase, diacritics folded, bracketed parts dropped, a decorated " - …" suffix and a
    /// "feat." credit cut off, "&" read as "and", punctuation as space, spaces collapsed.
    public static func normalizeTitle(_ s: String) -> String {
        var text = fold(s)
        text = dropBracketed(text)
        if let dash = text.range(of: " - ") {
            let suffix = words(String(text[dash.upperBound...]))
            if suffix.contains(where: decorationWords.contains) { text = String(text[..<dash.lowerBound]) }
        }
        return finish(cutFeaturing(text))
    }

    /// As `normalizeTitle` without the suffix rule, and a leading "the " dropped ("The
    /// Beatles" is "Beatles" on some services).
    public static func normalizeArtist(_ s: String) -> String {
        var text = finish(cutFeaturing(dropBracketed(fold(s))))
        if text.hasPrefix("the ") { text.removeFirst(4) }
        return text
    }

    /// Sørensen–Dice coefficient of the two strings' character bigrams (as multisets): 1 for
    /// equal strings, 0 when they share no bigram or either is empty. Strings of one
    /// character have no bigram and only match by equality.
    public static func similarity(_ a: String, _ b: String) -> Double {
        if a == b { return a.isEmpty ? 0 : 1 }
        let x = bigrams(a), y = bigrams(b)
        guard !x.isEmpty, !y.isEmpty else { return 0 }
        var counts: [UInt64: Int] = [:]
        for g in x { counts[g, default: 0] += 1 }
        var shared = 0
        for g in y where (counts[g] ?? 0) > 0 {
            counts[g]! -= 1
            shared += 1
        }
        return 2 * Double(shared) / Double(x.count + y.count)
    }

    /// Whether `needle`'s words appear in `haystack` as a run of whole words ("daft punk" in
    /// "daft punk and pharrell williams", not "punk" in "punks").
    public static func containsWords(_ haystack: String, _ needle: String) -> Bool {
        guard !needle.isEmpty else { return false }
        return (" " + haystack + " ").contains(" " + needle + " ")
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    static func dropBracketed(_ s: String) -> String {
        var out = ""
        var depth = 0
        for c in s {
            switch c {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth = max(0, depth - 1)
            default: if depth == 0 { out.append(c) }
            }
        }
        return out
    }

    static func cutFeaturing(_ s: String) -> String {
        var text = s
        for marker in [" feat. ", " feat ", " ft. ", " ft ", " featuring "] {
            if let r = text.range(of: marker) { text = String(text[..<r.lowerBound]) }
        }
        return text
    }

    static func finish(_ s: String) -> String {
        words(s.replacingOccurrences(of: "&", with: " and ")).joined(separator: " ")
    }

    static func words(_ s: String) -> [String] {
        s.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    private static func bigrams(_ s: String) -> [UInt64] {
        let scalars = Array(s.unicodeScalars)
        guard scalars.count >= 2 else { return [] }
        return (0..<(scalars.count - 1)).map { UInt64(scalars[$0].value) << 32 | UInt64(scalars[$0 + 1].value) }
    }
}
