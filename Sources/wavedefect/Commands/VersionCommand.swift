import ArgumentParser

enum WaveDefectVersion {
    static let string = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")

    func run() {
        print("wavedefect \(WaveDefectVersion.string)")
    }
}
