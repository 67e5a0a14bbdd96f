import AccessToken
import CryptoPrimitives
import HTTPCore
import WebSocketCore
import WireJSON
import WireProtocol

extension FuzzTarget {
    /// The server's frame decoder, fed the input whole and then in small pieces (the piece
    /// size taken from the first byte): both must give the same events and the same error,
    /// since TCP may cut a stream anywhere.
    static let webSocketDecoder = FuzzTarget("websocket", "WebSocketDecoder (server role), whole and in pieces") { input in
        let limits = WebSocketLimits(maxFrameSize: 1 << 16, maxMessageSize: 1 << 17)
        let whole = decodeEvents(Array(input), pieces: input.count, limits: limits)
        let piece = 1 + Int(input.first ?? 0) % 7
        let split = decodeEvents(Array(input), pieces: piece, limits: limits)
        precondition(whole == split, "WebSocketDecoder: whole \(whole) but in \(piece)-byte pieces \(split)")
    }

    /// The events a decoder reports for `bytes` given in pieces of `pieces` bytes, then the
    /// error that stopped it (if any).
    private static func decodeEvents(_ bytes: [UInt8], pieces: Int, limits: WebSocketLimits) -> [String] {
        var decoder = WebSocketDecoder(role: .server, limits: limits)
        var events: [String] = []
        var copy = bytes
        copy.withUnsafeMutableBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(all.count, offset + max(1, pieces))
                do throws(WebSocketError) {
                    try decoder.decode(UnsafeMutableRawBufferPointer(rebasing: all[offset..<end])) { event in
                        switch event {
                        case .text(let p): events.append("text \(Array(p))")
                        case .binary(let p): events.append("binary \(Array(p))")
                        case .ping(let p): events.append("ping \(Array(p))")
                        case .pong(let p): events.append("pong \(Array(p))")
                        case .close(let code, let reason): events.append("close \(String(describing: code?.rawValue)) \(Array(reason))")
                        }
                    }
                } catch {
                    events.append("error \(error.closeCode.rawValue)")
                    return
                }
                offset = end
            }
        }
        return events
    }

    /// The HTTP request parser as the server drives it: requests parsed one after another
    /// from the input, whole and again in pieces; both must see the same requests.
    static let httpRequestParser = FuzzTarget("http", "HTTPRequestParser, pipelined requests, whole and in pieces") { input in
        let limits = HTTPLimits(maxRequestLineBytes: 512, maxHeadBytes: 2048, maxHeaderCount: 16, maxBodyBytes: 4096)
        let whole = parseRequests(input, pieces: input.count, limits: limits)
        let piece = 1 + Int(input.first ?? 0) % 13
        let split = parseRequests(input, pieces: piece, limits: limits)
        precondition(whole == split, "HTTPRequestParser: whole \(whole) but in \(piece)-byte pieces \(split)")
    }

    private static func parseRequests(_ input: UnsafeRawBufferPointer, pieces: Int, limits: HTTPLimits) -> [String] {
        var parser = HTTPRequestParser(limits: limits)
        var seen: [String] = []
        var buffered: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + max(1, pieces))
            buffered += input[offset..<end]
            offset = end
            // As the server does: parse what is there until the parser wants more.
            while !buffered.isEmpty {
                let result: HTTPRequestParser.Result
                do {
                    result = try buffered.withUnsafeBytes { try parser.parse($0) }
                } catch let error as HTTPParseError {
                    seen.append("error \(error.status.code)")
                    return seen
                } catch {
                    preconditionFailure("HTTPRequestParser threw \(error)")
                }
                precondition(result.consumed <= buffered.count, "HTTPRequestParser consumed \(result.consumed) of \(buffered.count) bytes")
                buffered.removeFirst(result.consumed)
                if let r = result.request {
                    seen.append("\(r.method) \(r.target) \(r.body.count)")
                } else if result.consumed == 0 {
                    break
                }
            }
        }
        return seen
    }

    /// The JSON parser; a document it accepts is written back and must parse to the same value.
    static let json = FuzzTarget("json", "JSONParser (depth 64), and re-parsing what it accepted") { input in
        guard let value = try? JSONParser.parse(input) else { return }
        var w = JSONWriter()
        w.value(value)
        guard let again = try? JSONParser.parse(w.bytes) else {
            preconditionFailure("JSONWriter wrote what JSONParser refuses: \(String(decoding: w.bytes, as: UTF8.self))")
        }
        precondition(again == value, "JSON round trip changed \(value) into \(again)")
    }

    /// A client's text message, as a WebSocket session parses it.
    static let clientMessage = FuzzTarget("client-message", "ClientMessage.parse, and the request id of a refused one") { input in
        if (try? ClientMessage.parse(input)) == nil, let id = ClientMessage.idRange(in: input) {
            precondition(id.lowerBound >= 0 && id.upperBound <= input.count, "id range \(id) outside \(input.count) bytes")
        }
    }

    /// The token verifier given the input as a token.
    static let accessToken = FuzzTarget("access-token", "AccessTokenVerifier.verify on raw input") { input in
        let verifier = AccessTokenVerifier(keys: ["devkey": "secret"])
        _ = try? verifier.verifyJoin(String(decoding: input, as: UTF8.self), now: 1_700_000_000)
    }

    /// The token verifier past the signature: the input is split at its first NUL into a
    /// header and a claims document, both signed with the right key, so the claims parser is
    /// what gets fuzzed.
    static let signedAccessToken = FuzzTarget("access-token-signed", "AccessTokenVerifier on correctly signed fuzzed header and claims") { input in
        let bytes = Array(input)
        let cut = bytes.firstIndex(of: 0) ?? 0
        let header = cut == 0 ? Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8) : Array(bytes[..<cut])
        let claims = Array(bytes[(cut == 0 ? 0 : cut + 1)...])
        let signingInput = Base64.encode(header, urlSafe: true) + "." + Base64.encode(claims, urlSafe: true)
        let signature = Digest.hmacSHA256(key: Array("secret".utf8), data: Array(signingInput.utf8))
        let verifier = AccessTokenVerifier(keys: ["devkey": "secret"])
        _ = try? verifier.verifyJoin(signingInput + "." + Base64.encode(signature, urlSafe: true), now: 1_700_000_000)
    }
}
