import Foundation
import FuzzTargets
import Testing

/// Every input a fuzzer ever crashed a harness with (Corpus/<target>/, docs/fuzzing.md), and
/// the seed corpus of `make fuzz` (Fuzz/seeds/<target>/), run through the same harness
/// functions libFuzzer calls. A regression crashes this test process, as it crashed the fuzzer.
@Suite struct FuzzRegressionTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let corpus = here.appendingPathComponent("Corpus")
    static let seeds = here.appendingPathComponent("../../Fuzz/seeds").standardizedFileURL

    static func inputs(in directory: URL) -> [URL] {
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    @Test func everyCorpusFolderNamesAHarness() {
        for root in [Self.corpus, Self.seeds] {
            for folder in Self.inputs(in: root) {
                #expect(FuzzTarget.named(folder.lastPathComponent) != nil, "\(folder.path) names no harness")
            }
        }
    }

    @Test func everyHarnessHasSeeds() {
        for target in FuzzTarget.all {
            #expect(!Self.inputs(in: Self.seeds.appendingPathComponent(target.name)).isEmpty, "no seeds for \(target.name)")
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func regressionAndSeedInputsRunClean(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        var count = 0
        for root in [Self.corpus, Self.seeds] {
            for file in Self.inputs(in: root.appendingPathComponent(name)) {
                let bytes = try [UInt8](Data(contentsOf: file))
                bytes.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        #expect(count > 0)
    }
}
