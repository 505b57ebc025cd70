#!/usr/bin/env python3
"""The Python half of prometheus_e2e.sh: HTTP API polling and checks against leakwatchd and
Prometheus. Called as `prometheus_e2e_checks.py COMMAND ARGS...` by the script's py() (which runs
it in the background so that a signal runs the script's cleanup at once); PROM_URL comes from the
environment. Each command exits 0 when its checks hold, non-zero with FAIL lines otherwise."""
import calendar, json, os, re, socket, sys, time, urllib.error, urllib.parse, urllib.request

PROM = os.environ.get("PROM_URL", "")

def now():
    return time.time()

def get(path, params=None, timeout=5):
    url = PROM + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)

def query(q, timeout=10):
    body = urllib.parse.urlencode({"query": q}).encode()
    req = urllib.request.Request(PROM + "/api/v1/query", data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 400/422: PromQL errors come back as JSON
        try:
            return json.load(e)
        except ValueError:
            return {"status": "error", "error": f"HTTP {e.code}"}

def fail(msg):
    print(f"FAIL: {msg}", flush=True)
    sys.exit(1)

def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()

def alerts():
    return get("/api/v1/alerts")["data"]["alerts"]

class Watch:
    """Every poll: the forbidden alerts must not fire (LeakwatchDown at all,
    LeakwatchProcessMemoryLeak for the non-leakers). Remembers when each alert was first
    seen pending/firing."""
    def __init__(self, t0, nonleak_pids, down_armed=True):
        self.t0 = t0
        self.down_armed = down_armed
        self.nonleak = set(nonleak_pids)
        self.first = {}  # (alertname, pid|group, state) -> seconds after t0
        self.last = {}   # same key -> last seen
        self.polls = 0
        self.errors = 0
        self.pending_nonleak = set()

    def poll(self):
        try:
            al = alerts()
        except (OSError, ValueError, KeyError) as e:
            self.errors += 1
            if self.errors > 10:
                fail(f"Prometheus API unreachable: {e}")
            return []
        self.polls += 1
        t = now() - self.t0
        for a in al:
            lb, st = a["labels"], a["state"]
            name = lb.get("alertname")
            key = (name, lb.get("pid") or lb.get("group") or lb.get("cgroup") or lb.get("instance", ""), st)
            self.first.setdefault(key, round(t, 1))
            self.last[key] = round(t, 1)
            if name == "LeakwatchDown" and st == "firing" and self.down_armed:
                fail(f"LeakwatchDown fired at t={t:.1f}s: {lb}")
            if name == "LeakwatchProcessMemoryLeak" and lb.get("pid") in self.nonleak:
                if st == "firing":
                    fail(f"LeakwatchProcessMemoryLeak fired for a non-leaker at t={t:.1f}s: {lb}")
                if lb.get("pid") not in self.pending_nonleak:
                    print(f"note: LeakwatchProcessMemoryLeak pending (not firing) for non-leaker {lb.get('comm')} pid {lb.get('pid')} at t={t:.1f}s", flush=True)
                    self.pending_nonleak.add(lb.get("pid"))
        return al

    def firing(self, al, name, **labels):
        return any(a["state"] == "firing" and a["labels"].get("alertname") == name and
                   all(a["labels"].get(k) == v for k, v in labels.items()) for a in al)

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"first": [[*k, v, self.last[k]] for k, v in self.first.items()], "polls": self.polls}, f)

    @classmethod
    def load(cls, path, t0, nonleak):
        w = cls(t0, nonleak)
        if os.path.exists(path):
            with open(path) as f:
                d = json.load(f)
            w.first = {tuple(x[:3]): x[3] for x in d["first"]}
            w.last = {tuple(x[:3]): x[4] for x in d["first"]}
            w.polls = d["polls"]
        return w

def wait_up(args):
    """wait_up T0 SECS STATE: until up{job="leakwatch"} == 1, then until LeakwatchDown is no
    longer active. Prometheus evaluates rules from its start but applies its scrape targets on a
    5 s ticker, so absent(up) holds for ~5-6 s: with the shipped `for: 5m` that never fires, with
    the test's `for: 5s` it may. LeakwatchDown is checked strictly from then on."""
    t0, secs, state = float(args[0]), float(args[1]), args[2]
    w = Watch(t0, [], down_armed=False)
    end = now() + secs
    up_at = None
    while now() < end:
        al = w.poll()
        if up_at is None:
            try:
                r = query('up{job="leakwatch"}')["data"]["result"]
                if r and r[0]["value"][1] == "1":
                    up_at = now() - t0
                    print(f"ok:   Prometheus scrapes leakwatchd (up == 1) at t={up_at:.1f}s")
            except (OSError, ValueError, KeyError):
                pass
        if up_at is not None and not any(a["labels"].get("alertname") == "LeakwatchDown" for a in al):
            startup = sorted(st for (n, _, st) in w.first if n == "LeakwatchDown")
            if startup:
                print(f"note: LeakwatchDown was {'/'.join(startup)} before Prometheus's first scrape "
                      "(absent(up) for ~5 s vs for: 5s); resolved, checked strictly from now on")
            w.first, w.last = {}, {}
            w.save(state)
            return 0
        time.sleep(0.5)
    if up_at is None:
        fail(f"up{{job=\"leakwatch\"}} did not become 1 within {secs:.0f}s")
    fail(f"LeakwatchDown still active {secs:.0f}s after Prometheus got ready, though up == 1")

def check_rules(args):
    """check_rules N_RULES: the copy is loaded, every rule healthy, every `for:` now 5s."""
    want = int(args[0])
    groups = get("/api/v1/rules")["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    if len(rules) != want:
        fail(f"Prometheus loaded {len(rules)} rules, the shipped file has {want}")
    bad = [r["name"] for r in rules if r.get("health") not in ("ok", "unknown")]
    if bad:
        fail(f"unhealthy rules: {bad}")
    durs = sorted({r.get("duration", 0) for r in rules})
    if not set(durs) <= {0, 5}:
        fail(f"rule durations after scaling: {durs} (want 5 s or none)")
    print(f"ok:   Prometheus loaded {len(rules)} rules ({sum(1 for r in rules if r.get('duration') == 5)} with for: 5s)")

def transitions(q, t0, label=None):
    """A range query since t0, step 1s, as 'value from t=a' runs per series (for diagnosis)."""
    try:
        r = get("/api/v1/query_range", {"query": q, "start": t0, "end": now(), "step": 1})["data"]["result"]
    except (OSError, ValueError, KeyError) as e:
        return [f"  {q}: {e}"]
    out = []
    for series in r:
        m = series["metric"]
        name = m.get(label, "") if label else ""
        runs, prev = [], None
        for ts, v in series["values"]:
            t = round(float(ts) - t0)
            if v != prev:
                runs.append(f"{v}@{t}")
                prev = v
        gaps = sum(1 for (a, _), (b, _) in zip(series["values"], series["values"][1:]) if float(b) - float(a) > 1.5)
        out.append(f"  {q} {name}: {' '.join(runs[:40])}{' ...' if len(runs) > 40 else ''} ({gaps} gaps)")
    return out or [f"  {q}: no data"]

def diagnose(t0, pid):
    print("diagnosis (value@t, t in seconds after the workloads started):")
    for q, label in [(f'leakwatch_process_leak_suspect{{resource="memory",pid="{pid}"}}', None),
                     (f'leakwatch_process_growth_pattern{{pid="{pid}"}} == 1', "pattern"),
                     ('up{job="leakwatch"}', None),
                     ('round(scrape_duration_seconds{job="leakwatch"}, 0.1)', None),
                     ('round(leakwatch_processes_scanned, 100)', None),
                     ('round(rate(leakwatch_scans_total[10s]), 0.5)', None)]:
        for line in transitions(q, t0, label):
            print(line)
    try:
        for a in alerts():
            if a["labels"].get("pid") == pid:
                print(f"  alert now: {a['labels'].get('alertname')} {a['state']} since {a.get('activeAt')}")
    except (OSError, ValueError, KeyError):
        pass
    sys.stdout.flush()

def watch_leak(args):
    """watch_leak T0 STATE LEAK_PID PLATEAU_PID FDLEAK_PID DEADLINE MIN_WATCH"""
    t0, state = float(args[0]), args[1]
    leak, plateau, fdleak = args[2], args[3], args[4]
    deadline, min_watch = float(args[5]), float(args[6])
    w = Watch.load(state, t0, [plateau, fdleak])
    flagged = None  # first time Prometheus saw the daemon's leak_suspect == 1 for the leaker
    fired = fd_fired = None
    while True:
        t = now() - t0
        al = w.poll()
        if flagged is None:
            try:
                r = query(f'leakwatch_process_leak_suspect{{resource="memory",pid="{leak}"}} == 1')
                if r["data"]["result"]:
                    flagged = t
                    print(f"ok:   leakwatchd flags lw-prom-leak (leak_suspect 1 in Prometheus) at t={t:.1f}s", flush=True)
            except (OSError, ValueError, KeyError):
                pass
        if fired is None and w.firing(al, "LeakwatchProcessMemoryLeak", pid=leak, comm="lw-prom-leak"):
            fired = t
            print(f"ok:   LeakwatchProcessMemoryLeak fires for lw-prom-leak (pid {leak}) at t={t:.1f}s", flush=True)
        if fd_fired is None and w.firing(al, "LeakwatchFdLeak", pid=fdleak, comm="lw-prom-fdleak"):
            fd_fired = t
            print(f"ok:   LeakwatchFdLeak fires for lw-prom-fdleak (pid {fdleak}) at t={t:.1f}s", flush=True)
        if fired is not None and fd_fired is not None and t >= min_watch:
            break
        if t >= deadline:
            if fired is None:
                diagnose(t0, leak)
                fail(f"LeakwatchProcessMemoryLeak did not fire for lw-prom-leak (pid {leak}) within {deadline:.0f}s")
            if fd_fired is None:
                diagnose(t0, fdleak)
                fail(f"LeakwatchFdLeak did not fire for lw-prom-fdleak (pid {fdleak}) within {deadline:.0f}s")
        time.sleep(max(0.0, 1.0 - (now() - t0 - t)))
    w.save(state)
    print(f"ok:   over {now() - t0:.0f}s ({w.polls} polls): LeakwatchProcessMemoryLeak never fired for "
          f"lw-prom-plateau (pid {plateau}) nor lw-prom-fdleak (pid {fdleak}); LeakwatchDown never fired")
    # When it really happened, from Prometheus's own records rather than from our 1 s polls
    # (which start only once Prometheus is up): the first sample of leak_suspect 1, and the
    # alert's activeAt (when it went pending; firing is 5 s later).
    def first_one(q):
        try:
            r = get("/api/v1/query_range", {"query": q, "start": t0, "end": now(), "step": 0.5})["data"]["result"]
            return min(float(ts) for s in r for ts, v in s["values"] if v == "1") - t0
        except (OSError, ValueError, KeyError):
            return None
    def active_at(name, pid):
        for a in alerts():
            if a["labels"].get("alertname") == name and a["labels"].get("pid") == pid:
                ts = a["activeAt"]  # RFC 3339 with nanoseconds, UTC
                base, frac = ts.rstrip("Z").split(".") if "." in ts else (ts.rstrip("Z"), "0")
                sec = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
                return sec + float("0." + frac) - t0
        return None
    fmt = lambda x: "?" if x is None else f"{x:.1f}"
    q_mem = 'leakwatch_process_leak_suspect{resource="memory",pid="%s"}' % leak
    q_fds = 'leakwatch_process_leak_suspect{resource="fds",pid="%s"}' % fdleak
    line = (f"lw-prom-leak: suspect from t={fmt(first_one(q_mem))}s, LeakwatchProcessMemoryLeak pending "
            f"from t={fmt(active_at('LeakwatchProcessMemoryLeak', leak))}s, firing seen t={fired:.1f}s; "
            f"lw-prom-fdleak: suspect from t={fmt(first_one(q_fds))}s, LeakwatchFdLeak pending "
            f"from t={fmt(active_at('LeakwatchFdLeak', fdleak))}s, firing seen t={fd_fired:.1f}s")
    with open(state + ".timing", "w") as f:
        f.write(line + "\n")

def watch_oom(args):
    """watch_oom T0 STATE NONLEAK_PIDS(comma) VICTIM_PID CGROUP_REL SECS"""
    t0, state, nonleak, victim, cg, secs = float(args[0]), args[1], args[2].split(","), args[3], args[4], float(args[5])
    w = Watch.load(state, t0, nonleak)
    end = now() + secs
    seen = fired = None
    while now() < end:
        al = w.poll()
        t = now() - t0
        try:
            if seen is None and query('leakwatch_oom_kills_total{group="lw-prom-oom"} >= 1')["data"]["result"] and \
                    query(f'leakwatch_cgroup_oom_kills_total{{cgroup="{cg}"}} >= 1')["data"]["result"]:
                seen = t
                print(f"ok:   the OOM kill is in Prometheus (leakwatch_oom_kills_total{{group=\"lw-prom-oom\"}}, "
                      f"leakwatch_cgroup_oom_kills_total{{cgroup=\"{cg}\"}}) at t={t:.1f}s", flush=True)
        except (OSError, ValueError, KeyError):
            pass
        if fired is None and w.firing(al, "LeakwatchOOMKill", group="lw-prom-oom"):
            fired = t
            print(f"ok:   LeakwatchOOMKill fires for group lw-prom-oom at t={t:.1f}s", flush=True)
        if seen is not None and fired is not None:
            w.save(state)
            return 0
        time.sleep(1)
    if seen is None:
        fail(f"the OOM kill of pid {victim} did not reach Prometheus within {secs:.0f}s")
    fail(f"LeakwatchOOMKill did not fire for group lw-prom-oom within {secs:.0f}s")

# Window labels are the daemon's configured windows. The dashboard is written for the default
# windows (15m, 1h, 6h); this daemon runs at 1/60 time with windows 15s, 1m, 6m.
WINDOW_MAP = {"15m": "15s", "1h": "1m", "6h": "6m"}

def run_queries(args):
    """run_queries QUERIES_FILE ALLOW_FILE STATE NONLEAK_PIDS(comma) T0"""
    qfile, allow_file, state, nonleak, t0 = args[0], args[1], args[2], args[3].split(","), float(args[4])
    w = Watch.load(state, t0, nonleak)
    w.poll()  # one last look at the alerts
    w.save(state)
    allow = []
    with open(allow_file) as f:
        for line in f:
            if line.strip():
                pat, why = line.rstrip("\n").split("\t", 1)
                allow.append((re.compile(pat), why))
    with open(qfile) as f:
        qs = [l.strip() for l in f if l.strip()]
    if len(qs) < 20:
        fail(f"only {len(qs)} dashboard queries: dashboard_queries.py broken?")
    rows, problems, allowed_used = [], [], []
    for i, q in enumerate(qs, 1):
        run = re.sub(r'window="([^"]*)"', lambda m: f'window="{WINDOW_MAP.get(m.group(1), m.group(1))}"', q)
        r = query(run)
        if r.get("status") != "success":
            problems.append(f"query {i} failed: {r.get('errorType')}: {r.get('error')}: {run}")
            rows.append((i, "ERROR", q))
            continue
        for wmsg in r.get("warnings", []) or []:
            print(f"warning: query {i}: {wmsg}")
        d = r["data"]
        n = len(d["result"]) if d["resultType"] in ("vector", "matrix") else 1
        mark = ""
        if n == 0:
            why = next((why for pat, why in allow if pat.search(q)), None)
            if why is None:
                problems.append(f"query {i} returned no data: {run}")
                mark = "  <-- EMPTY"
            else:
                allowed_used.append((i, why))
                mark = "  (allowed empty)"
        if run != q:
            mark += "  [ran with " + ", ".join(sorted(set(re.findall(r'window="[^"]*"', run)))) + "]"
        rows.append((i, n, q + mark))
    print(f"{'#':>3} {'series':>6}  query")
    for i, n, q in rows:
        print(f"{i:>3} {n!s:>6}  {q}")
    for i, why in allowed_used:
        print(f"allowed empty: query {i}: {why}")
    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        sys.exit(1)
    print(f"ok:   {len(qs)} dashboard queries: all status success, "
          f"{len(qs) - len(allowed_used)} with data, {len(allowed_used)} empty and allowed")

def summary(args):
    """summary STATE PID=NAME,...: the alerts seen for our processes and for the host/daemon, with
    when each was first and last seen pending/firing; alerts for other processes are counted."""
    with open(args[0]) as f:
        d = json.load(f)
    ours = dict(x.split("=", 1) for x in args[1].split(","))
    seen, others = {}, set()
    for name, who, st, first, last in d["first"]:
        if who.isdigit() and who not in ours:
            others.add(who)
            continue
        seen.setdefault((name, who), {})[st] = f"{first:>6}..{last:<6}"
    print("alerts seen (first..last poll, seconds after the workloads started):")
    for (name, who), sts in sorted(seen.items()):
        label = f"{ours[who]} (pid {who})" if who in ours else who
        print(f"  {name:<32} {label:<36} pending {sts.get('pending', '-'):>14}  firing {sts.get('firing', '-'):>14}")
    if others:
        print(f"  (+ alerts for {len(others)} other processes of this host, e.g. compilers:"
              " at 1/60 time their start-up growth looks like hours of growth)")

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "freeport":
        freeport()
    else:
        sys.exit(globals()[cmd](args) or 0)
