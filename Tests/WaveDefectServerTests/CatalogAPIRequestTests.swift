import HTTPCore
import Testing

@testable import WaveDefectServer

/// The catalog API's route table and parameter rules, value by value.
@Suite struct CatalogAPIRequestTests {
    func parse(_ path: String, _ query: [(String, String)] = [], method: String = "GET") throws(CatalogAPIError) -> CatalogAPIRequest {
        try CatalogAPIRequest.parse(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) })
    }

    func refusal(_ path: String, _ query: [(String, String)] = [], method: String = "GET") -> CatalogAPIError? {
        do {
            _ = try parse(path, query, method: method)
            return nil
        } catch {
            return error
        }
    }

    @Test func routes() throws {
        #expect(try parse("/api/tracks", [("q", "beat it")]) == .search(query: "beat it", limit: 20))
        #expect(try parse("/api/tracks", [("q", "u2"), ("limit", "5")]) == .search(query: "u2", limit: 5))
        #expect(try parse("/api/tracks") == .list(after: 0, limit: 20))
        #expect(try parse("/api/tracks", [("after", "40"), ("limit", "100")]) == .list(after: 40, limit: 100))
        #expect(try parse("/api/tracks/7") == .track(id: 7))
        #expect(try parse("/api/tracks/7", method: "HEAD") == .track(id: 7))
        #expect(try parse("/api/tracks/7/similar") == .similar(id: 7, k: 10))
        #expect(try parse("/api/tracks/7/similar", [("k", "3")]) == .similar(id: 7, k: 3))
        #expect(try parse("/api/tracks/7/audio") == .audio(id: 7))
        // The last of repeated parameters counts, as in most frameworks.
        #expect(try parse("/api/tracks", [("q", "a"), ("q", "b")]) == .search(query: "b", limit: 20))
        #expect(CatalogAPIRequest.handles("/api/tracks") && CatalogAPIRequest.handles("/api/tracks/1"))
        #expect(!CatalogAPIRequest.handles("/api/tracksx") && !CatalogAPIRequest.handles("/api"))
    }

    @Test func badParametersAre400WithTheReason() {
        let cases: [(String, [(String, String)], String)] = [
            ("/api/tracks", [("q", "")], "q is empty; give the text to search for"),
            ("/api/tracks", [("q", "   ")], "q is empty; give the text to search for"),
            ("/api/tracks", [("q", String(repeating: "a", count: 257))], "q is 257 bytes; the limit is 256"),
            ("/api/tracks", [("q", "x"), ("limit", "0")], "limit must be an integer from 1 to 100, got '0'"),
            ("/api/tracks", [("limit", "101")], "limit must be an integer from 1 to 100, got '101'"),
            ("/api/tracks", [("limit", "ten")], "limit must be an integer from 1 to 100, got 'ten'"),
            ("/api/tracks", [("after", "-1")], "after must be a track id (a non-negative integer), got '-1'"),
            ("/api/tracks/0", [], "track id must be a positive integer, got '0'"),
            ("/api/tracks/abc", [], "track id must be a positive integer, got 'abc'"),
            ("/api/tracks/99999999999999999999", [], "track id must be a positive integer, got '99999999999999999999'"),
            ("/api/tracks/+5", [], "track id must be a positive integer, got '+5'"),
            ("/api/tracks/5/similar", [("k", "-2")], "k must be an integer from 1 to 100, got '-2'"),
        ]
        for (path, query, message) in cases {
            let error = refusal(path, query)
            #expect(error?.status == .badRequest, "\(path) \(query)")
            #expect(error?.message == message)
        }
    }

    @Test func unknownPathsAre404AndOtherMethods405() {
        #expect(refusal("/api/tracks/5/neighbours")?.status == .notFound)
        #expect(refusal("/api/tracks/5/similar/x")?.status == .notFound)
        #expect(refusal("/api/tracks/0/audio")?.status == .badRequest)
        #expect(refusal("/api/tracks/")?.status == .badRequest)  // an empty id
        let post = refusal("/api/tracks", method: "POST")
        #expect(post?.status == .methodNotAllowed)
        #expect(post?.response.headers.first("Allow") == "GET, HEAD")
    }

    @Test func errorsAnswerAsJSON() throws {
        let response = CatalogAPIError.notFound("no track with id 9").response
        #expect(response.status == .notFound)
        #expect(response.headers.first("Content-Type") == "application/json")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"error":"not_found","message":"no track with id 9"}"#)
    }

    @Test func limitsAreConfigurable() throws {
        let limits = CatalogAPIRequest.Limits(maxResults: 5, maxQueryBytes: 3)
        #expect(try CatalogAPIRequest.parse(method: "GET", path: "/api/tracks", query: [(name: "limit", value: "5")], limits: limits) == .list(after: 0, limit: 5))
        #expect(throws: CatalogAPIError.badParameter("limit must be an integer from 1 to 5, got '6'")) {
            try CatalogAPIRequest.parse(method: "GET", path: "/api/tracks", query: [(name: "limit", value: "6")], limits: limits)
        }
        #expect(throws: CatalogAPIError.badParameter("q is 4 bytes; the limit is 3")) {
            try CatalogAPIRequest.parse(method: "GET", path: "/api/tracks", query: [(name: "q", value: "abcd")], limits: limits)
        }
    }
}
