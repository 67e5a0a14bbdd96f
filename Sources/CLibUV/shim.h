#ifndef WAVEDEFECT_CLIBUV_SHIM_H
#define WAVEDEFECT_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/resource.h>
#include <signal.h>
#include <pthread.h>
#include <malloc.h>
#include <errno.h>
#include <sys/socket.h>
#include <string.h>

/// libuv's handle types are unions/structs whose casts are macros or implicit in C;
/// these wrappers keep the Swift side free of pointer juggling.
static inline uv_handle_t *wd_handle(void *h) { return (uv_handle_t *)h; }
static inline uv_stream_t *wd_stream(void *h) { return (uv_stream_t *)h; }

/// Raises the soft open-file limit to the hard limit; servers holding 10k+ sockets need it.
static inline long wd_raise_nofile_limit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    }
    return (long)rl.rlim_cur;
}
/// SIG_IGN is a macro casting 1 to a function pointer.
static inline void wd_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

/// Returns freed heap pages to the system (glibc); not in Swift's Glibc module.
static inline int wd_malloc_trim(void) { return malloc_trim(0); }

/// Removes a signal from the process's blocked mask (sigset_t manipulation is macro-heavy).
static inline void wd_unblock_signal(int signum) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signum);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
/// Cache hints for a fan-out walking its recipients: `wd_prefetch` one line, and
/// `wd_prefetch_send` the lines of a TCP handle that `wd_try_send` reads (flags, write queue,
/// connect request, socket). Prefetches never fault.
static inline void wd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
static inline void wd_prefetch_send(const uv_tcp_t *tcp) {
    __builtin_prefetch(&tcp->flags, 0, 3);
    __builtin_prefetch(&tcp->write_queue_size, 0, 3);
    __builtin_prefetch(&tcp->connect_req, 0, 3);
    __builtin_prefetch(&tcp->io_watcher.fd, 0, 3);
}
/// `uv_try_write` for a TCP handle, through send(2) (one buffer) or sendmsg(2) instead of
/// libuv's write(2)/writev(2): same checks first (connecting, a `uv_write` still queued,
/// closing, shut for writing) and same results — bytes taken, UV_EAGAIN when the kernel takes
/// nothing (EAGAIN, ENOBUFS), another negative libuv error otherwise. On Linux a socket write
/// through the file layer (vfs_write: fd position lock, file-permission and fsnotify hooks,
/// sock_write_iter) costs the kernel ~0.1-0.2 us more per call than sendto(2), which is the
/// one write per recipient per message of a fan-out (docs/benchmarks.md, "Kernel time per
/// delivery"). MSG_NOSIGNAL: a peer gone away is EPIPE, never SIGPIPE.
static inline int wd_try_send(uv_tcp_t *tcp, const uv_buf_t *bufs, unsigned int nbufs) {
    uv_stream_t *stream = (uv_stream_t *)tcp;
    if (stream->connect_req != NULL || stream->write_queue_size != 0) return UV_EAGAIN;
    /* uv_fileno's answer without its call: uv_close closes a stream's socket at once and sets
       the watcher's fd to -1, so a closing or closed handle reads -1 here (uv_fileno: EBADF). */
    int fd = stream->io_watcher.fd;
    if (fd < 0) return UV_EBADF;
    if (!uv_is_writable(stream)) return UV_EPIPE;
    ssize_t n;
    do {
        if (nbufs == 1) {
            n = send(fd, bufs[0].base, bufs[0].len, MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            /* uv_buf_t is laid out as struct iovec on Unix (libuv passes it to writev as is). */
            struct msghdr message = {0};
            message.msg_iov = (struct iovec *)bufs;
            message.msg_iovlen = nbufs;
            n = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
    } while (n == -1 && errno == EINTR);
    if (n >= 0) return n == 0 && (nbufs > 1 || bufs[0].len > 0) ? UV_EAGAIN : (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return UV_EAGAIN;
    return -errno;  /* libuv's errors are negated errno values on Unix */
}
/// Data segments the kernel has sent on a TCP handle's socket (tcp_info's tcpi_data_segs_out,
/// Linux 4.6+), or -1. glibc's `struct tcp_info` ends before that field, so it is read at its
/// place in the kernel's layout (linux/tcp.h: a __u32 at byte 156; the structure only grows
/// at its end). With TCP_NODELAY every send of a few bytes is one segment: this is how a test
/// tells one send of a turn's 100 queued buffers from 100 sends.
static inline long wd_tcp_data_segments_out(uv_tcp_t *tcp) {
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)tcp, &fd) != 0) return -1;
    unsigned char info[232] = {0};
    socklen_t length = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &length) != 0 || length < 160) return -1;
    unsigned int segments;
    memcpy(&segments, info + 156, sizeof segments);
    return (long)segments;
}
#endif
