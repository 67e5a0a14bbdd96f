import ClusterCore
import Foundation
import RedisClient
import TestSupport
import Testing

/// The synchronous connection the profile store uses off the loop, against a real
/// `redis-server`: set-up as the address says, binary arguments, errors that name Redis.
@Suite struct RedisBlockingConnectionTests {
    @Test func passwordDatabaseAndBinaryArguments() throws {
        let redis = try RedisServerProcess(extraArguments: ["--requirepass", "pa@ss"])
        let c = RedisBlockingConnection(address: try RedisAddress.parse("redis://:pa%40ss@127.0.0.1:\(redis.port)/2"), timeout: 2)
        let bytes: [UInt8] = [0, 10, 13, 255, 32]
        #expect(try c.command(bytes: [Array("SET".utf8), Array("k".utf8), bytes]) == .status("OK"))
        #expect(try c.command(["GET", "k"]) == .string(bytes))
        // SELECT 2 took effect: database 0 has no such key.
        #expect(try c.command(["SELECT", "0"]) == .status("OK"))
        #expect(try c.command(["GET", "k"]) == .null)
        do {
            _ = try c.command(["INCR", "nope", "extra"])
            Issue.record("a wrong command succeeded")
        } catch {
            #expect(error.isReply && error.message.contains("Redis at redis://127.0.0.1:\(redis.port)"), "\(error.message)")
        }
    }

    @Test func aWrongPasswordIsAReplyErrorWithoutThePassword() throws {
        let redis = try RedisServerProcess(extraArguments: ["--requirepass", "right"])
        let c = RedisBlockingConnection(address: try RedisAddress.parse("redis://:hunter2@127.0.0.1:\(redis.port)"), timeout: 2)
        do {
            _ = try c.command(["PING"])
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(error.isReply && error.message.contains("refused AUTH"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
        }
    }

    @Test func nothingListeningFailsWithinTheTimeout() throws {
        let c = RedisBlockingConnection(address: try RedisAddress.parse("redis://127.0.0.1:\(FreePort.next())"), timeout: 0.5)
        let started = Date()
        do {
            _ = try c.command(["PING"])
            Issue.record("a command without Redis succeeded")
        } catch {
            #expect(error.isUnavailable && error.message.contains("cannot reach Redis at redis://127.0.0.1:"), "\(error.message)")
        }
        #expect(Date().timeIntervalSince(started) < 2)
    }
}
