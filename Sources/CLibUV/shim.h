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
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

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
/// `wd_prefetch_send` the line of a connection's socket handle that `wd_socket_send` reads
/// (the socket). Prefetches never fault.
static inline void wd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// A connection's socket on the loop: a `uv_poll_t` (160 bytes) rather than a `uv_tcp_t`
/// (248), with the reads, writes and shutdown done here on the descriptor, and one word for
/// the write waiting for the socket to drain. 168 bytes fill the 176-byte malloc chunk a bare
/// `uv_poll_t` takes anyway, so the word costs nothing (docs/benchmarks.md, "One poll handle
/// per socket"). `poll` comes first: a `wd_socket_t *` is a `uv_poll_t *` and a `uv_handle_t *`.
typedef struct {
    uv_poll_t poll;
    void *write;
} wd_socket_t;

/// The socket's descriptor: libuv keeps it in the poll handle's watcher (as `uv_fileno`
/// answers, without the call); -1 once `wd_socket_close_fd` closed it.
static inline int wd_socket_fd(const wd_socket_t *s) { return s->poll.io_watcher.fd; }
static inline void wd_prefetch_send(const wd_socket_t *s) { __builtin_prefetch(&s->poll.io_watcher.fd, 0, 3); }

/// Sends through send(2) (one buffer) or sendmsg(2), as `uv_try_write` would without the
/// file layer's per-call kernel cost: bytes taken, UV_EAGAIN when the kernel takes nothing
/// (EAGAIN, ENOBUFS), another negative libuv error otherwise. On Linux a socket write
/// through the file layer (vfs_write: fd position lock, file-permission and fsnotify hooks,
/// sock_write_iter) costs the kernel ~0.1-0.2 us more per call than sendto(2), which is the
/// one write per recipient per message of a fan-out (docs/benchmarks.md, "Kernel time per
/// delivery"). MSG_NOSIGNAL: a peer gone away is EPIPE, never SIGPIPE. The caller keeps the
/// order (nothing is sent while an earlier write waits for the socket to drain) and stops
/// sending after a shutdown.
static inline int wd_socket_send(wd_socket_t *s, const uv_buf_t *bufs, unsigned int nbufs) {
    int fd = s->poll.io_watcher.fd;
    if (fd < 0) return UV_EBADF;
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

/// One read(2) into `buffer`: bytes read, UV_EOF at the peer's FIN, UV_EAGAIN when nothing
/// waits, another negative libuv error otherwise (what libuv's stream reader tells apart).
static inline long wd_socket_recv(wd_socket_t *s, void *buffer, size_t length) {
    int fd = s->poll.io_watcher.fd;
    if (fd < 0) return UV_EBADF;
    ssize_t n;
    do {
        n = recv(fd, buffer, length, MSG_DONTWAIT);
    } while (n == -1 && errno == EINTR);
    if (n > 0) return (long)n;
    if (n == 0) return UV_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return UV_EAGAIN;
    return -errno;
}

/// FIN after what the kernel holds (the caller shuts down only once its queue is empty).
static inline int wd_socket_shutdown(wd_socket_t *s) {
    int fd = s->poll.io_watcher.fd;
    if (fd < 0) return UV_EBADF;
    return shutdown(fd, SHUT_WR) == 0 ? 0 : -errno;
}

/// Closes the descriptor after `uv_close` stopped the poll handle (libuv's poll handle never
/// owns its descriptor, as a stream handle does); the handle then reads -1.
static inline void wd_socket_close_fd(wd_socket_t *s) {
    int fd = s->poll.io_watcher.fd;
    if (fd >= 0) {
        close(fd);
        s->poll.io_watcher.fd = -1;
    }
}

static inline int wd_socket_nodelay(wd_socket_t *s, int on) {
    return setsockopt(s->poll.io_watcher.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == 0 ? 0 : -errno;
}

static inline int wd_socket_peername(wd_socket_t *s, struct sockaddr *address, int *length) {
    socklen_t size = (socklen_t)*length;
    if (getpeername(s->poll.io_watcher.fd, address, &size) != 0) return -errno;
    *length = (int)size;
    return 0;
}

/// The outcome of a non-blocking connect once the socket is writable (SO_ERROR, negated).
static inline int wd_socket_connect_result(wd_socket_t *s) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(s->poll.io_watcher.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return -errno;
    return -error;
}

static inline socklen_t wd_address_length(const struct sockaddr *address) {
    return address->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

/// A non-blocking TCP socket connecting to `address`, from `local` when given (bound first,
/// with SO_REUSEADDR as `uv_tcp_bind` does): its descriptor (the connect may still be in
/// progress) or a negative libuv error, `*bind_failed` set when the bind was what failed.
static inline int wd_connect_socket(const struct sockaddr *address, const struct sockaddr *local, int *bind_failed) {
    socklen_t length = wd_address_length(address);
    int fd = socket(address->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (local != NULL) {
        int on = 1;
        if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 || bind(fd, local, wd_address_length(local)) != 0) {
            int error = -errno;
            close(fd);
            *bind_failed = 1;
            return error;
        }
    }
    int rc;
    do {
        rc = connect(fd, address, length);
    } while (rc == -1 && errno == EINTR);
    if (rc != 0 && errno != EINPROGRESS) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/// Takes the descriptor libuv accepted for a listening TCP handle, from inside its
/// connection callback: what `uv_accept` does, without a `uv_tcp_t` to put it in. libuv
/// (unix/stream.c, uv__server_io) accepts with accept4(SOCK_NONBLOCK | SOCK_CLOEXEC), keeps
/// the descriptor in `accepted_fd` for the callback and goes on accepting once it reads -1
/// there again; its EMFILE handling stays in place.
static inline int wd_take_accepted_fd(uv_stream_t *server) {
    int fd = server->accepted_fd;
    server->accepted_fd = -1;
    return fd;
}

/// Data segments the kernel has sent on a connection's socket (tcp_info's tcpi_data_segs_out,
/// Linux 4.6+), or -1. glibc's `struct tcp_info` ends before that field, so it is read at its
/// place in the kernel's layout (linux/tcp.h: a __u32 at byte 156; the structure only grows
/// at its end). With TCP_NODELAY every send of a few bytes is one segment: this is how a test
/// tells one send of a turn's 100 queued buffers from 100 sends.
static inline long wd_tcp_data_segments_out(wd_socket_t *s) {
    int fd = s->poll.io_watcher.fd;
    if (fd < 0) return -1;
    unsigned char info[232] = {0};
    socklen_t length = sizeof info;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &length) != 0 || length < 160) return -1;
    unsigned int segments;
    memcpy(&segments, info + 156, sizeof segments);
    return (long)segments;
}
#endif
