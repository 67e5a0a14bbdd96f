/// One result slot per `concurrentPerform` worker: worker `t` writes only slot `t`, and the
/// caller reads the slots only after `concurrentPerform` returns. That discipline is what
/// makes sharing the buffer across threads sound; the type exists so the unchecked
/// `Sendable` claim covers exactly this use and nothing wider.
struct DisjointSlots<Element>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<Element>

    init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.buffer = buffer
    }

    /// Write-only from workers: each index by exactly one worker.
    subscript(index: Int) -> Element {
        get { buffer[index] }
        nonmutating set { buffer[index] = newValue }
    }
}
