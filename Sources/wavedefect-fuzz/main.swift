// libFuzzer driver for the harnesses in FuzzTargets (`make fuzz`, docs/fuzzing.md). Built only
// with WAVEDEFECT_FUZZ=1 and `-sanitize=fuzzer,address`, which link libFuzzer: this main
// picks the harness named by the first argument and hands the rest to libFuzzer.
import FuzzTargets
import Glibc

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The harness libFuzzer calls; set once before the driver starts.
enum Selected {
    nonisolated(unsafe) static var target: FuzzTarget?
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget.named(arguments[1]) else {
    var usage = "usage: wavedefect-fuzz TARGET [libFuzzer flags] [corpus dirs]\ntargets:\n"
    for t in FuzzTarget.all { usage += "  \(t.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(t.summary)\n" }
    fputs(usage, stderr)
    exit(arguments.count >= 2 && arguments[1] == "--list" ? 0 : 2)
}
Selected.target = target

// libFuzzer sees argv[0] and the arguments after the target's name.
var cArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var count = CInt(cArguments.count - 1)
let status = cArguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&count, &argv) { data, size in
        Selected.target?.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
exit(status)
