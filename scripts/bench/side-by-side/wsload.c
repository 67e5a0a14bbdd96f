// wsload: the independent load generator of scripts/bench/uws-side-by-side.sh. One C
// process, epoll, non-blocking sockets, no WebSocket library: it speaks just enough of
// RFC 6455 and of our wire protocol to drive either server with identical bytes, and costs
// little enough CPU that on 2 cores it is not what limits the run.
//
//   wsload fanout --port P --paths FILE --pid PID --subscribers N --rate R
//                 [--duration S] [--warmup S] [--payload B]
//     Lines 1..N of FILE are the subscribers' request paths, line N+1 the publisher's.
//     The publisher sends {"type":"publish","topic":"bench","reliable":true,
//     "payload":{"t":<ns>,"p":"xx…"}} at exactly R/s; every subscriber reads every message
//     and takes publish→receive latency from "t". Messages published inside the window
//     count; the server's utime/stime is read from /proc/PID/stat over the window plus the
//     drain.
//
//   wsload idle --port P --paths FILE --pid PID --connections N [--sources K]
//               [--ping-rate R] [--ping-seconds S]
//     Opens N connections (source addresses spread over 127.0.0.1..K), waits until each
//     has its first message (joined), reads RSS, keeps JSON pings going at R/s round robin
//     for S s (RTT p50/p99), closes everything and reads RSS again after 2 and 5 s.
//
// Output: "key value" lines, parsed by side_by_side.py.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum { S_CONNECTING, S_HANDSHAKE, S_WAIT_JOINED, S_OPEN, S_CLOSED };

typedef struct {
    int fd;
    int state;
    char *buf;  // bytes of a partial frame or response head, kept only while partial
    size_t len, cap;
    uint64_t pingSentAt;
} Conn;

static Conn *conns;
static int nconns;
static char **paths;
static int port = 7880;
static int pid = 0;
static int epfd;
static int joined = 0, failed = 0, inflight = 0, started = 0;
static int isFanout = 0;
static int nsubs = 0;
// fanout accounting
static int measuring = 0;
static uint64_t windowStart = UINT64_MAX, windowEnd = UINT64_MAX;
static uint64_t delivered = 0, framesSeen = 0, lastFrameBytes = 0;
// latency histogram: 1 µs buckets up to 1 s
#define HBUCKETS 1000000
static uint32_t *hist;
static uint64_t histCount = 0, histOver = 0;
static uint64_t pongs = 0;

static uint64_t nowNs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void record(uint64_t ns) {
    uint64_t us = ns / 1000;
    if (us >= HBUCKETS) { histOver++; us = HBUCKETS - 1; }
    hist[us]++;
    histCount++;
}

static double percentileMs(double q) {
    if (!histCount) return 0;
    uint64_t rank = (uint64_t) (q * histCount + 0.999999), seen = 0;
    if (rank < 1) rank = 1;
    for (int i = 0; i < HBUCKETS; i++) {
        seen += hist[i];
        if (seen >= rank) return (i + 0.5) / 1000.0;
    }
    return HBUCKETS / 1000.0;
}

static int procStat(long *utime, long *stime) {
    char p[64], b[4096];
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    size_t n = fread(b, 1, sizeof b - 1, f);
    fclose(f);
    b[n] = 0;
    char *s = strrchr(b, ')');
    if (!s) return -1;
    // after ") " : state(3) ... utime(14) stime(15)
    int field = 2;
    char *tok = strtok(s + 1, " ");
    while (tok) {
        field++;
        if (field == 14) *utime = atol(tok);
        if (field == 15) { *stime = atol(tok); return 0; }
        tok = strtok(NULL, " ");
    }
    return -1;
}

static long procStatus(const char *key) {  // kB
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    if (!f) return -1;
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl)) { v = atol(line + kl); break; }
    fclose(f);
    return v;
}

static void sendAll(Conn *c, const void *data, size_t n) {
    const char *p = data;
    while (n) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;  // tiny frames: spin rather than queue
            c->state = S_CLOSED;
            return;
        }
        p += w; n -= w;
    }
}

// A masked client frame.
static void sendFrame(Conn *c, int opcode, const char *payload, size_t n) {
    unsigned char f[16 + 4096];
    size_t h = 0;
    if (n > 4096) return;
    f[h++] = 0x80 | opcode;
    if (n < 126) f[h++] = 0x80 | n;
    else { f[h++] = 0x80 | 126; f[h++] = n >> 8; f[h++] = n & 255; }
    static const unsigned char key[4] = {0x24, 0x68, 0xAC, 0xE0};
    memcpy(f + h, key, 4); h += 4;
    for (size_t i = 0; i < n; i++) f[h + i] = payload[i] ^ key[i & 3];
    sendAll(c, f, h + n);
}

static int sources = 1;
static void startConnect(int i) {
    Conn *c = &conns[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { perror("socket"); exit(2); }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (sources > 1) {
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl(0x7f000001 + (i % sources));
        if (bind(c->fd, (struct sockaddr *) &src, sizeof src) < 0) { perror("bind"); exit(2); }
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(0x7f000001);
    connect(c->fd, (struct sockaddr *) &a, sizeof a);
    c->state = S_CONNECTING;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = i};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    inflight++;
    started++;
}

static int concurrency = 64;
static void startMore(void) {
    while (started < nconns && inflight < concurrency) startConnect(started);
}

static void closeConn(Conn *c) {
    if (c->state == S_CLOSED && c->fd < 0) return;
    if (c->state == S_CONNECTING || c->state == S_HANDSHAKE || c->state == S_WAIT_JOINED) { failed++; inflight--; }
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->state = S_CLOSED;
    free(c->buf); c->buf = NULL; c->len = c->cap = 0;
}

static void onText(Conn *c, int idx, const char *p, size_t n) {
    if (c->state == S_WAIT_JOINED) {
        c->state = S_OPEN;
        joined++;
        inflight--;
        return;
    }
    if (isFanout && idx < nsubs) {
        framesSeen++;
        if (!measuring) return;
        const char *m = memmem(p, n, "\"payload\":{\"t\":", 15);
        if (!m) return;
        uint64_t t = strtoull(m + 15, NULL, 10);
        if (t >= windowStart && t < windowEnd) {
            delivered++;
            lastFrameBytes = n;
            record(nowNs() - t);
        }
    } else if (!isFanout && c->pingSentAt) {
        if (memmem(p, n, "\"type\":\"pong\"", 13)) {
            record(nowNs() - c->pingSentAt);
            c->pingSentAt = 0;
            pongs++;
        }
    }
}

// Parses complete frames in [p, p+n); returns bytes consumed.
static size_t onFrames(Conn *c, int idx, char *p, size_t n) {
    size_t off = 0;
    while (n - off >= 2) {
        unsigned char *f = (unsigned char *) p + off;
        int opcode = f[0] & 15;
        uint64_t len = f[1] & 127;
        size_t h = 2;
        if (len == 126) { if (n - off < 4) break; len = (f[2] << 8) | f[3]; h = 4; }
        else if (len == 127) {
            if (n - off < 10) break;
            len = 0;
            for (int k = 0; k < 8; k++) len = (len << 8) | f[2 + k];
            h = 10;
        }
        if (f[1] & 128) h += 4;  // servers do not mask; tolerate it anyway
        if (n - off < h + len) break;
        char *payload = p + off + h;
        if (opcode == 1 || opcode == 2) onText(c, idx, payload, len);
        else if (opcode == 9) sendFrame(c, 10, payload, len);
        else if (opcode == 8) { closeConn(c); return off; }
        off += h + len;
    }
    return off;
}

static char rbuf[1 << 16];
static void onReadable(int idx) {
    Conn *c = &conns[idx];
    for (;;) {
        ssize_t r = recv(c->fd, rbuf, sizeof rbuf, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) { closeConn(c); return; }
        if (r < 0) return;
        char *p = rbuf;
        size_t n = r;
        if (c->len) {  // join the partial bytes kept from the last read
            if (c->len + n > c->cap) { c->cap = c->len + n; c->buf = realloc(c->buf, c->cap); }
            memcpy(c->buf + c->len, rbuf, n);
            p = c->buf; n = c->len + n;
        }
        size_t used = 0;
        if (c->state == S_HANDSHAKE) {
            char *end = memmem(p, n, "\r\n\r\n", 4);
            if (!end) { used = 0; goto keep; }
            if (n < 12 || memcmp(p + 9, "101", 3)) {
                fprintf(stderr, "wsload: handshake refused: %.*s\n", (int) (end - p), p);
                closeConn(c);
                return;
            }
            used = end + 4 - p;
            c->state = S_WAIT_JOINED;
        }
        used += onFrames(c, idx, p + used, n - used);
        if (c->fd < 0) return;
    keep:
        if (used < n) {
            size_t rest = n - used;
            if (p == c->buf) memmove(c->buf, p + used, rest);
            else {
                if (rest > c->cap) { c->cap = rest < 512 ? 512 : rest; c->buf = realloc(c->buf, c->cap); }
                memcpy(c->buf, p + used, rest);
            }
            c->len = rest;
        } else if (c->buf) {
            free(c->buf); c->buf = NULL; c->len = c->cap = 0;
        }
        if ((size_t) r < sizeof rbuf) return;
    }
}

static void onWritable(int idx) {
    Conn *c = &conns[idx];
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) { fprintf(stderr, "wsload: connect: %s\n", strerror(err)); closeConn(c); return; }
    char req[8192];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     paths[idx], port);
    c->state = S_HANDSHAKE;
    sendAll(c, req, n);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = idx};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void poll_once(int timeoutMs) {
    struct epoll_event evs[512];
    int n = epoll_wait(epfd, evs, 512, timeoutMs);
    for (int i = 0; i < n; i++) {
        int idx = evs[i].data.u32;
        Conn *c = &conns[idx];
        if (c->fd < 0) continue;
        if (c->state == S_CONNECTING) {
            if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) onWritable(idx);
        } else onReadable(idx);
    }
    startMore();
}

static void runFor(double seconds, void (*tick)(uint64_t)) {
    uint64_t end = nowNs() + (uint64_t) (seconds * 1e9);
    for (;;) {
        uint64_t t = nowNs();
        if (t >= end) return;
        if (tick) tick(t);
        poll_once(1);
    }
}

// publisher
static double rate = 400;
static int payloadBytes = 64;
static uint64_t pubStart, published = 0, publishedAtWindow = 0;
static int publishing = 1;
static void publishTick(uint64_t t) {
    if (!publishing) return;
    uint64_t due = (uint64_t) ((t - pubStart) / 1e9 * rate);
    Conn *pub = &conns[nsubs];
    char msg[4096], pad[4096];
    while (published < due) {
        uint64_t stamp = nowNs();
        char head[64];
        int hl = snprintf(head, sizeof head, "{\"t\":%llu,\"p\":\"", (unsigned long long) stamp);
        int padn = payloadBytes - hl - 2;
        if (padn < 0) padn = 0;
        if (padn > 3000) padn = 3000;
        memset(pad, 'x', padn);
        int n = snprintf(msg, sizeof msg, "{\"type\":\"publish\",\"topic\":\"bench\",\"reliable\":true,\"payload\":%s%.*s\"}}", head, padn, pad);
        sendFrame(pub, 1, msg, n);
        published++;
    }
}

static double pingRate = 1000;
static uint64_t pingStart, pingsSent = 0;
static int pingCursor = 0;
static void pingTick(uint64_t t) {
    uint64_t due = (uint64_t) ((t - pingStart) / 1e9 * pingRate);
    char msg[64];
    while (pingsSent < due) {
        Conn *c = &conns[pingCursor];
        pingCursor = (pingCursor + 1) % nconns;
        pingsSent++;
        if (c->state != S_OPEN || c->pingSentAt) continue;
        int n = snprintf(msg, sizeof msg, "{\"type\":\"ping\",\"id\":%llu}", (unsigned long long) pingsSent);
        c->pingSentAt = nowNs();
        sendFrame(c, 1, msg, n);
    }
}

static void connectAll(double timeout) {
    startMore();
    uint64_t deadline = nowNs() + (uint64_t) (timeout * 1e9);
    while (joined + failed < nconns && nowNs() < deadline) poll_once(10);
    if (joined < nconns) {
        fprintf(stderr, "wsload: only %d of %d connections joined (%d failed)\n", joined, nconns, failed);
        printf("error joined %d of %d\n", joined, nconns);
        exit(3);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: see the comment at the top of wsload.c\n"); return 2; }
    isFanout = !strcmp(argv[1], "fanout");
    const char *pathsFile = NULL;
    double duration = 10, warmup = 2, pingSeconds = 10;
    int connections = 1000;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port")) port = atoi(v);
        else if (!strcmp(k, "--paths")) pathsFile = v;
        else if (!strcmp(k, "--pid")) pid = atoi(v);
        else if (!strcmp(k, "--subscribers")) nsubs = atoi(v);
        else if (!strcmp(k, "--rate")) rate = atof(v);
        else if (!strcmp(k, "--duration")) duration = atof(v);
        else if (!strcmp(k, "--warmup")) warmup = atof(v);
        else if (!strcmp(k, "--payload")) payloadBytes = atoi(v);
        else if (!strcmp(k, "--connections")) connections = atoi(v);
        else if (!strcmp(k, "--sources")) sources = atoi(v);
        else if (!strcmp(k, "--ping-rate")) pingRate = atof(v);
        else if (!strcmp(k, "--ping-seconds")) pingSeconds = atof(v);
        else if (!strcmp(k, "--concurrency")) concurrency = atoi(v);
        else { fprintf(stderr, "wsload: unknown option %s\n", k); return 2; }
    }
    nconns = isFanout ? nsubs + 1 : connections;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t) nconns + 16 > rl.rlim_cur) {
        fprintf(stderr, "wsload: %d connections need more than the open-file limit %lu\n", nconns, (unsigned long) rl.rlim_cur);
        printf("error fd-limit %lu\n", (unsigned long) rl.rlim_cur);
        return 3;
    }
    paths = calloc(nconns, sizeof *paths);
    FILE *pf = fopen(pathsFile, "r");
    if (!pf) { perror(pathsFile); return 2; }
    char line[8192];
    for (int i = 0; i < nconns; i++) {
        if (!fgets(line, sizeof line, pf)) { fprintf(stderr, "wsload: %s has fewer than %d lines\n", pathsFile, nconns); return 2; }
        line[strcspn(line, "\r\n")] = 0;
        paths[i] = strdup(line);
    }
    fclose(pf);
    conns = calloc(nconns, sizeof *conns);
    hist = calloc(HBUCKETS, sizeof *hist);
    epfd = epoll_create1(0);

    long rssBefore = procStatus("VmRSS:"), anonBefore = procStatus("RssAnon:");
    uint64_t t0 = nowNs();
    connectAll(300);
    double joinSeconds = (nowNs() - t0) / 1e9;
    printf("joined %d\njoin_seconds %.3f\n", joined, joinSeconds);
    fflush(stdout);  // side_by_side.py --callgrind starts counting from this line

    if (isFanout) {
        pubStart = nowNs();
        runFor(warmup, publishTick);
        long u0, s0, u1, s1;
        procStat(&u0, &s0);
        measuring = 1;
        windowStart = nowNs();
        publishedAtWindow = published;
        runFor(duration, publishTick);
        publishing = 0;
        windowEnd = nowNs();
        uint64_t inWindow = published - publishedAtWindow;
        runFor(0.5, NULL);
        procStat(&u1, &s1);
        double hz = sysconf(_SC_CLK_TCK);
        double user = (u1 - u0) / hz, sys = (s1 - s0) / hz;
        uint64_t expected = inWindow * nsubs;
        printf("published %llu\nexpected %llu\ndelivered %llu\n", (unsigned long long) inWindow, (unsigned long long) expected, (unsigned long long) delivered);
        printf("window_seconds %.3f\nframe_bytes %llu\n", (windowEnd - windowStart) / 1e9, (unsigned long long) lastFrameBytes);
        printf("server_user_s %.2f\nserver_sys_s %.2f\n", user, sys);
        printf("us_per_delivery %.3f\n", (user + sys) * 1e6 / (delivered ? delivered : 1));
        printf("p50_ms %.3f\np99_ms %.3f\nover_1s %llu\n", percentileMs(0.5), percentileMs(0.99), (unsigned long long) histOver);
    } else {
        runFor(2, NULL);  // let the server settle (join broadcasts, heap trim)
        long rss = procStatus("VmRSS:"), anon = procStatus("RssAnon:");
        printf("rss_before_kb %ld\nrss_joined_kb %ld\nanon_before_kb %ld\nanon_joined_kb %ld\n", rssBefore, rss, anonBefore, anon);
        printf("bytes_per_conn %.0f\nanon_bytes_per_conn %.0f\n", (rss - rssBefore) * 1024.0 / joined, (anon - anonBefore) * 1024.0 / joined);
        pingStart = nowNs();
        runFor(pingSeconds, pingTick);
        runFor(0.5, NULL);
        printf("pings %llu\npongs %llu\nping_p50_ms %.3f\nping_p99_ms %.3f\n", (unsigned long long) pingsSent, (unsigned long long) pongs, percentileMs(0.5), percentileMs(0.99));
        long rssPing = procStatus("VmRSS:");
        printf("rss_after_pings_kb %ld\n", rssPing);
        // Leave as a client that quits does: a close frame (1000), then wait for the
        // server's close and its FIN (or 5 s), so the server sees clean departures.
        static const char bye[2] = {0x03, (char) 0xE8};
        for (int i = 0; i < nconns; i++)
            if (conns[i].fd >= 0) sendFrame(&conns[i], 8, bye, 2);
        uint64_t until = nowNs() + 5000000000ull;
        int open;
        do {
            poll_once(10);
            open = 0;
            for (int i = 0; i < nconns; i++) open += conns[i].fd >= 0;
        } while (open && nowNs() < until);
        printf("closed_by_server %d\n", nconns - open);
        for (int i = 0; i < nconns; i++) closeConn(&conns[i]);
        sleep(2);
        printf("rss_after_leave_2s_kb %ld\n", procStatus("VmRSS:"));
        sleep(3);
        printf("rss_after_leave_5s_kb %ld\n", procStatus("VmRSS:"));
    }
    fflush(stdout);
    return 0;
}
