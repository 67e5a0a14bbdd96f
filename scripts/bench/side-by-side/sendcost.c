// sendcost: kernel cost per call of the four ways to hand a small buffer to a TCP socket:
// write(2) (libuv's uv_try_write for one buffer), send(2) with MSG_NOSIGNAL|MSG_DONTWAIT
// (uSockets, and our flush since issue 7's kernel work), writev(2) of one iovec (libuv for
// several buffers) and sendmsg(2). One process writes 171-byte messages (a data frame's
// size) round robin over N loopback connections (TCP_NODELAY, non-blocking) while a forked
// reader drains them with epoll; the writer thread's CPU time (getrusage RUSAGE_THREAD) per
// call is printed per method. The methods alternate REPS times, so a loaded machine hits
// them alike; read the ratios.
//
//   cc -O2 -o /tmp/sendcost scripts/bench/side-by-side/sendcost.c
//   /tmp/sendcost [N=200] [ROUNDS=2000] [REPS=6]
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { METHODS = 4 };
static const char *names[METHODS] = {"write", "send", "writev", "sendmsg"};

static void threadTimes(double *total, double *sys) {
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    *sys = r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
    *total = *sys + r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6;
}

static void drain(int *fds, int n) {
    int ep = epoll_create1(0);
    for (int i = 0; i < n; i++) {
        struct epoll_event e = {.events = EPOLLIN, .data.fd = fds[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
    }
    static char buf[65536];
    struct epoll_event ev[1024];
    for (int open = n; open > 0;) {
        int k = epoll_wait(ep, ev, 1024, -1);
        for (int j = 0; j < k; j++) {
            if (read(ev[j].data.fd, buf, sizeof buf) <= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, ev[j].data.fd, NULL);
                open--;
            }
        }
    }
}

static ssize_t sendOne(int method, int fd, char *msg, size_t len) {
    struct iovec v = {msg, len};
    struct msghdr h = {.msg_iov = &v, .msg_iovlen = 1};
    switch (method) {
    case 0: return write(fd, msg, len);
    case 1: return send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    case 2: return writev(fd, &v, 1);
    default: return sendmsg(fd, &h, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200, rounds = argc > 2 ? atoi(argv[2]) : 2000, reps = argc > 3 ? atoi(argv[3]) : 6;
    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 1024) || getsockname(listener, (struct sockaddr *)&a, &al)) {
        perror("listen");
        return 1;
    }
    int *client = malloc(n * sizeof(int)), *server = malloc(n * sizeof(int));
    for (int i = 0; i < n; i++) {
        client[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(client[i], (struct sockaddr *)&a, sizeof a) || (server[i] = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) < 0) {
            perror("connect");
            return 1;
        }
        setsockopt(server[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (fork() == 0) {
        for (int i = 0; i < n; i++) close(server[i]);
        drain(client, n);
        _exit(0);
    }
    for (int i = 0; i < n; i++) close(client[i]);
    char msg[171];
    memset(msg, 'x', sizeof msg);
    double total[METHODS] = {0}, sys[METHODS] = {0};
    struct timespec pause = {0, 1000000};  // 1 ms between rounds: the reader keeps up, no queue forms
    for (int rep = 0; rep < reps; rep++) {
        for (int m = 0; m < METHODS; m++) {
            double t0, s0, t1, s1;
            threadTimes(&t0, &s0);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) {
                    if (sendOne(m, server[i], msg, sizeof msg) != (ssize_t)sizeof msg) fprintf(stderr, "short write\n");
                }
                nanosleep(&pause, NULL);
            }
            threadTimes(&t1, &s1);
            total[m] += t1 - t0;
            sys[m] += s1 - s0;
            printf("rep %d %-7s %.3f us/call (sys %.3f)\n", rep, names[m], (t1 - t0) * 1e6 / ((double)rounds * n), (s1 - s0) * 1e6 / ((double)rounds * n));
            fflush(stdout);
        }
    }
    double calls = (double)reps * rounds * n;
    for (int m = 0; m < METHODS; m++) {
        printf("TOTAL %-7s %.3f us/call sys %.3f ratio to write %.3f\n", names[m], total[m] * 1e6 / calls, sys[m] * 1e6 / calls, total[m] / total[0]);
    }
    for (int i = 0; i < n; i++) close(server[i]);
    wait(NULL);
    return 0;
}
