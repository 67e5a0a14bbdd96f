#!/usr/bin/env python3
"""Runs our server and the uWebSockets peer under the same client (wsload), alternating.

Called by scripts/bench/uws-side-by-side.sh, which builds the binaries; see docs/benchmarks.md.
Every run starts a fresh server process, so nothing warms up across runs. Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(identity: str, room: str, hidden: bool) -> str:
    """An HS256 join token for the dev key (devkey / secret) that `serve --dev` accepts."""
    now = int(time.time())
    claims = {"iss": "devkey", "sub": identity, "nbf": now - 5, "exp": now + 3600,
              "video": {"room": room, "roomJoin": True, "hidden": hidden}}
    head = b64url(b'{"alg":"HS256","typ":"JWT"}')
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(b"secret", f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(sig)}"


def write_paths(path: str, count: int, room_of, hidden: bool) -> None:
    with open(path, "w") as f:
        for i in range(count):
            f.write(f"/rtc?access_token={token(f'bench-{i}', room_of(i), hidden)}\n")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start listening")


class Server:
    def __init__(self, kind: str, args, workdir: str, wrapper=(), start_timeout: float = 30):
        self.kind = kind
        self.port = free_port()
        self.log = open(os.path.join(workdir, f"{kind}.log"), "ab")
        if kind == "ours":
            cmd = [args.ours, "serve", "--dev", "--no-demo-catalog", "--port", str(self.port), "--log-level", "warning",
                   "--db", os.path.join(workdir, "bench.sqlite"), "--rooms-dir", workdir,
                   "--max-participants", "0"]  # one room of 1,000+ subscribers: no seat limit
        else:
            cmd = [args.uws, str(self.port)]
        self.proc = subprocess.Popen(list(wrapper) + cmd, stdout=self.log, stderr=self.log)
        wait_listening(self.port, self.proc, start_timeout)
        # The connection probe above is the only one; give the server a moment to be idle.
        time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM if self.kind == "ours" else signal.SIGKILL)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def run_wsload(args, server: Server, mode_args) -> dict:
    cmd = [args.wsload] + mode_args + ["--port", str(server.port), "--pid", str(server.proc.pid)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    result = {}
    for line in out.stdout.splitlines():
        k, _, v = line.partition(" ")
        try:
            result[k] = float(v)
        except ValueError:
            result[k] = v
    if out.returncode != 0 or "error" in result:
        raise RuntimeError(f"wsload failed ({out.returncode}): {out.stdout.strip()} {out.stderr.strip()[-500:]}")
    return result


def perf_user_share(pid: int, seconds: float) -> str:
    """User-space share of the server's samples (perf record -e cpu-clock), or why not."""
    data = f"/tmp/side-by-side-perf-{pid}.data"
    try:
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-p", str(pid), "-o", data, "--", "sleep", str(seconds)],
                       capture_output=True, timeout=seconds + 30, check=True)
        rep = subprocess.run(["perf", "report", "-i", data, "--sort", "dso", "--stdio", "-q"], capture_output=True, text=True, timeout=120)
        kernel = sum(float(l.split("%")[0]) for l in rep.stdout.splitlines() if "[kernel" in l and "%" in l)
        return f"{100 - kernel:.1f}"
    except Exception as e:  # perf missing or not permitted: the /proc split still stands
        return f"n/a ({type(e).__name__})"
    finally:
        if os.path.exists(data):
            os.remove(data)


def fanout(args, workdir: str) -> None:
    print(f"\n## Fan-out: {args.runs} alternating runs per load, {args.duration:g} s window, {args.payload}-byte payload")
    print("load | run | server | delivered/expected | µs/delivery | user µs | sys µs | user share | p50 ms | p99 ms | frame B")
    for load in args.loads.split(","):
        subs, rate = (int(x) for x in load.split("x"))
        paths = os.path.join(workdir, f"paths-{subs}.txt")
        write_paths(paths, subs + 1, lambda i: "bench-fanout", hidden=True)
        per = {"ours": [], "uws": []}
        for run in range(1, args.runs + 1):
            order = ["ours", "uws"] if run % 2 else ["uws", "ours"]
            for kind in (k for k in order if k in args.servers):
                s = Server(kind, args, workdir)
                try:
                    r = run_wsload(args, s, ["fanout", "--paths", paths, "--subscribers", str(subs), "--rate", str(rate),
                                             "--duration", str(args.duration), "--warmup", str(args.warmup), "--payload", str(args.payload)])
                finally:
                    s.stop()
                d = max(r["delivered"], 1)
                r["user_us"] = r["server_user_s"] * 1e6 / d
                r["sys_us"] = r["server_sys_s"] * 1e6 / d
                total = r["server_user_s"] + r["server_sys_s"]
                r["user_share"] = 100 * r["server_user_s"] / total if total else 0
                per[kind].append(r)
                print(f"{subs}x{rate} | {run} | {kind} | {int(r['delivered'])}/{int(r['expected'])} | {r['us_per_delivery']:.3f} | "
                      f"{r['user_us']:.3f} | {r['sys_us']:.3f} | {r['user_share']:.1f}% | {r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {int(r['frame_bytes'])}",
                      flush=True)
        if not per["ours"] or not per["uws"]:
            continue
        # A run that did not deliver every message to every subscriber (a server dropped
        # under backpressure: uWebSockets drops past maxBackpressure, ours cuts off at
        # max_buffered_bytes) does not measure the same work: its pair is left out.
        pairs = [(o, u) for o, u in zip(per["ours"], per["uws"])
                 if o["delivered"] == o["expected"] and u["delivered"] == u["expected"]]
        left_out = len(per["ours"]) - len(pairs)
        if not pairs:
            print(f"{subs}x{rate}: no run pair delivered everything; no ratios", flush=True)
            continue
        ratios = {k: [o[k] / u[k] for o, u in pairs if u[k] > 0]
                  for k in ("us_per_delivery", "user_us", "p50_ms", "p99_ms")}
        if left_out:
            print(f"{subs}x{rate}: {left_out} run pair(s) left out (not every message delivered)", flush=True)
        print(f"{subs}x{rate} ratios ours/uWS per complete run pair: " + "; ".join(
            f"{k} " + " ".join(f"{x:.2f}" for x in v) + f" (mean {statistics.mean(v):.2f})" for k, v in ratios.items() if v), flush=True)
        if args.perf:
            for kind in args.servers:
                s = Server(kind, args, workdir)
                try:
                    proc = subprocess.Popen([args.wsload, "fanout", "--paths", paths, "--subscribers", str(subs), "--rate", str(rate),
                                             "--duration", "8", "--warmup", "2", "--payload", str(args.payload),
                                             "--port", str(s.port), "--pid", str(s.proc.pid)], stdout=subprocess.DEVNULL)
                    time.sleep(4)
                    share = perf_user_share(s.proc.pid, 4)
                    proc.wait()
                finally:
                    s.stop()
                print(f"{subs}x{rate} perf user-space share of {kind}: {share}%", flush=True)


def callgrind_cost(path: str, keep: str = "") -> int:
    """Self cost (Ir) of every function in a callgrind dump, summed: the file's `summary`
    stays 0 when instrumentation was switched on during the run, so the cost lines are added
    up here (each `calls=` line is followed by an inclusive cost, which is skipped)."""
    total = 0
    skip = False
    with open(path) as f:
        for line in f:
            if skip:
                skip = False
            elif line.startswith("calls="):
                skip = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                total += int(line.split()[-1])
    if keep:  # for callgrind_annotate: where the instructions went
        os.makedirs(keep, exist_ok=True)
        os.replace(path, os.path.join(keep, os.path.basename(path)))
    else:
        os.remove(path)
    return total


def callgrind_ir(args, workdir: str) -> None:
    """User-space instructions per delivered message, counted by callgrind (valgrind).

    Both servers run under `valgrind --tool=callgrind` with instrumentation off; once every
    subscriber has joined and the publisher has run for the warm-up, collection is switched
    on (`callgrind_control -i on`) for a fixed number of seconds, then off. The instructions
    executed in user space (Ir: our code, the Swift runtime, libc, libuv — the kernel is not
    counted) are divided by the deliveries of that stretch, rate × subscribers × seconds
    (the run counts only if every message reached every subscriber). Unlike CPU time this
    does not move with the machine's load: it is the load-robust figure for user-space work.
    The rate is low so that each message goes out in its own loop turn even under valgrind's
    slowdown — the one-write-per-message regime of a quiet machine.
    """
    print(f"\n## User-space instructions per delivery (callgrind), {args.callgrind_seconds:g} s collected per run")
    print("load | run | server | delivered/expected | Ir collected | deliveries collected | Ir per delivery")
    for load in args.callgrind.split(","):
        subs, rate = (int(x) for x in load.split("x"))
        paths = os.path.join(workdir, f"paths-{subs}.txt")
        write_paths(paths, subs + 1, lambda i: "bench-fanout", hidden=True)
        for run in range(1, args.runs + 1):
            order = ["ours", "uws"] if run % 2 else ["uws", "ours"]
            for kind in (k for k in order if k in args.servers):
                out = os.path.join(workdir, f"callgrind-{kind}-{run}.out")
                s = Server(kind, args, workdir, wrapper=["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                                         f"--callgrind-out-file={out}"], start_timeout=120)
                warmup = 4.0
                try:
                    proc = subprocess.Popen([args.wsload, "fanout", "--paths", paths, "--subscribers", str(subs), "--rate", str(rate),
                                             "--duration", str(args.callgrind_seconds + 2), "--warmup", str(warmup), "--payload", str(args.payload),
                                             "--port", str(s.port), "--pid", str(s.proc.pid)], stdout=subprocess.PIPE, text=True)
                    # wsload prints "joined" once every connection is open; the window starts after its warm-up.
                    joined_at = None
                    while joined_at is None:
                        line = proc.stdout.readline()
                        if not line:
                            raise RuntimeError("wsload ended before every subscriber joined")
                        if line.startswith("joined "):
                            joined_at = time.time()
                    time.sleep(warmup + 1)
                    subprocess.run(["callgrind_control", "-i", "on", str(s.proc.pid)], capture_output=True, check=True)
                    time.sleep(args.callgrind_seconds)
                    subprocess.run(["callgrind_control", "-i", "off", str(s.proc.pid)], capture_output=True, check=True)
                    # Written now: a server killed at the end (uWebSockets) would write nothing.
                    subprocess.run(["callgrind_control", "-d", str(s.proc.pid)], capture_output=True, check=True)
                    rest, _ = proc.communicate(timeout=600)
                finally:
                    s.stop()
                r = {}
                for l in rest.splitlines():
                    k, _, v = l.partition(" ")
                    r[k] = v
                ir = sum(callgrind_cost(os.path.join(workdir, f), args.callgrind_keep) for f in os.listdir(workdir) if f.startswith(os.path.basename(out)))
                deliveries = subs * rate * args.callgrind_seconds
                print(f"{subs}x{rate} | {run} | {kind} | {r.get('delivered', '?')}/{r.get('expected', '?')} | {ir} | {deliveries:.0f} | "
                      f"{ir / deliveries:.0f}", flush=True)


def idle(args, workdir: str) -> None:
    print(f"\n## Idle joined connections: rooms of {args.room_size}, fresh server, no warm-up; "
          f"pings {args.ping_rate:g}/s round robin for {args.ping_seconds:g} s")
    print("connections | run | server | bytes RSS/conn | anon bytes/conn | RSS before → joined → 2 s / 5 s after leaving (KiB) | join s | ping p50 / p99 ms")
    for n in (int(x) for x in args.idle.split(",")):
        paths = os.path.join(workdir, f"idle-{n}.txt")
        write_paths(paths, n, lambda i: f"idle-{i // args.room_size}", hidden=False)
        for run in range(1, args.idle_runs + 1):
            order = ["ours", "uws"] if run % 2 else ["uws", "ours"]
            for kind in (k for k in order if k in args.servers):
                s = Server(kind, args, workdir)
                try:
                    r = run_wsload(args, s, ["idle", "--paths", paths, "--connections", str(n), "--sources", str(args.sources),
                                             "--ping-rate", str(args.ping_rate), "--ping-seconds", str(args.ping_seconds)])
                finally:
                    s.stop()
                print(f"{n} | {run} | {kind} | {r['bytes_per_conn']:.0f} | {r['anon_bytes_per_conn']:.0f} | "
                      f"{int(r['rss_before_kb'])} → {int(r['rss_joined_kb'])} → {int(r['rss_after_leave_2s_kb'])} / {int(r['rss_after_leave_5s_kb'])} | "
                      f"{r['join_seconds']:.2f} | {r['ping_p50_ms']:.3f} / {r['ping_p99_ms']:.3f} ({int(r['pongs'])} pongs)", flush=True)


SYSCALLS = ("write writev sendto sendmsg read readv recvfrom recvmsg epoll_wait epoll_pwait epoll_ctl "
            "setsockopt futex brk mmap munmap madvise timerfd_settime").split()


def syscalls_per_delivery(args, workdir: str) -> None:
    """System calls per delivered message, counted by `perf stat` on the syscall tracepoints.

    Counts, unlike CPU time, hardly move with the machine's load as long as both servers keep
    up (every message delivered) and each message still leaves in its own loop turn; the
    rate is low for that reason. The window is `--syscalls-seconds` after the subscribers
    joined and the publisher ran for the warm-up; deliveries in it are rate × subscribers ×
    seconds. Context switches are listed too: they do move with the load (preemption)."""
    print(f"\n## System calls per delivery (perf stat), {args.syscalls_seconds:g} s counted per run")
    events = ["raw_syscalls:sys_enter"] + [f"syscalls:sys_enter_{n}" for n in SYSCALLS] + ["context-switches", "task-clock"]
    for load in args.syscalls.split(","):
        subs, rate = (int(x) for x in load.split("x"))
        paths = os.path.join(workdir, f"paths-{subs}.txt")
        write_paths(paths, subs + 1, lambda i: "bench-fanout", hidden=True)
        deliveries = subs * rate * args.syscalls_seconds
        for run in range(1, args.runs + 1):
            order = ["ours", "uws"] if run % 2 else ["uws", "ours"]
            for kind in (k for k in order if k in args.servers):
                s = Server(kind, args, workdir)
                warmup = 3.0
                try:
                    proc = subprocess.Popen([args.wsload, "fanout", "--paths", paths, "--subscribers", str(subs), "--rate", str(rate),
                                             "--duration", str(args.syscalls_seconds + 2), "--warmup", str(warmup), "--payload", str(args.payload),
                                             "--port", str(s.port), "--pid", str(s.proc.pid)], stdout=subprocess.PIPE, text=True)
                    while True:
                        line = proc.stdout.readline()
                        if not line:
                            raise RuntimeError("wsload ended before every subscriber joined")
                        if line.startswith("joined "):
                            break
                    time.sleep(warmup + 0.5)
                    stat = subprocess.run(["perf", "stat", "-x", ",", "-e", ",".join(events), "-p", str(s.proc.pid), "--",
                                           "sleep", str(args.syscalls_seconds)], capture_output=True, text=True)
                    rest, _ = proc.communicate(timeout=600)
                finally:
                    s.stop()
                counts = {}
                for l in stat.stderr.splitlines():
                    f = l.split(",")
                    if len(f) > 3 and f[0].replace(".", "", 1).isdigit():
                        counts[f[2].split(":")[-1].replace("sys_enter_", "").replace("sys_enter", "all")] = float(f[0])
                r = dict(l.split(" ", 1) for l in rest.splitlines() if " " in l)
                shown = " ".join(f"{k} {v / deliveries:.4f}" for k, v in counts.items() if v and k != "task-clock")
                cpu = counts.get("task-clock", 0) * 1000 / deliveries  # msec → µs per delivery
                print(f"{subs}x{rate} | {run} | {kind} | delivered {r.get('delivered', '?')}/{r.get('expected', '?')} | "
                      f"per delivery: {shown} | task-clock {cpu:.3f} µs", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--ours", required=True)
    p.add_argument("--uws", required=True)
    p.add_argument("--wsload", required=True)
    p.add_argument("--servers", default="ours,uws", type=lambda v: v.split(","), help="which to run (default both)")
    p.add_argument("--loads", default="500x400,1000x200")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--duration", type=float, default=10)
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--payload", type=int, default=64)
    p.add_argument("--perf", action="store_true", help="also sample each server with perf for the user-space share")
    p.add_argument("--callgrind", default="", help="loads to count user-space instructions per delivery under callgrind (e.g. 500x20)")
    p.add_argument("--callgrind-seconds", type=float, default=5)
    p.add_argument("--callgrind-keep", default="", help="keep the callgrind dumps in this folder (for callgrind_annotate)")
    p.add_argument("--syscalls", default="", help="loads to count system calls per delivery with perf stat (e.g. 200x100)")
    p.add_argument("--syscalls-seconds", type=float, default=5)
    p.add_argument("--idle", default="", help="comma-separated connection counts for the idle test (e.g. 10000,19000)")
    p.add_argument("--idle-runs", type=int, default=1)
    p.add_argument("--room-size", type=int, default=100)
    p.add_argument("--sources", type=int, default=4, help="spread client addresses over 127.0.0.1..N")
    p.add_argument("--ping-rate", type=float, default=2000)
    p.add_argument("--ping-seconds", type=float, default=10)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="side-by-side-") as workdir:
        if args.loads:
            fanout(args, workdir)
        if args.callgrind:
            callgrind_ir(args, workdir)
        if args.syscalls:
            syscalls_per_delivery(args, workdir)
        if args.idle:
            idle(args, workdir)


if __name__ == "__main__":
    main()
