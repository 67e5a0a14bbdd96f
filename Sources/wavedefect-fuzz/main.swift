// libFuzzer driver for the harnesses in FuzzTargets (`make fuzz`, docs/fuzzing.md). Built only
// with WAVEDEFECT_FUZZ=1 and `-sanitize=fuzzer,address`, which link libFuzzer and its `main`
// (see the end of this file). The harness
// is chosen by the FUZZ_TARGET environment variable; the arguments are libFuzzer's.
import FuzzTargets
import Glibc

/// The harness libFuzzer calls; set once by `LLVMFuzzerInitialize`, before any input.
enum Selected {
    nonisolated(unsafe) static var target: FuzzTarget?
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.named(name) else {
        var usage = "usage: FUZZ_TARGET=NAME wavedefect-fuzz [libFuzzer flags] [corpus dirs]\ntargets:\n"
        for t in FuzzTarget.all { usage += "  \(t.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(t.summary)\n" }
        _ = usage.withCString { write(2, $0, strlen($0)) }
        exit(name.isEmpty ? 0 : 2)
    }
    Selected.target = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Selected.target?.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

// Whichever `main` the link keeps (this file's, or libFuzzer's when SwiftPM renames this
// one), libFuzzer's driver runs with the process's arguments.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzerTestOneInput))
