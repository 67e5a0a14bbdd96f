import Testing
@testable import HTTPCore

/// The one reason-phrase table: every status the server sends goes out with RFC 9110's words.
@Suite struct HTTPStatusTests {
    @Test(arguments: [
        (101, "Switching Protocols"), (200, "OK"), (201, "Created"), (204, "No Content"), (206, "Partial Content"), (304, "Not Modified"),
        (400, "Bad Request"), (401, "Unauthorized"), (403, "Forbidden"), (404, "Not Found"),
        (405, "Method Not Allowed"), (408, "Request Timeout"), (409, "Conflict"), (412, "Precondition Failed"),
        (413, "Content Too Large"), (414, "URI Too Long"), (415, "Unsupported Media Type"), (416, "Range Not Satisfiable"), (426, "Upgrade Required"),
        (429, "Too Many Requests"), (431, "Request Header Fields Too Large"), (500, "Internal Server Error"),
        (501, "Not Implemented"), (503, "Service Unavailable"), (505, "HTTP Version Not Supported"),
    ])
    func reasonPhrases(_ code: Int, _ reason: String) {
        #expect(HTTPStatus(code).reason == reason)
        #expect(HTTPStatus.reasonPhrase(for: code) == reason)
    }

    @Test func unnamedCodesGetTheirClassPhrase() {
        #expect(HTTPStatus(299).reason == "Success")
        #expect(HTTPStatus(418).reason == "Client Error")
        #expect(HTTPStatus(599).reason == "Server Error")
    }

    @Test func statusLineUsesTheTable() {
        let bytes = HTTPResponse.text(.contentTooLarge, "too big").serialized(keepAlive: false)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 413 Content Too Large\r\n"))
    }

    @Test func parseErrorsAreAnsweredWithTheirStatusAndMessage() {
        let error = HTTPParseError.bodyTooLarge(10)
        let response = error.response
        #expect(response.status == .contentTooLarge)
        #expect(String(decoding: response.body, as: UTF8.self) == "body larger than 10 bytes\n")
        #expect(response.headers.first("Content-Type") == "text/plain; charset=utf-8")
        #expect(error.description == "413 body larger than 10 bytes")
    }
}
