// swift-tools-version: 6.1
import PackageDescription

// NOTE: the engine's own targets depend on nothing heavier than Yams (YAML at the
// edge) and swift-argument-parser (CLI only), so a cold CI build stays within minutes.
// The engine's hot path (JSON, paths, interpreter, batch pool) skips the runtime exclusivity
// checks of class properties in release builds: profiles of pass-choice put ~10% of its
// time in swift_beginAccess and its access set. The compile-time checks still apply.
let engine: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Cortado",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CortadoJSON", targets: ["CortadoJSON"]),
        .library(name: "CortadoPath", targets: ["CortadoPath"]),
        .library(name: "CortadoASL", targets: ["CortadoASL"]),
        .library(name: "CortadoJSONata", targets: ["CortadoJSONata"]),
        .library(name: "CortadoRuntime", targets: ["CortadoRuntime"]),
        .library(name: "CortadoTasks", targets: ["CortadoTasks"]),
        .library(name: "CortadoTape", targets: ["CortadoTape"]),
        .library(name: "CortadoBatch", targets: ["CortadoBatch"]),
        .library(name: "CortadoLoad", targets: ["CortadoLoad"]),
        .library(name: "CortadoHTTP", targets: ["CortadoHTTP"]),
        .library(name: "CortadoAWS", targets: ["CortadoAWS"]),
        .library(name: "CortadoService", targets: ["CortadoService"]),
        .library(name: "CortadoServer", targets: ["CortadoServer"]),
        .executable(name: "cortado", targets: ["cortado"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Traits off: no swift-configuration, no full Foundation (build minutes on 2 cores).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CJemalloc", pkgConfig: nil, providers: [.apt(["libjemalloc-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: nil, providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CortadoJSON", swiftSettings: engine),
        .target(name: "CortadoPath", dependencies: ["CortadoJSON"], swiftSettings: engine),
        .target(name: "CortadoASL", dependencies: ["CortadoJSON", "CortadoPath", "CortadoJSONata", "Yams"], swiftSettings: engine),
        // JSONata 2.0.6 as AWS runs it (issue 17); CortadoPath for the digests $hash shares with States.Hash.
        .target(name: "CortadoJSONata", dependencies: ["CortadoJSON", "CortadoPath"], swiftSettings: engine),
        .target(name: "CortadoRuntime", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoASL", "CortadoJSONata", "CortadoTape", "CZlib", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ], swiftSettings: engine),
        // The batch fast lane: pure data states over byte ranges of the line (DESIGN, "The JSON layer").
        // Its line parser's first pass over the bytes, on SSE2 (Swift's SIMD types compile
        // comparisons to per-lane loops).
        .target(name: "CCortadoScan"),
        .target(name: "CortadoTape", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoJSONata", "CCortadoScan"], swiftSettings: engine),
        .target(name: "CortadoBatch", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTape"], swiftSettings: engine),
        .target(name: "CortadoTasks", dependencies: ["CortadoJSON", "CortadoPath", "CortadoRuntime"], swiftSettings: engine),
        // Load tests, benchmark suites and the state graph (issue 18): the engine through its API.
        .target(name: "CortadoLoad", dependencies: [
            "CortadoJSON", "CortadoASL", "CortadoRuntime", "CortadoBatch", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        // HTTP task backends (http:invoke, Lambda Invoke API) live apart so the engine's own
        // targets stay free of the NIO stack.
        .target(name: "CortadoHTTP", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoRuntime",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // AWS service integrations (issue 19): SigV4, credentials, endpoints, the optimized
        // integrations; over CortadoHTTP's client, so only the CLI links the HTTP stack.
        // The AWS service models (generated from botocore's): no HTTP, so TestState can read them.
        .target(name: "CortadoAWSModels", dependencies: ["CortadoJSON"]),
        .target(name: "CortadoAWS", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoHTTP", "CortadoAWSModels"]),
        // The `states` API (machines, executions, task tokens, history, TestState, journal):
        // plain Swift over bytes, so it is tested without a socket.
        .target(name: "CortadoService", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks", "CortadoJSONata", "CortadoAWSModels",
        ]),
        // The HTTP face of CortadoService (AWS JSON 1.0 over Hummingbird); nothing else knows HTTP.
        .target(name: "CortadoServer", dependencies: [
            "CortadoService", "CortadoAWS", "CortadoRuntime", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .target(name: "CortadoCLICommands", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks", "CortadoBatch", "CortadoHTTP",
            "CortadoService", "CortadoServer", "CortadoLoad", "CortadoAWS", "CortadoJSONata",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cortado", dependencies: ["CortadoCLICommands", "CJemalloc"]),
        .target(name: "CortadoTestSupport", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks"], path: "Tests/Support"),
        .testTarget(name: "CortadoJSONTests", dependencies: ["CortadoJSON", "CortadoTestSupport"]),
        .testTarget(name: "CortadoPathTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoTestSupport"]),
        .testTarget(name: "CortadoASLTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoJSONata", "CortadoTestSupport"]),
        .testTarget(name: "CortadoRuntimeTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime"]),
        .testTarget(name: "CortadoBatchTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoBatch", "CortadoTape", "CortadoTasks", "CortadoTestSupport"]),
        .testTarget(name: "CortadoTapeTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoJSONata", "CortadoRuntime", "CortadoTape", "CortadoTasks", "CCortadoScan",
                                                           "CortadoTestSupport"]),
        .testTarget(name: "CortadoTasksTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks"]),
        .testTarget(name: "CortadoHTTPTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoHTTP"],
                    exclude: ["http_server.py"]),
        .testTarget(name: "CortadoServiceTests", dependencies: [
            "CortadoJSON", "CortadoASL", "CortadoRuntime", "CortadoTasks", "CortadoService", "CortadoJSONata",
        ]),
        .testTarget(name: "CortadoJSONataTests", dependencies: ["CortadoJSON", "CortadoJSONata"]),
        .testTarget(name: "CortadoAWSTests", dependencies: ["CortadoJSON", "CortadoRuntime", "CortadoAWS", "CortadoAWSModels"],
                    exclude: ["botocore_sign.py"]),
        .testTarget(name: "CortadoLoadTests", dependencies: ["CortadoJSON", "CortadoASL", "CortadoRuntime", "CortadoBatch", "CortadoLoad"]),
        .testTarget(name: "CortadoCLITests", dependencies: ["CortadoCLICommands", "CortadoRuntime", "CortadoJSON"]),
    ]
)
