#ifndef WAVEDEFECT_CHIREDIS_SHIM_H
#define WAVEDEFECT_CHIREDIS_SHIM_H
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>

/// hiredis on the libuv loop: one uv_poll_t on the context's socket, started and stopped as
/// hiredis asks for reads and writes. This is hiredis's own adapters/libuv.h with the fix
/// hiredis 1.x made to it: Debian 12's hiredis 0.14 ignores a poll callback whose status is an
/// error, and libuv reports a refused or reset connection exactly that way (UV_EBADF on
/// POLLERR, handle stopped), so a connect to a Redis that is down would hang forever instead
/// of failing. Here an error status is handed to hiredis as the events it was waiting for,
/// and its read/write then finds and reports the socket error.
typedef struct wd_redis_events {
    redisAsyncContext *context;
    uv_poll_t handle;
    int events;
} wd_redis_events;

static void wd_redis_poll(uv_poll_t *handle, int status, int events) {
    wd_redis_events *p = (wd_redis_events *)handle->data;
    int ev = status ? p->events : events;
    if (p->context != NULL && (ev & UV_READABLE)) redisAsyncHandleRead(p->context);
    if (p->context != NULL && (ev & UV_WRITABLE)) redisAsyncHandleWrite(p->context);
}

static void wd_redis_update(wd_redis_events *p, int events) {
    p->events = events;
    if (events) uv_poll_start(&p->handle, events, wd_redis_poll);
    else uv_poll_stop(&p->handle);
}

static void wd_redis_add_read(void *d) { wd_redis_events *p = d; wd_redis_update(p, p->events | UV_READABLE); }
static void wd_redis_del_read(void *d) { wd_redis_events *p = d; wd_redis_update(p, p->events & ~UV_READABLE); }
static void wd_redis_add_write(void *d) { wd_redis_events *p = d; wd_redis_update(p, p->events | UV_WRITABLE); }
static void wd_redis_del_write(void *d) { wd_redis_events *p = d; wd_redis_update(p, p->events & ~UV_WRITABLE); }

static void wd_redis_on_close(uv_handle_t *handle) { free(handle->data); }

static void wd_redis_cleanup(void *d) {
    wd_redis_events *p = d;
    p->context = NULL;  // the context is being freed
    uv_close((uv_handle_t *)&p->handle, wd_redis_on_close);
}

/// Attaches `ac` to `loop` (passed untyped, so this module's view of uv_loop_t never has to
/// match CLibUV's). REDIS_ERR when already attached or out of memory.
static inline int wd_redis_attach(redisAsyncContext *ac, void *loop) {
    if (ac->ev.data != NULL) return REDIS_ERR;
    wd_redis_events *p = calloc(1, sizeof(*p));
    if (!p) return REDIS_ERR;
    if (uv_poll_init((uv_loop_t *)loop, &p->handle, ac->c.fd) != 0) {
        free(p);
        return REDIS_ERR;
    }
    ac->ev.addRead = wd_redis_add_read;
    ac->ev.delRead = wd_redis_del_read;
    ac->ev.addWrite = wd_redis_add_write;
    ac->ev.delWrite = wd_redis_del_write;
    ac->ev.cleanup = wd_redis_cleanup;
    ac->ev.data = p;
    p->handle.data = p;
    p->context = ac;
    return REDIS_OK;
}

/// The context's error text (a fixed array Swift imports as a tuple).
static inline const char *wd_redis_async_errstr(const redisAsyncContext *ac) {
    return ac->errstr;
}
#endif
