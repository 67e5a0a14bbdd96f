import HTTPCore
import SwiftProtobuf

/// The two body encodings of Twirp, chosen by the request's `Content-Type`; the response
/// uses the request's. Errors are JSON either way (Twirp's spec).
enum TwirpEncoding {
    case json
    case protobuf

    init(contentType: String?) throws(TwirpError) {
        // A media type is case-insensitive and may carry parameters (`; charset=utf-8`).
        let type = (contentType ?? "").split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/json": self = .json
        case "application/protobuf": self = .protobuf
        default:
            throw .badRoute("unexpected Content-Type '\(contentType ?? "")': use application/json or application/protobuf")
        }
    }

    func response(_ body: [UInt8]) -> HTTPResponse {
        switch self {
        case .json: .json(.ok, body)
        case .protobuf: HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/protobuf")]), body: body)
        }
    }
}

/// A method's request and response messages, generated from LiveKit's .proto files
/// (`LiveKitProtocol`), to carry protobuf bodies. A protobuf request is decoded and handed to
/// the method in its canonical protojson form (proto field names), and the method's JSON
/// answer is read back into the response message and serialized. One handler per method thus
/// serves both encodings with one set of checks, and the two cannot drift apart; the extra
/// conversion costs microseconds on an admin call, never on the room's hot path.
struct TwirpMessages: Sendable {
    let requestJSON: @Sendable ([UInt8]) throws(TwirpError) -> [UInt8]
    let responseProtobuf: @Sendable ([UInt8]) throws(TwirpError) -> [UInt8]

    static func of<Request: Message, Response: Message>(_: Request.Type, _: Response.Type) -> TwirpMessages {
        TwirpMessages(
            requestJSON: { (bytes: [UInt8]) throws(TwirpError) -> [UInt8] in
                do {
                    let request = try Request(serializedBytes: bytes)
                    return try request.jsonUTF8Bytes(options: requestOptions)
                } catch {
                    throw .malformed("the body is not a protobuf \(Request.protoMessageName) message")
                }
            },
            responseProtobuf: { (json: [UInt8]) throws(TwirpError) -> [UInt8] in
                do {
                    return try Response(jsonUTF8Bytes: json, options: responseOptions).serializedBytes()
                } catch {
                    throw .internal("the response could not be encoded as \(Response.protoMessageName)")
                }
            }
        )
    }

    /// Proto field names, as the JSON handlers read them (they accept lowerCamelCase too).
    private static let requestOptions: JSONEncodingOptions = {
        var o = JSONEncodingOptions()
        o.preserveProtoFieldNames = true
        return o
    }()

    /// Our JSON may carry fields newer than the generated messages; those are left out.
    private static let responseOptions: JSONDecodingOptions = {
        var o = JSONDecodingOptions()
        o.ignoreUnknownFields = true
        return o
    }()
}
