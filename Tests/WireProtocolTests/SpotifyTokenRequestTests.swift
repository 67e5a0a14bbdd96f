import Testing
import WireProtocol

/// `{"type":"spotify",…}`: what is accepted, the exact refusal for everything else, and that
/// the token never shows in a description.
@Suite struct SpotifyTokenRequestTests {
    private func parse(_ json: String) -> Result<ClientMessage, ProtocolError> {
        Array(json.utf8).withUnsafeBytes { b in Result { () throws(ProtocolError) in try ClientMessage.parse(b) } }
    }

    private func refusal(_ json: String) -> String? {
        if case .failure(let e) = parse(json) { return e.message }
        return nil
    }

    @Test func acceptsATokenAndItsLifetime() throws {
        guard case .spotify(let r) = try parse(#"{"type":"spotify","access_token":"BQD-x_1","expires_in":3600,"id":4}"#).get() else {
            Issue.record("not a spotify message")
            return
        }
        #expect(r.accessToken == "BQD-x_1")
        #expect(r.expiresIn == 3600)
        #expect(r.id == 66..<67)
        guard case .spotify(let f) = try parse(#"{"type":"spotify","access_token":"t","expires_in":0.5}"#).get() else { return }
        #expect(f.expiresIn == 0.5)
    }

    @Test func descriptionsRedactTheToken() throws {
        let message = try parse(#"{"type":"spotify","access_token":"SECRET123","expires_in":60}"#).get()
        #expect(!"\(message)".contains("SECRET123"))
        #expect(!String(reflecting: message).contains("SECRET123"))
    }

    @Test func refusals() {
        #expect(refusal(#"{"type":"spotify","expires_in":60}"#) == "spotify needs a non-empty 'access_token'")
        #expect(refusal(#"{"type":"spotify","access_token":"","expires_in":60}"#) == "spotify needs a non-empty 'access_token'")
        #expect(refusal(#"{"type":"spotify","access_token":5,"expires_in":60}"#) == "'access_token' must be a string")
        #expect(refusal(#"{"type":"spotify","access_token":"a b","expires_in":60}"#) == "'access_token' must be visible ASCII characters")
        #expect(refusal(#"{"type":"spotify","access_token":"a\r\nX: y","expires_in":60}"#) == "'access_token' must be visible ASCII characters")
        #expect(refusal(#"{"type":"spotify","access_token":"\#(String(repeating: "a", count: 2049))","expires_in":60}"#) == "'access_token' longer than 2048 bytes")
        #expect(refusal(#"{"type":"spotify","access_token":"a"}"#) == "spotify needs 'expires_in'")
        #expect(refusal(#"{"type":"spotify","access_token":"a","expires_in":0}"#) == "'expires_in' must be a number of seconds in (0, 86400]")
        #expect(refusal(#"{"type":"spotify","access_token":"a","expires_in":"60"}"#) == "'expires_in' must be a number of seconds in (0, 86400]")
        #expect(refusal(#"{"type":"spotify","access_token":"a","expires_in":86401}"#) == "'expires_in' must be a number of seconds in (0, 86400]")
    }
}
