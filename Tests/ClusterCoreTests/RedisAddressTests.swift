import ClusterCore
import Testing

@Suite struct RedisAddressTests {
    @Test func hostAndPort() throws {
        let a = try RedisAddress.parse("redis://127.0.0.1:6390")
        #expect(a == RedisAddress(host: "127.0.0.1", port: 6390))
        #expect(a.description == "redis://127.0.0.1:6390")
    }

    @Test func portDefaultsTo6379() throws {
        #expect(try RedisAddress.parse("redis://cache.internal").port == 6379)
        #expect(try RedisAddress.parse("redis://cache.internal/").database == 0)
    }

    @Test func passwordAndDatabase() throws {
        let a = try RedisAddress.parse("redis://:s3cret@10.0.0.5:6380/2")
        #expect(a == RedisAddress(host: "10.0.0.5", port: 6380, password: "s3cret", database: 2))
        // Logged as it is: no password in the description.
        #expect(a.description == "redis://10.0.0.5:6380/2")
        #expect(!a.description.contains("s3cret"))
    }

    @Test func passwordWithoutColonAndUser() throws {
        #expect(try RedisAddress.parse("redis://pw@h:1").password == "pw")
        let a = try RedisAddress.parse("redis://alice:pw@h:1")
        #expect(a.username == "alice")
        #expect(a.password == "pw")
    }

    @Test func percentEncodedPasswordAndLastAt() throws {
        #expect(try RedisAddress.parse("redis://:p%40ss%3Aw@h:1").password == "p@ss:w")
        #expect(try RedisAddress.parse("redis://:a@b@h:1").password == "a@b")
    }

    @Test func ipv6() throws {
        let a = try RedisAddress.parse("redis://[::1]:7000/1")
        #expect(a.host == "::1")
        #expect(a.port == 7000)
        #expect(a.description == "redis://[::1]:7000/1")
        #expect(try RedisAddress.parse("redis://[::1]").port == 6379)
    }

    @Test func rediss() throws {
        #expect(try RedisAddress.parse("rediss://h:1").tls)
        #expect(try !RedisAddress.parse("redis://h:1").tls)
    }

    @Test(arguments: [
        ("http://h:1", "must start with redis://"),
        ("redis://", "no host"),
        ("redis://:pw@", "no host"),
        ("redis://h:0", "port '0' is not in 1...65535"),
        ("redis://h:65536", "port '65536' is not in 1...65535"),
        ("redis://h:", "port '' is not in 1...65535"),
        ("redis://h:x1", "port 'x1' is not in 1...65535"),
        ("redis://h:1/x", "database 'x' is not a number ≥ 0"),
        ("redis://h:1/-1", "database '-1' is not a number ≥ 0"),
        ("redis://[::1:1", "IPv6 host lacks its closing ']'"),
        ("redis://[::1]x", "unexpected 'x' after the IPv6 host"),
        ("redis://h h:1", "host 'h h' has characters a host name cannot have"),
        ("redis://:@h:1", "empty password before '@'"),
        ("redis://:p%4@h:1", "password has a '%' not followed by two hex digits"),
        ("redis://h:1/0?x=1", "query strings and fragments are not supported"),
    ])
    func refused(url: String, message: String) {
        #expect(throws: RedisAddressError.self) { try RedisAddress.parse(url) }
        do {
            _ = try RedisAddress.parse(url)
        } catch {
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    @Test func errorsNeverEchoThePassword() {
        do {
            _ = try RedisAddress.parse("redis://:hunter2@h:99999")
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("hunter2"))
        }
    }
}
