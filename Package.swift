// swift-tools-version: 6.1
import PackageDescription

// NOTE: the engine's own targets depend on nothing heavier than Yams (YAML at the
// edge) and swift-argument-parser (CLI only), so a cold CI build stays within minutes.
let package = Package(
    name: "Cortado",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "CortadoJSON", targets: ["CortadoJSON"]),
        .library(name: "CortadoPath", targets: ["CortadoPath"]),
        .library(name: "CortadoASL", targets: ["CortadoASL"]),
        .library(name: "CortadoRuntime", targets: ["CortadoRuntime"]),
        .library(name: "CortadoTasks", targets: ["CortadoTasks"]),
        .library(name: "CortadoBatch", targets: ["CortadoBatch"]),
        .library(name: "CortadoHTTP", targets: ["CortadoHTTP"]),
        .executable(name: "cortado", targets: ["cortado"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CJemalloc", pkgConfig: nil, providers: [.apt(["libjemalloc-dev"])]),
        .target(name: "CortadoJSON"),
        .target(name: "CortadoPath", dependencies: ["CortadoJSON"]),
        .target(name: "CortadoASL", dependencies: ["CortadoJSON", "CortadoPath", "Yams"]),
        .target(name: "CortadoRuntime", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoASL", .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .target(name: "CortadoBatch", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime"]),
        .target(name: "CortadoTasks", dependencies: ["CortadoJSON", "CortadoPath", "CortadoRuntime"]),
        // HTTP task backends (http:invoke, Lambda Invoke API) live apart so the engine's own
        // targets stay free of the NIO stack.
        .target(name: "CortadoHTTP", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoRuntime",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .target(name: "CortadoCLICommands", dependencies: [
            "CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks", "CortadoBatch", "CortadoHTTP",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "cortado", dependencies: ["CortadoCLICommands", "CJemalloc"]),
        .target(name: "CortadoTestSupport", path: "Tests/Support"),
        .testTarget(name: "CortadoJSONTests", dependencies: ["CortadoJSON", "CortadoTestSupport"]),
        .testTarget(name: "CortadoPathTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoTestSupport"]),
        .testTarget(name: "CortadoASLTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoTestSupport"]),
        .testTarget(name: "CortadoRuntimeTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime"]),
        .testTarget(name: "CortadoBatchTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoBatch"]),
        .testTarget(name: "CortadoTasksTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoTasks"]),
        .testTarget(name: "CortadoHTTPTests", dependencies: ["CortadoJSON", "CortadoPath", "CortadoASL", "CortadoRuntime", "CortadoHTTP"],
                    exclude: ["http_server.py"]),
        .testTarget(name: "CortadoCLITests", dependencies: ["CortadoCLICommands", "CortadoRuntime", "CortadoJSON"]),
    ]
)
