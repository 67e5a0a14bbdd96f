import CFFmpeg

/// C callbacks cannot capture context, so the `ByteSource` travels as the `opaque` pointer.
private func readCallback(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32) -> Int32 {
    guard let opaque, let buffer, size > 0 else { return wd_averror_eof() }
    return Unmanaged<ByteSource>.fromOpaque(opaque).takeUnretainedValue().read(into: buffer, count: size)
}

private func seekCallback(_ opaque: UnsafeMutableRawPointer?, _ offset: Int64, _ whence: Int32) -> Int64 {
    guard let opaque else { return -1 }
    return Unmanaged<ByteSource>.fromOpaque(opaque).takeUnretainedValue().seek(offset: offset, whence: whence)
}

extension ByteSource {
    static let ioBufferSize: Int32 = 64 * 1024

    /// An `AVIOContext` reading from this source. The caller must keep `self` alive while the
    /// context exists and release it with `freeIOContext`.
    func makeIOContext() -> UnsafeMutablePointer<AVIOContext>? {
        guard let buffer = av_malloc(Int(Self.ioBufferSize)) else { return nil }
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        let context = avio_alloc_context(
            buffer.assumingMemoryBound(to: UInt8.self), Self.ioBufferSize, 0, opaque,
            readCallback, nil, isSeekable ? seekCallback : nil
        )
        if context == nil { av_free(buffer) }
        return context
    }

    /// Frees the context and its buffer (which FFmpeg may have replaced since allocation).
    static func freeIOContext(_ context: inout UnsafeMutablePointer<AVIOContext>?) {
        guard context != nil else { return }
        av_freep(&context!.pointee.buffer)
        avio_context_free(&context)
    }
}
