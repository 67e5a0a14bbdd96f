@testable import WaveDefectServer

extension ServerConfiguration {
    /// A dev configuration with `yaml` applied as the config file `conf.yaml` and validated, as
    /// `serve --dev --config conf.yaml` would read it: the settings suites' one way in.
    static func validated(yaml: String) throws(ConfigurationError) -> ServerConfiguration {
        var c = ServerConfiguration()
        c.dev = true
        try c.apply(yaml: yaml, file: "conf.yaml")
        try c.validate()
        return c
    }
}
