import Logging

/// Wraps the log handler so that nothing a client sent can forge a log line or drive the
/// operator's terminal: control characters (CR, LF, ESC, the rest of C0, DEL, C1) in the
/// message and in metadata values are written as `\n`, `\r`, `\t` or `\u{1B}`. Identities
/// and names with control characters are refused at the token check already; this covers
/// everything else that reaches a log (paths, errors quoting input, reasons).
public struct EscapingLogHandler: LogHandler {
    public var inner: any LogHandler

    public init(_ inner: any LogHandler) {
        self.inner = inner
    }

    public func log(event: LogEvent) {
        var escaped = event
        escaped.message = Logger.Message(stringLiteral: Self.escape(event.message.description))
        escaped.metadata = event.metadata.map { $0.mapValues(Self.escape) }
        inner.log(event: escaped)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    static func escape(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let s): .string(escape(s))
        case .stringConvertible(let c): .string(escape(c.description))
        case .array(let a): .array(a.map(escape))
        case .dictionary(let d): .dictionary(d.mapValues(escape))
        }
    }

    /// The text with every control character spelled out; unchanged (and not copied) when it
    /// has none, which is nearly always.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out.append(contentsOf: #"\n"#.unicodeScalars)
            case "\r": out.append(contentsOf: #"\r"#.unicodeScalars)
            case "\t": out.append(contentsOf: #"\t"#.unicodeScalars)
            case _ where isControl(scalar):
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }
}
