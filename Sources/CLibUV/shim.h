#ifndef WAVEDEFECT_CLIBUV_SHIM_H
#define WAVEDEFECT_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/resource.h>
#include <signal.h>
#include <pthread.h>
#include <malloc.h>

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
#endif
