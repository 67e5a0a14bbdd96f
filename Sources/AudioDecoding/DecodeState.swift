import CFFmpeg

/// The running totals of one decode: mono samples at the source rate go through the resampler
/// frame by frame, so memory stays proportional to the output, never to a buffered copy of the
/// source.
struct DecodeState {
    let limits: DecodeLimits
    let outputRate: Int
    private(set) var output: [Float] = []
    private var mono: [Float] = []
    private var resampler: SoxrResampler?
    private var sourceRate = 0
    private var channels = 0
    private var sourceSamples = 0
    private var maxSourceSamples = 0
    private var corruptPackets = 0
    var stopped = false

    init(limits: DecodeLimits, outputRate: Int) {
        self.limits = limits
        self.outputRate = outputRate
    }

    /// Pre-sizes the output from the container's duration estimate (capped by the limit), so a
    /// long file is not copied and page-faulted through a dozen array doublings.
    mutating func reserve(seconds: Double?) {
        guard let seconds, seconds.isFinite, seconds > 0 else { return }
        let expected = min(seconds, limits.maxDuration) * Double(outputRate)
        output.reserveCapacity(Int(expected) + 8192)
    }

    mutating func countCorruptPacket(_ message: String) throws(AudioDecodingError) {
        corruptPackets += 1
        if corruptPackets > limits.maxCorruptPackets {
            throw .corrupt("more than \(limits.maxCorruptPackets) undecodable packets (last: \(message))")
        }
    }

    mutating func append(_ frame: UnsafeMutablePointer<AVFrame>) throws(AudioDecodingError) {
        let count = Int(frame.pointee.nb_samples)
        let rate = Int(frame.pointee.sample_rate)
        let frameChannels = Int(frame.pointee.ch_layout.nb_channels)
        guard count > 0 else { return }
        guard rate > 0, frameChannels > 0 else { throw .corrupt("frame without sample rate or channels") }
        if sourceRate == 0 {
            sourceRate = rate
            channels = frameChannels
            let cap = limits.maxDuration * Double(rate)
            maxSourceSamples = cap >= Double(Int.max / 2) ? Int.max / 2 : max(0, Int(cap.rounded(.down)))
            if rate != outputRate { resampler = try SoxrResampler(inputRate: rate, outputRate: outputRate) }
        } else if rate != sourceRate || frameChannels != channels {
            throw .formatChanged("\(sourceRate) Hz × \(channels) → \(rate) Hz × \(frameChannels)")
        }
        let take = min(count, maxSourceSamples - sourceSamples)
        if take < count { stopped = true }
        guard take > 0 else { return }
        mono.removeAll(keepingCapacity: true)
        let format = AVSampleFormat(rawValue: frame.pointee.format)
        guard let planes = frame.pointee.extended_data,
            MonoMixer.appendMono(planes: planes, format: format, channels: channels, frameCount: take, to: &mono)
        else { throw .unsupportedCodec("sample format \(frame.pointee.format)") }
        sourceSamples += take
        if let resampler {
            try mono.withUnsafeBufferPointer { buffer throws(AudioDecodingError) in
                try resampler.convert(buffer, appendingTo: &output)
            }
        } else {
            output.append(contentsOf: mono)
        }
    }

    /// Hands over the samples produced so far (a live stream's output is consumed as it
    /// comes, so memory stays bounded however long the stream runs).
    mutating func takeOutput() -> [Float] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    /// Drains the resampler's tail at the end of a live stream.
    mutating func flushResampler() throws(AudioDecodingError) {
        if let resampler { try resampler.flush(appendingTo: &output) }
    }

    /// Flushes the resampler and fixes the length to librosa's `ceil(n * out / in)`.
    mutating func finish(codec: String) throws(AudioDecodingError) -> DecodedAudio {
        guard sourceSamples > 0 else { throw .noSamples(codec.isEmpty ? "" : "codec \(codec)") }
        if let resampler { try resampler.flush(appendingTo: &output) }
        let expected = Int((Double(sourceSamples) * Double(outputRate) / Double(sourceRate)).rounded(.up))
        if output.count > expected {
            output.removeLast(output.count - expected)
        } else if output.count < expected {
            output.append(contentsOf: repeatElement(0, count: expected - output.count))
        }
        return DecodedAudio(
            samples: output, sampleRate: outputRate, sourceSampleRate: sourceRate, sourceChannels: channels,
            codec: codec, stoppedAtLimit: stopped, skippedPackets: corruptPackets)
    }
}
