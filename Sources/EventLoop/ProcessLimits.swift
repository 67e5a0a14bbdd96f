import CLibUV

public enum ProcessLimits {
    /// Raises the soft open-file limit to the hard limit and returns it (-1 on failure): a
    /// server holding 10,000+ sockets needs more than the usual 1,024.
    @discardableResult
    public static func raiseOpenFiles() -> Int {
        wd_raise_nofile_limit()
    }

    /// Gives freed heap pages back to the system (`malloc_trim`).
    public static func trimHeap() {
        _ = wd_malloc_trim()
    }
}
