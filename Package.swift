// swift-tools-version:6.0
import PackageDescription

/// One `.systemLibrary` target per C library the product is built on. Each names its
/// pkg-config module and the Debian package that provides it.
let systemLibraries: [Target] = [
    .systemLibrary(name: "CLibUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
    .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
    .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
    .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
    .systemLibrary(
        name: "CFFmpeg",
        pkgConfig: "libavformat libavcodec libswresample libavutil",
        providers: [.apt(["libavcodec-dev", "libavformat-dev", "libswresample-dev", "libavutil-dev"])]
    ),
    .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
    // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning on
    // every build; the headers are under /usr/include/hiredis and the module map links -lhiredis.
    .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
]

/// The numeric cores (MFCC, vector search, sample conversion, the demo synthesizer) are hot
/// loops; debug builds keep them fast enough for the test suite (and the 288-track demo catalog
/// the server builds on start) by optimizing these targets even there (bounds checks stay on).
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]

/// The write path (event loop, server, rooms) runs once per recipient per message. Release
/// builds of these targets skip the runtime exclusivity check on class properties, which
/// profiling showed as a tenth of the server's user-space time in fan-out (issue 7); debug
/// builds, and so the test suite, keep it.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let swiftProtobuf: Target.Dependency = .product(name: "SwiftProtobuf", package: "swift-protobuf")

let package = Package(
    name: "WaveDefect",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wavedefect", targets: ["wavedefect"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // LiveKit's Twirp services speak protobuf: the runtime library only (the code generator
        // is run by scripts/gen-protos.sh, outside the build).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: systemLibraries + [
        // Pure cores: no I/O, tested byte by byte.
        .target(name: "ByteStorage"),
        .target(name: "SystemClock"),
        .target(name: "WireJSON", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "HTTPCore"),
        .target(name: "CryptoPrimitives", dependencies: ["COpenSSL"]),
        // TLS as a state machine over memory BIOs (OpenSSL): the loop feeds and drains it.
        .target(name: "TLSCore", dependencies: ["ByteStorage", "COpenSSL"]),
        .target(name: "WebSocketCore", dependencies: ["SystemClock", "ByteStorage", "HTTPCore", "CryptoPrimitives"]),
        .target(name: "AccessToken", dependencies: ["CryptoPrimitives", "HTTPCore", "WireJSON"]),
        .target(name: "WireProtocol", dependencies: ["ByteStorage", "WireJSON", "WebSocketCore"]),
        .target(name: "RoomCore", dependencies: ["SystemClock", "ByteStorage", "HTTPCore", "WireJSON", "WireProtocol"], swiftSettings: hotPath),
        .target(name: "AgentKit", dependencies: ["WireJSON"]),
        // Spotify Web API (issue 9): the polling state machine and the documented JSON shapes.
        .target(name: "SpotifyCore", dependencies: ["HTTPCore", "WireJSON"]),
        // YouTube Data API v3 search for a track's video (issue 9 item 4): URL, answer, cache
        // rule, when to stop asking.
        .target(name: "YouTubeCore", dependencies: ["HTTPCore", "WireJSON"]),
        // iTunes Search API (issue 9): search URLs, the documented answer, the match rule, the
        // paced lookup queue.
        .target(name: "ITunesCore", dependencies: ["HTTPCore", "TrackText", "WireJSON"]),
        // The text folding and similarity that telling tracks apart by title and artist is
        // built on: the iTunes match rule, Spotify top tracks, profile entries by title.
        .target(name: "TrackText"),

        // The libuv layer: carries out what the pure cores decide.
        .target(name: "EventLoop", dependencies: ["SystemClock", "ByteStorage", "CLibUV", "TLSCore", logging], swiftSettings: hotPath),
        // The one HTTP client: curl multi driven from the loop (webhooks, later Spotify).
        .target(name: "HTTPClient", dependencies: ["EventLoop", "CCurl", "CLibUV"]),
        // Several nodes on one Redis (issue 13, docs/cluster.md): the rules (addresses, keys,
        // leases) as a pure core, and hiredis driven by the loop through its libuv adapter.
        .target(name: "ClusterCore", dependencies: ["WireJSON"]),
        .target(name: "RedisClient", dependencies: ["CHiredis", "CLibUV", "ClusterCore", "EventLoop", "HTTPCore", logging]),

        .target(name: "LoopWebSocketClient", dependencies: ["ByteStorage", "CryptoPrimitives", "EventLoop", "TLSCore", "WebSocketCore"]),
        // Agents on a loop: supervision off the loop thread, bots and workers over WebSockets.
        .target(name: "AgentRuntime", dependencies: ["SystemClock", "AgentKit", "EventLoop", "WireJSON", "WireProtocol", logging]),
        .target(
            name: "AgentClient",
            dependencies: ["SystemClock", "AccessToken", "AgentKit", "AgentRuntime", "CryptoPrimitives", "EventLoop", "LoopWebSocketClient", "TLSCore", "WireJSON", logging]
        ),
        // Every benchmark (`wavedefect bench …`): server load generators and the music library's.
        .target(
            name: "WaveDefectBench",
            dependencies: [
                "SystemClock", "AccessToken", "ByteStorage", "EventLoop", "LoopWebSocketClient", "TLSCore", "WebSocketCore", "WireJSON",
                "DemoAudio", "MusicCatalog", "MusicCommands", "MusicIndex", "MusicIngest", "NumericCore", "TasteCore", "VectorSearch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // LiveKit's protobuf messages, generated from its .proto files by scripts/gen-protos.sh.
        .target(name: "LiveKitProtocol", dependencies: [swiftProtobuf]),

        // The server: HTTP routing, WebSocket sessions, rooms on the loop.
        .target(
            name: "WaveDefectServer",
            dependencies: [
                "AccessToken", "AgentKit", "AgentRuntime", "ByteStorage", "ClusterCore", "CryptoPrimitives", "EventLoop", "RedisClient", "HTTPClient", "HTTPCore", "ITunesClient", "ITunesCore", "LiveKitProtocol",
                "MusicAgents", "MusicCatalog", "MusicRecognition", "TasteCore", "MusicIndex", "RoomCore", "SpotifyCore", "SystemClock", "TrackText", "WebSocketCore", "WireJSON", "WireProtocol", "YouTubeCore",
                "CLibUV", logging, swiftProtobuf, .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: hotPath
        ),

        // Music index (issue 4). Pure cores first, then the thin C layers, then the glue.
        // Numeric pieces more than one core needs (SIMD dot product, column mean/std, SplitMix64).
        .target(name: "NumericCore", swiftSettings: optimized),
        .target(name: "AudioFeatures", dependencies: ["CFFTW", "NumericCore"], swiftSettings: optimized),
        // Landmark fingerprints (issue 11): peaks, hashes, the inverted index, the chance model.
        .target(name: "FingerprintCore", dependencies: ["AudioFeatures"], swiftSettings: optimized),
        .target(name: "CVectorKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "VectorSearch", dependencies: ["CVectorKernels", "NumericCore"], swiftSettings: optimized),
        .target(name: "DemoAudio", dependencies: ["NumericCore"], swiftSettings: optimized),
        .target(name: "AudioDecoding", dependencies: ["CFFmpeg"], swiftSettings: optimized),
        .target(name: "MusicCatalog", dependencies: ["CSQLite", "WireJSON"]),
        // Taste comparison and recommendations (issue 8): pure maths over the index's vectors.
        .target(name: "TasteCore", dependencies: ["TrackText", "VectorSearch", "WireJSON"], swiftSettings: optimized),
        // The live vector index over the catalog: all the server needs to search. It links
        // neither the decoder (FFmpeg) nor the DSP (FFTW).
        .target(name: "MusicIndex", dependencies: ["MusicCatalog", "VectorSearch"]),
        // Recognition against the catalog's fingerprints: the live inverted index, the JSON.
        .target(name: "MusicRecognition", dependencies: ["FingerprintCore", "MusicCatalog", "WireJSON"]),
        // The live `recognizer` agent (issue 11): audio streamed into a room, decoded as a stream
        // per participant, recognized against the catalog's fingerprints off the loop thread.
        .target(
            name: "LiveRecognition",
            dependencies: ["AgentKit", "AudioDecoding", "FingerprintCore", "MusicAgents", "MusicCatalog", "MusicRecognition", "TasteCore", "WireJSON"]
        ),
        // Decode → embed and fingerprint → store: ingest, seeds from files, the demo catalog.
        .target(
            name: "MusicIngest",
            dependencies: [
                "AudioDecoding", "AudioFeatures", "FingerprintCore", "MusicCatalog", "MusicIndex", "MusicRecognition", "VectorSearch", "DemoAudio",
                "COpenSSL",
            ]
        ),
        // iTunes previews into the catalog on the loop, through the one HTTP client.
        .target(
            name: "ITunesClient",
            dependencies: ["CryptoPrimitives", "EventLoop", "HTTPClient", "ITunesCore", "MusicCatalog", "MusicIndex", "SystemClock", "WireJSON"]
        ),
        .target(name: "MusicAgents", dependencies: ["AgentKit", "MusicCatalog", "MusicIndex", "TasteCore", "VectorSearch", "WireJSON", logging]),
        .target(
            name: "MusicCommands",
            dependencies: [
                "AudioDecoding", "EventLoop", "FingerprintCore", "HTTPClient", "ITunesClient", "ITunesCore", "MusicCatalog", "MusicIndex", "MusicIngest", "MusicRecognition",
                "NumericCore", "TasteCore", "WireJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // libFuzzer harnesses (docs/fuzzing.md): plain functions, replayed over the regression
        // corpus by FuzzRegressionTests; the libFuzzer driver is only part of fuzz builds.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "AccessToken", "AudioDecoding", "CryptoPrimitives", "HTTPCore", "MusicCatalog", "RoomCore", "WaveDefectServer", "WebSocketCore", "WireJSON",
                "WireProtocol",
            ]
        ),

        .executableTarget(
            name: "wavedefect",
            dependencies: [
                "AccessToken", "AgentClient", "AgentKit", "AgentRuntime", "AudioDecoding", "ClusterCore", "EventLoop", "ITunesClient", "LiveRecognition", "MusicAgents", "MusicCatalog", "MusicCommands", "MusicIndex", "MusicIngest", "WaveDefectBench", "WaveDefectServer", "WireJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                logging,
            ]
        ),

        // What several test targets share: real `redis-server` processes, free ports, children
        // killed with the run. A plain target (test targets cannot import each other).
        .target(name: "TestSupport", path: "Tests/TestSupport"),

        .testTarget(name: "WireJSONTests", dependencies: ["WireJSON"]),
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore", "NumericCore"]),
        .testTarget(name: "WebSocketCoreTests", dependencies: ["WebSocketCore", "CryptoPrimitives", "NumericCore"]),
        .testTarget(name: "AccessTokenTests", dependencies: ["AccessToken", "CryptoPrimitives", "HTTPCore", "WireJSON"]),
        .testTarget(name: "CryptoPrimitivesTests", dependencies: ["CryptoPrimitives"]),
        .testTarget(name: "TLSCoreTests", dependencies: ["TLSCore"]),
        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol", "ByteStorage", "WireJSON"]),
        .testTarget(name: "WaveDefectServerTests", dependencies: ["ClusterCore", "MusicCatalog", "RedisClient", "TestSupport", "WaveDefectServer"]),
        .testTarget(name: "RoomCoreTests", dependencies: ["RoomCore", "ByteStorage", "HTTPCore", "NumericCore", "WireJSON", "WireProtocol"]),
        .testTarget(name: "AgentKitTests", dependencies: ["SystemClock", "AgentKit", "AgentRuntime", "EventLoop", "WireJSON", logging]),
        .testTarget(
            name: "EventLoopTests",
            dependencies: [
                "SystemClock", "EventLoop", "ByteStorage", "ClusterCore", "HTTPClient", "HTTPCore", "DemoAudio", "ITunesClient", "ITunesCore", "MusicCatalog", "MusicIngest",
                "RedisClient", "TestSupport", "TLSCore", logging,
            ]
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["AccessToken", "ClusterCore", "COpenSSL", "CryptoPrimitives", "MusicCatalog", "TestSupport", "WebSocketCore", "WireJSON"],
            exclude: ["python"]
        ),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], exclude: ["Corpus"]),
        .testTarget(name: "TasteCoreTests", dependencies: ["NumericCore", "TasteCore", "VectorSearch", "WireJSON"]),
        .testTarget(name: "LiveRecognitionTests", dependencies: ["AgentKit", "AudioDecoding", "LiveRecognition", "MusicCatalog", "WireJSON"]),
        .testTarget(name: "FingerprintCoreTests", dependencies: ["FingerprintCore", "NumericCore"]),
        .testTarget(name: "SpotifyCoreTests", dependencies: ["SpotifyCore", "WireJSON"]),
        .testTarget(name: "YouTubeCoreTests", dependencies: ["YouTubeCore"]),
        .testTarget(name: "ClusterCoreTests", dependencies: ["ClusterCore"]),
        .testTarget(name: "ITunesCoreTests", dependencies: ["ITunesCore", "TrackText", "WireJSON"]),
        .testTarget(
            name: "MusicIndexTests",
            dependencies: [
                "AudioDecoding", "AudioFeatures", "MusicCatalog", "VectorSearch", "DemoAudio", "MusicIndex", "NumericCore",
                "MusicIngest", "MusicCommands", "MusicRecognition", "WireJSON",
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz` builds the libFuzzer driver (WAVEDEFECT_FUZZ=1, its own build path); an ordinary
// build has no libFuzzer to link it against. The whole build has the address sanitizer and
// libFuzzer's coverage (`-sanitize-coverage`, Makefile); only this executable links libFuzzer
// (`-sanitize=fuzzer`), whose `main` would clash with the test runner's in `make asan`.
if Context.environment["WAVEDEFECT_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "wavedefect-fuzz", dependencies: ["FuzzTargets"],
        swiftSettings: [.unsafeFlags(["-sanitize=fuzzer"])], linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]))
}
