import Foundation

/// Expands the paths given to `ingest`: files as they are, directories recursively (files with
/// an audio extension only, hidden entries skipped), in a stable sorted order.
public enum AudioFileWalker {
    public static let audioExtensions: Set<String> = [
        "wav", "wave", "flac", "mp3", "m4a", "mp4", "aac", "ogg", "oga", "opus", "aif", "aiff", "aifc", "caf",
        "wma", "webm", "mka", "ac3", "ape", "wv",
    ]

    /// The audio files under `paths`, and the paths that do not exist.
    public static func expand(_ paths: [String]) -> (files: [String], missing: [String]) {
        var files: [String] = []
        var missing: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            guard isDirectory.boolValue else {
                files.append(absolute)
                continue
            }
            let root = URL(fileURLWithPath: absolute, isDirectory: true)
            guard let walker = fm.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            else { continue }
            var found: [String] = []
            for case let url as URL in walker {
                guard audioExtensions.contains(url.pathExtension.lowercased()),
                    (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
                else { continue }
                found.append(url.standardizedFileURL.path)
            }
            files.append(contentsOf: found.sorted())
        }
        var seen = Set<String>()
        return (files.filter { seen.insert($0).inserted }, missing)
    }
}
