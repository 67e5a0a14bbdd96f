// The uWebSockets peer for scripts/bench/uws-side-by-side.sh: a pub/sub room server that
// speaks the same subset of our wire protocol the benchmark client uses, so both servers
// carry the same bytes.
//
//  - on open: subscribe to "bench", send {"type":"joined"} (the client waits for it, as it
//    waits for our `joined`);
//  - {"type":"publish",…,"payload":P} → every other subscriber gets
//    {"type":"data","topic":"bench","from":"<sender>","seq":N,"payload":P,"reliable":true,"ts":MS}
//    (the same envelope, so the same frame size, as ours; sent with ws->publish, which skips
//    the sender, as our rooms do);
//  - {"type":"ping","id":X} → {"type":"pong","id":X,"server_t":MS}.
//
// uWebSockets' defaults otherwise (no compression, 120 s idle timeout with automatic pings);
// maxBackpressure raised to 1 MiB like ours. Build: see uws-side-by-side.sh.
#include "App.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <time.h>

struct PerSocketData {
    char identity[24];
};

static uint64_t seq = 0;
static unsigned counter = 0;

static long long wallMilliseconds() {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// The raw JSON value after `"key":` in a flat message whose value runs to the last '}'
// (payload) or to the next ',' / '}' (id).
static std::string_view valueAfter(std::string_view m, std::string_view key, bool toLastBrace) {
    size_t k = m.find(key);
    if (k == std::string_view::npos) return {};
    size_t start = k + key.size();
    size_t end = toLastBrace ? m.rfind('}') : m.find_first_of(",}", start);
    if (end == std::string_view::npos || end < start) return {};
    return m.substr(start, end - start);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9001;
    uWS::App()
        .ws<PerSocketData>("/*", {
            .compression = uWS::DISABLED,
            .maxPayloadLength = 64 * 1024,
            .idleTimeout = 120,
            .maxBackpressure = 1024 * 1024,
            .open = [](auto *ws) {
                snprintf(ws->getUserData()->identity, sizeof(PerSocketData::identity), "bench-%u", counter++);
                ws->subscribe("bench");
                ws->send("{\"type\":\"joined\"}", uWS::OpCode::TEXT);
            },
            .message = [](auto *ws, std::string_view message, uWS::OpCode) {
                if (message.find("\"type\":\"publish\"") != std::string_view::npos) {
                    std::string_view payload = valueAfter(message, "\"payload\":", true);
                    std::string frame;
                    frame.reserve(payload.size() + 128);
                    char head[128];
                    int n = snprintf(head, sizeof head, "{\"type\":\"data\",\"topic\":\"bench\",\"from\":\"%s\",\"seq\":%llu,\"payload\":",
                                     ws->getUserData()->identity, (unsigned long long) ++seq);
                    frame.append(head, n);
                    frame.append(payload);
                    n = snprintf(head, sizeof head, ",\"reliable\":true,\"ts\":%lld}", wallMilliseconds());
                    frame.append(head, n);
                    ws->publish("bench", frame, uWS::OpCode::TEXT);
                } else if (message.find("\"type\":\"ping\"") != std::string_view::npos) {
                    std::string_view id = valueAfter(message, "\"id\":", false);
                    char out[160];
                    int n = snprintf(out, sizeof out, "{\"type\":\"pong\",\"id\":%.*s,\"server_t\":%lld}", (int) id.size(), id.data(), wallMilliseconds());
                    ws->send(std::string_view(out, n), uWS::OpCode::TEXT);
                }
            },
        })
        .listen("127.0.0.1", port, [port](auto *listenSocket) {
            if (!listenSocket) {
                fprintf(stderr, "uws_pubsub: cannot listen on %d\n", port);
                exit(1);
            }
        })
        .run();
}
