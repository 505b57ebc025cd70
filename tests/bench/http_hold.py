#!/usr/bin/env python3
"""Slow-client attack on leakwatchd's HTTP port, measured from a well-behaved scraper.

Holds N connections open from one or more loopback source addresses (127.0.0.1 .. 127.0.0.K),
each either idle after half a request line or trickling one header line a second, while a prober
on another source address fetches /healthz and /metrics every 100 ms. Prints one line of
key=value figures: the worst and 99th-percentile probe latency, failed probes, and how long the
server took to close the slow connections (from their first byte).

  http_hold.py --port 9847 [--conns 100] [--addrs 1] [--mode idle|trickle] [--duration 20]
               [--reopen] [--probe-addr 127.0.0.200]

--reopen opens a new slow connection whenever the server closes one (the "loop of nc" attack);
then the close figures describe the first generation only. Standard library only; bounded in time.
"""
import argparse
import socket
import threading
import time


def probe_once(addr, port, path, timeout):
    t0 = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                      source_address=(addr, 0)) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        ok = data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
        return time.monotonic() - t0, ok
    except OSError:
        return time.monotonic() - t0, False


class SlowConn:
    def __init__(self, addr, port, mode):
        self.opened = time.monotonic()
        self.closed_after = None
        self.mode = mode
        self.lines = 0
        self.sock = None
        try:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=5,
                                                 source_address=(addr, 0))
            self.sock.setblocking(False)
            head = b"GET /metr" if mode == "idle" else b"GET /metrics HTTP/1.1\r\n"
            self.sock.send(head)
            self.opened = time.monotonic()
        except OSError:
            self.closed_after = 0.0  # refused at once

    def tick(self, now):
        """Returns True once the server has closed (or refused) this connection."""
        if self.closed_after is not None:
            return True
        try:
            data = self.sock.recv(4096)
            if data == b"":
                self._closed(now)
                return True
            # an error answer (408/4xx) also ends it; the EOF follows
        except BlockingIOError:
            pass
        except OSError:
            self._closed(now)
            return True
        if self.mode == "trickle" and now - self.opened >= self.lines + 1:
            self.lines += 1
            try:
                self.sock.send(b"X-Slow-%d: %d\r\n" % (self.lines, self.lines))
            except OSError:
                self._closed(now)
                return True
        return False

    def _closed(self, now):
        self.closed_after = now - self.opened
        if self.sock:
            self.sock.close()

    def close(self):
        if self.sock and self.closed_after is None:
            self.sock.close()


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--addrs", type=int, default=1)
    ap.add_argument("--mode", choices=["idle", "trickle"], default="idle")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--reopen", action="store_true")
    ap.add_argument("--probe-addr", default="127.0.0.200")
    ap.add_argument("--probe-timeout", type=float, default=10.0)
    args = ap.parse_args()

    addrs = [f"127.0.0.{i + 1}" for i in range(args.addrs)]
    first = [SlowConn(addrs[i % len(addrs)], args.port, args.mode) for i in range(args.conns)]
    refused = sum(1 for c in first if c.closed_after == 0.0)
    live = list(first)
    latencies = {"/healthz": [], "/metrics": []}
    failures = {"/healthz": 0, "/metrics": 0}
    stop = threading.Event()

    def prober():
        while not stop.is_set():
            for path in ("/healthz", "/metrics"):
                dt, ok = probe_once(args.probe_addr, args.port, path, args.probe_timeout)
                latencies[path].append(dt)
                failures[path] += 0 if ok else 1
            stop.wait(0.1)

    t = threading.Thread(target=prober)
    t.start()
    deadline = time.monotonic() + args.duration
    reopened = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        still = []
        for i, c in enumerate(live):
            if c.tick(now):
                if args.reopen:
                    live_addr = addrs[(i + reopened) % len(addrs)]
                    still.append(SlowConn(live_addr, args.port, args.mode))
                    reopened += 1
            else:
                still.append(c)
        live = still
        time.sleep(0.05)
    stop.set()
    t.join()
    for c in live:
        c.close()
    closed = [c.closed_after for c in first if c.closed_after is not None and c.closed_after > 0]
    fig = {
        "mode": args.mode, "conns": args.conns, "addrs": args.addrs, "reopen": int(args.reopen),
        "refused_at_once": refused, "closed_by_server": len(closed),
        "closed_within_0.5s": sum(1 for c in closed if c <= 0.5),
        "open_at_end_of_first_gen": sum(1 for c in first if c.closed_after is None),
        "close_s_min": min(closed) if closed else float("nan"),
        "close_s_max": max(closed) if closed else float("nan"),
        "reopened": reopened,
    }
    for path in ("/healthz", "/metrics"):
        key = path.strip("/")
        fig[f"{key}_probes"] = len(latencies[path])
        fig[f"{key}_failed"] = failures[path]
        fig[f"{key}_p99_ms"] = percentile(latencies[path], 99) * 1000
        fig[f"{key}_max_ms"] = max(latencies[path], default=float("nan")) * 1000
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in fig.items()))


if __name__ == "__main__":
    main()
