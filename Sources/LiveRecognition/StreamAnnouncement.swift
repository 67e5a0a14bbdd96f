import Foundation
import AudioDecoding
import WireJSON

/// The `audio.control` payload that announces a participant's stream:
/// `{"format":"s16le","sample_rate":16000}` (mono 16-bit little-endian PCM),
/// `{"format":"webm"}` or `{"format":"ogg"}` (Opus in the container a browser's
/// `MediaRecorder` writes; a MIME type such as `audio/webm;codecs=opus` is read the same way).
public enum StreamAnnouncement {
    public static func parse(_ payload: [UInt8]) throws -> AudioStreamDecoder.Format {
        guard let json = try? JSONParser.parse(payload), json.objectValue != nil else {
            throw StreamAnnouncementError("audio.control must be a JSON object")
        }
        guard let format = json["format"]?.stringValue?.lowercased() else {
            throw StreamAnnouncementError("audio.control needs \"format\": \"s16le\", \"webm\" or \"ogg\"")
        }
        let kind = format.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? format
        switch kind {
        case "s16le", "pcm", "audio/pcm", "audio/l16":
            guard let rate = json["sample_rate"]?.doubleValue, rate == rate.rounded(), AudioStreamDecoder.pcmRates.contains(Int(rate)) else {
                throw StreamAnnouncementError("s16le needs an integer \"sample_rate\" in \(AudioStreamDecoder.pcmRates)")
            }
            if let channels = json["channels"]?.doubleValue, channels != 1 {
                throw StreamAnnouncementError("s16le streams are mono (\"channels\": 1)")
            }
            return .s16le(sampleRate: Int(rate))
        case "webm", "audio/webm", "video/webm", "matroska":
            return .webm
        case "ogg", "audio/ogg", "opus", "audio/opus":
            return .ogg
        default:
            throw StreamAnnouncementError("unknown format \"\(format)\" (s16le, webm or ogg)")
        }
    }
}

public struct StreamAnnouncementError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
