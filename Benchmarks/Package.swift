// swift-tools-version: 6.1
import PackageDescription

// A package of its own, so the engine's package never depends on the benchmark tooling.
// Run from this folder:  swift package benchmark            (all benchmarks)
//                        swift package benchmark --filter "execution.*"
//                        swift package benchmark thresholds check   (against Thresholds/)
let package = Package(
    name: "CortadoBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Cortado", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CortadoBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CortadoJSON", package: "Cortado"),
                .product(name: "CortadoPath", package: "Cortado"),
                .product(name: "CortadoASL", package: "Cortado"),
                .product(name: "CortadoRuntime", package: "Cortado"),
                .product(name: "CortadoTasks", package: "Cortado"),
                .product(name: "CortadoBatch", package: "Cortado"),
            ],
            path: "Benchmarks/CortadoBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
