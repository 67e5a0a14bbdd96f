import Foundation
import NumericCore

/// The first `outputCount` rows of the orthonormal DCT-II of length `inputCount`:
/// `scipy.fftpack.dct(x, type=2, norm='ortho')[:outputCount]`. A direct 20 × 128 product beats
/// a fast transform here because only 20 of the 128 outputs are wanted.
public struct DCTMatrix: Sendable {
    public let inputCount: Int
    public let outputCount: Int
    /// Row-major `outputCount × inputCount`.
    public let coefficients: [Float]

    public init(inputCount: Int, outputCount: Int) {
        self.inputCount = inputCount
        self.outputCount = outputCount
        var c = [Float](repeating: 0, count: inputCount * outputCount)
        let n = Double(inputCount)
        for k in 0..<outputCount {
            let scale = k == 0 ? (1 / n).squareRoot() : (2 / n).squareRoot()
            for i in 0..<inputCount {
                c[k * inputCount + i] = Float(scale * cos(Double.pi * Double(k) * (2 * Double(i) + 1) / (2 * n)))
            }
        }
        coefficients = c
    }

    @inline(__always)
    public func apply(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>) {
        coefficients.withUnsafeBufferPointer { c in
            for k in 0..<outputCount {
                output[k] = dotProduct(c.baseAddress! + k * inputCount, input, count: inputCount)
            }
        }
    }
}
