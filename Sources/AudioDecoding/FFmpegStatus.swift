import CFFmpeg

/// FFmpeg's negative status codes (`AVERROR(…)`), as the words `av_strerror` gives them. Not
/// an error type of its own: the words go into the `AudioDecodingError` that says what failed.
enum FFmpegStatus {
    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        av_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
