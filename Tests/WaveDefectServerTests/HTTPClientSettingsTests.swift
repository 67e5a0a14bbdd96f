import Testing
@testable import WaveDefectServer

/// The `http_client` section: the one outgoing client's per-host limits, read from the config
/// file and handed to curl unchanged.
@Suite struct HTTPClientSettingsTests {
    func configuration(_ yaml: String) throws(ConfigurationError) -> ServerConfiguration {
        try .validated(yaml: yaml)
    }

    @Test func defaultsAndFileValuesReachTheClient() throws {
        let defaults = WaveDefectServer.httpClientConfiguration(ServerConfiguration().httpClient)
        #expect((defaults.maxRequestsPerHost, defaults.maxQueuedPerHost, defaults.maxConnections, defaults.maxResponseBodyBytes) == (16, 1024, 128, 4 << 20))
        let c = try configuration("http_client:\n  max_requests_per_host: 3\n  max_queued_per_host: 0\n  max_connections: 9\n  max_response_bytes: 65536\n")
        let client = WaveDefectServer.httpClientConfiguration(c.httpClient)
        #expect((client.maxRequestsPerHost, client.maxQueuedPerHost, client.maxConnections, client.maxResponseBodyBytes) == (3, 0, 9, 65536))
        #expect(client.userAgent.hasPrefix("WaveDefect/"))
    }

    @Test(arguments: [
        ("http_client:\n  max_requests_per_host: 0\n", "max_requests_per_host"),
        ("http_client:\n  max_queued_per_host: -1\n", "max_queued_per_host"),
        ("http_client:\n  max_response_bytes: 10\n", "max_response_bytes"),
        ("http_client:\n  max_connections: 200000\n", "http_client.max_connections"),
        ("http_client:\n  per_host: 3\n", "per_host"),
    ])
    func badValuesAreRefusedByName(_ yaml: String, _ named: String) {
        do {
            _ = try configuration(yaml)
            Issue.record("accepted \(yaml)")
        } catch {
            #expect(error.message.contains(named), "\(error.message)")
        }
    }
}
