"""Reads the raw results that tools/bench/run.sh leaves in its output folder.

Everything the report says comes from these files; nothing is typed in. A figure the report
asks for that the run did not produce raises MissingResult with its name, and the report fails
(tools/bench/report.py) instead of printing a verdict without evidence.

Each figure is the median over the rounds of run.sh; `spread(expr)` evaluates a derived figure
in every round on its own and gives the rounds' relative spread, the tolerance the claim
judges use (tools/bench/claims.py).
"""
import json
import os
import re
import statistics


class MissingResult(KeyError):
    """A result the report needs that this run did not produce (its name is the message)."""

    def __str__(self):
        return str(self.args[0]) if self.args else "?"


# The raw file behind each table (for the report's evidence column).
SOURCES = {
    "gort benchmark": "gort-*.json", "Go benchmark": "go.txt", "Go benchmark (B/op)": "go.txt",
    "Go benchmark (allocs/op)": "go.txt", "callgrind count": "callgrind.txt",
    "gort probe": "probes-gort.txt", "Go probe": "probes-go.txt",
    "Go -d=defer kinds": "probes-go-defer.txt", "Go -S listing": "probes-go-asm.txt",
    "Go -m -l escapes": "probes-go-escape.txt", "Go -m=2 inlining": "probes-go-inline.txt",
    "Go -race": "probes-go-race.txt", "machine": "machine.txt",
    "Go source query": "go-source.json", "Go runtime probe": "probes-go-runtime.txt",
    "gctrace run": "gctrace.jsonl", "Go cgo probe": "probes-go-cgo.txt",
    "pprof -top entry": "pprof-go-loopdefer.txt", "S3 run": "s3-gort.jsonl, s3-go.jsonl",
    "STW run": "stw.jsonl", "Go benchmark (-d=noopendefer)": "go-noopendefer.txt", "trace event": "trace-events.txt",
    "trace viewer profile": "trace-hot-sched.txt, trace-hot-sync.txt, trace-hot-syscall.txt, "
    "trace-hot-net.txt", "runnable delay (trace)": "trace-hot-events.txt",
    "spin probe": "spin.txt, spin-asyncpreemptoff.txt", "go_asm.h offset": "go-asmhdr.txt",
    "perf probe": "perf-dwarf.txt", "article recipe": "article-recipes.txt",
    "S2 run": "s2.jsonl",
    "CPU profile (S0)": "pprof-gort-loopdefer-traces.txt, pprof-go-loopdefer-traces.txt, "
    "s0-gort-profile.json, go.txt",
    "S3 trace summary": "s3trace-gort-none.summary.json, s3trace-gort-defer.summary.json, "
    "s3trace-go-none.summary.json, s3trace-go-defer.summary.json",
    "overhead run": "overhead.jsonl",
}
EVIDENCE = []  # when a set is pushed here, every table read adds its label to it


def used(label):
    if EVIDENCE:
        EVIDENCE[-1].add(label)


class Lines(list):
    """A list of output lines whose reads are recorded for the evidence column."""

    def __init__(self, label, lines):
        super().__init__(lines)
        self.label = label

    def __iter__(self):
        used(self.label)
        return super().__iter__()

    def __getitem__(self, i):
        used(self.label)
        return super().__getitem__(i)


def deviation(values, center):
    """The largest distance of values from center, over |center| (0 for fewer than 2 values):
    center x (1 +- deviation) is the narrowest window around center holding every value."""
    if len(values) < 2:
        return 0.0
    if not center:
        return float("inf")
    return max(abs(v - center) for v in values) / abs(center)


class Strict(dict):
    """A dict whose missing keys raise MissingResult naming the table and the key; get() keeps
    its default (for tables that show "-"). Reads are recorded for the evidence column."""

    def __init__(self, label, *args):
        super().__init__(*args)
        self.label = label

    def __getitem__(self, key):
        used(self.label)
        return super().__getitem__(key)

    def get(self, key, default=None):
        used(self.label)
        return super().get(key, default)

    def __missing__(self, key):
        raise MissingResult("%s: %s" % (self.label, key))


class Figures:
    """The derived figures, on top of go(name), gort(name) and counter(name, key); shared by the
    results of the whole run (medians) and by the view of one round (RoundView)."""

    def go_per_defer(self, n):
        """Go's cost of one defer in a function with n defers written out, over direct calls."""
        return (self.go("BenchmarkDeferN%d" % n) - self.go("BenchmarkNoDeferN%d" % n)) / n

    def gort_per_defer(self, n):
        return (self.gort("BM_GortDeferN/%d" % n) - self.gort("BM_ManualDeferN/%d" % n)) / n

    def go_loop_per_defer(self, n):
        """Go's cost of `defer cleanup()` in a loop, per defer, over the plain calls."""
        return (self.go("BenchmarkLoopDeferPlain/%d" % n)
                - self.go("BenchmarkNoDeferLoopPlain/%d" % n)) / n

    def go_loop_arg_per_defer(self, n):
        """Go's cost of `defer cleanupI(i)` in a loop (an allocated closure each), per defer."""
        return (self.go("BenchmarkLoopDefer/%d" % n) - self.go("BenchmarkNoDeferLoop/%d" % n)) / n

    def gort_loop_per_defer(self, n):
        return (self.gort("BM_GortLoopDeferPlain/%d" % n)
                - self.gort("BM_ManualLoopDeferPlain/%d" % n)) / n


class RoundView(Figures):
    """The results of round k alone (the k-th gort-<k>.json and the k-th block of go.txt)."""

    def __init__(self, results, k):
        self.r, self.k = results, k

    def go(self, name):
        return self.r._round_value(self.r.go_rounds, "Go benchmark", name, self.k)

    def gort(self, name):
        return self.r._round_value(self.r.gort_rounds, "gort benchmark", name, self.k)

    def counter(self, name, key):
        return self.r.counter(name, key)


class Results(Figures):
    def __init__(self, out, root):
        self.out = out
        self.root = root
        self.gort_ns, self.gort_counters = self._read_gort(out)
        self.go_ns, self.go_bytes, self.go_allocs = self._read_go(os.path.join(out, "go.txt"))
        # the same parser for the -d=noopendefer runs; it sets go_metrics and go_rounds, which
        # stay those of go.txt
        metrics, rounds = self.go_metrics, self.go_rounds
        self.go_noopen = Strict("Go benchmark (-d=noopendefer)", self._read_go(
            os.path.join(out, "go-noopendefer.txt"))[0])
        self.go_metrics, self.go_rounds = metrics, rounds
        self.callgrind = Strict("callgrind count", self._read_callgrind(
            os.path.join(out, "callgrind.txt")))
        self.probe_gort = Strict("gort probe", self._read_probes(
            os.path.join(out, "probes-gort.txt")))
        self.probe_go = Strict("Go probe", self._read_probes(os.path.join(out, "probes-go.txt")))
        self.go_defer_kinds = Strict("Go -d=defer kinds", self._read_defer_kinds())
        self.go_escape = Lines("Go -m -l escapes", self._read_lines("probes-go-escape.txt"))
        self.go_inline = Lines("Go -m=2 inlining", self._read_lines("probes-go-inline.txt"))
        self.go_asm = Strict("Go -S listing", self._read_asm())
        race = os.path.join(out, "probes-go-race.txt")
        self.go_race = (Lines("Go -race", self._read_lines("probes-go-race.txt"))
                        if os.path.exists(race) else None)
        self.machine = Strict("machine", self._read_machine())
        self.go_source = Strict("Go source query", json.loads(
            "\n".join(self._read_lines("go-source.json"))))
        self.probe_rt = Strict("Go runtime probe", self._read_probes(
            os.path.join(out, "probes-go-runtime.txt")))
        self.gctrace = Strict("gctrace run", self._read_gctrace())
        self.probe_cgo = Strict("Go cgo probe", self._read_probes(
            os.path.join(out, "probes-go-cgo.txt")))
        self.pprof = Strict("pprof -top entry", self._read_pprof("pprof-go-loopdefer.txt"))
        self.trace_events = Strict("trace event", self._read_trace_events())
        self.trace_views = Strict("trace viewer profile", {
            v: self._read_trace_view("trace-hot-%s.txt" % v)
            for v in ("sched", "sync", "syscall", "net")})
        self.trace_runnable = Strict("runnable delay (trace)",
                                     self._read_runnable("trace-hot-events.txt"))
        spin = self._read_probes(os.path.join(out, "spin.txt"))
        spin.update(("asyncpreemptoff " + k, v) for k, v in self._read_probes(
            os.path.join(out, "spin-asyncpreemptoff.txt")).items())
        self.probe_spin = Strict("spin probe", spin)
        self.go_asmhdr = Strict("go_asm.h offset", self._read_asmhdr("go-asmhdr.txt"))
        self.probe_perf = Strict("perf probe", self._read_perf_dwarf("perf-dwarf.txt"))
        self._read_lines("article-recipes.txt")  # a missing file is named
        self.probe_recipes = Strict("article recipe", self._read_probes(
            os.path.join(out, "article-recipes.txt")))
        self.stw = Strict("STW run", {"k%d" % x["pending_defers"]: x["pause_ns"]
                                      for x in self._read_jsonl("stw.jsonl")})
        self.s3_runs = self._read_s3()
        self.idle_gort = self._read_idle("idle-gort.txt")
        self.idle_go = self._read_idle("idle-go.txt")
        self.skynet_runs = self._read_jsonl("skynet-gort.jsonl") + self._read_jsonl(
            "skynet-go.jsonl")
        self.s2_runs = self._read_jsonl("s2.jsonl")
        # the attribution half (tools/bench/attribution.sh)
        self.profile_stacks = {side: self._read_pprof_traces("pprof-%s-loopdefer-traces.txt" % side)
                               for side in ("gort", "go")}
        self.s0_profile = Strict("CPU profile (S0)", self._s0_profile())
        self.s3_trace = Strict("S3 trace summary", self._read_s3_traces())
        self.overhead_runs = self._read_jsonl("overhead.jsonl")
        self.overhead = Strict("overhead run", self._overhead())

    # --- raw files --------------------------------------------------------------------------

    def _read_gort(self, out):
        """Median over the rounds (gort-<round>.json) of each case's wall-clock time and of each
        user counter (the keys with a '/': allocs/op, ns/yield, ...). Google Benchmark's
        /process_time and /real_time name suffixes are dropped (BM_GortYield/1/process_time/
        real_time is BM_GortYield/1); the process CPU time of such cases is kept as the counter
        'cpu_ns/op'."""
        import glob
        times, counters = {}, {}
        self.gort_rounds = {}
        for path in sorted(glob.glob(os.path.join(out, "gort-*.json"))):
            with open(path) as f:
                data = json.load(f)
            for b in data["benchmarks"]:
                if b.get("run_type") == "aggregate":
                    continue
                name = re.sub(r"/(process_time|real_time)", "", b["name"])
                scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
                times.setdefault(name, []).append(b["real_time"] * scale)
                c = counters.setdefault(name, {})
                for k, v in b.items():
                    if "/" in k and isinstance(v, (int, float)):
                        c.setdefault(k, []).append(v)
                if "/process_time" in b["name"]:
                    c.setdefault("cpu_ns/op", []).append(b["cpu_time"] * scale)
        self.gort_rounds = times
        return (Strict("gort benchmark", {k: statistics.median(v) for k, v in times.items()}),
                Strict("gort benchmark", {k: {ck: statistics.median(cv) for ck, cv in c.items()}
                                          for k, c in counters.items()}))

    def _read_go(self, path):
        """Medians over the rounds of ns/op, B/op, allocs/op and of every other metric a
        benchmark reported (b.ReportMetric: ns/yield, ...; kept in self.go_metrics)."""
        runs = {}
        line_re = re.compile(r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$")
        with open(path) as f:
            for line in f:
                m = line_re.match(line)
                if not m:
                    continue
                fields = m.group(2).split()
                metrics = runs.setdefault(m.group(1), {})
                for value, unit in zip(fields[0::2], fields[1::2]):
                    try:
                        metrics.setdefault(unit, []).append(float(value))
                    except ValueError:
                        pass
        self.go_metrics = {k: {u: statistics.median(v) for u, v in m.items()}
                           for k, m in runs.items()}
        self.go_rounds = {k: m["ns/op"] for k, m in runs.items() if "ns/op" in m}
        ns = {k: m["ns/op"] for k, m in self.go_metrics.items() if "ns/op" in m}
        by = {k: m["B/op"] for k, m in self.go_metrics.items() if "B/op" in m}
        al = {k: m["allocs/op"] for k, m in self.go_metrics.items() if "allocs/op" in m}
        return (Strict("Go benchmark", ns), Strict("Go benchmark (B/op)", by),
                Strict("Go benchmark (allocs/op)", al))

    def _read_callgrind(self, path):
        per_call = {}
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    per_call[parts[0]] = (int(parts[2]) - int(parts[1])) / 2000.0
        return per_call

    def _read_probes(self, path):
        values = {}
        with open(path) as f:
            for line in f:
                if ": " in line:
                    k, v = line.rstrip("\n").split(": ", 1)
                    values[k] = v
        return values

    def _read_lines(self, name):
        if not os.path.exists(os.path.join(self.out, name)):
            raise MissingResult("raw file: %s" % name)
        with open(os.path.join(self.out, name)) as f:
            return [line.rstrip("\n") for line in f]

    def _read_defer_kinds(self):
        """Maps each probe function to the kinds `go build -gcflags=-d=defer` reported for it."""
        src = os.path.join(self.root, "bench/go/probes/probes.go")
        func_at = {}
        current = None
        with open(src) as f:
            for number, line in enumerate(f, 1):
                m = re.match(r"^func (\w+)", line)
                if m:
                    current = m.group(1)
                func_at[number] = current
        self.func_at = func_at
        kinds = {}
        for line in self._read_lines("probes-go-defer.txt"):
            m = re.match(r"^\./probes\.go:(\d+):\d+: (\S+) defer", line)
            if m:
                kinds.setdefault(func_at[int(m.group(1))], []).append(m.group(2))
        return kinds

    def _read_asm(self):
        """Maps each function to its lines in `go build -gcflags=-S` output."""
        funcs, current = {}, None
        for line in self._read_lines("probes-go-asm.txt"):
            m = re.match(r"^main\.(\w+) STEXT(.*)", line)
            if m:
                current = m.group(1)
                funcs[current] = [line]
            elif current and line.startswith("\t"):
                funcs[current].append(line)
            elif not line.startswith("\t"):
                current = None
        return funcs

    def _read_s3(self):
        """S3 latency runs: one JSON object per line and configuration, every round, both
        implementations (s3-gort.jsonl, s3-go.jsonl)."""
        runs = []
        for name in ("s3-gort.jsonl", "s3-go.jsonl"):
            path = os.path.join(self.out, name)
            if not os.path.exists(path):
                continue
            with open(path) as f:
                runs.extend(json.loads(line) for line in f if line.strip())
        return runs

    def _read_jsonl(self, name):
        """One JSON object per line; an empty list when the file is absent."""
        path = os.path.join(self.out, name)
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip().startswith("{")]

    def _read_idle(self, name):
        """Runs of the idle program: a list of dicts with idle_cpu_ns, idle_wall_ns and
        /usr/bin/time's elapsed, user and sys seconds."""
        path = os.path.join(self.out, name)
        if not os.path.exists(path):
            return []
        runs, cur = [], {}
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line == "--":
                    if cur:
                        runs.append(cur)
                    cur = {}
                elif line.startswith("time: "):
                    e, u, s = line[6:].split()
                    cur.update(elapsed=float(e), user=float(u), sys=float(s))
                elif ": " in line:
                    k, v = line.split(": ", 1)
                    try:
                        cur[k] = float(v)
                    except ValueError:
                        cur[k] = v
        if cur:
            runs.append(cur)
        return runs

    def _read_pprof(self, name):
        """`go tool pprof -top` lines -> {function: {"flat%", "cum%"}}."""
        out = {}
        for line in self._read_lines(name):
            m = re.match(r"^\s*\S+\s+([\d.]+)%\s+[\d.]+%\s+\S+\s+([\d.]+)%\s+(\S+)", line)
            if m:
                out[m.group(3)] = {"flat%": float(m.group(1)), "cum%": float(m.group(2))}
        return out

    # --- the attribution half: S0's CPU profiles, S3's traces, overhead (attribution.sh) ------

    # The defer machinery in a CPU profile's stacks. Go 1.19: deferproc, deferprocStack,
    # deferreturn, newdefer, freedefer (and everything else with "defer" in its name), gopanic,
    # gorecover, recovery. gort: the frame core, gort::frame's members, gort::func (its setup,
    # registration and run loop are inlined there), gort::internal's defer_ops, pool and panic
    # functions.
    GO_MACHINERY = re.compile(r"^runtime\.(\w*[dD]efer\w*|gopanic|gorecover|recovery)\b")
    GORT_MACHINERY = re.compile(r"(^|\s)gort::(frame::|func$|func\b|internal::(defer|pool|panic|"
                                r"recover|chunk|frame|run_deferred))")

    @classmethod
    def machinery(cls, side, stack):
        """Whether a sample (stack leaf first) is in the defer machinery: walking from the leaf
        to the root, a machinery frame comes before any frame of the program's own code (the
        deferred function itself, cleanup, is the program's: it is not counted; runtime
        functions the machinery calls, mallocgc or an inlined releasem, are)."""
        for fr in stack:
            name = fr.replace(" (inline)", "")
            if (cls.GO_MACHINERY if side == "go" else cls.GORT_MACHINERY).search(name):
                return True
            own = (not name.startswith("runtime.")) if side == "go" else not (
                "gort::" in name or name.startswith("gort_start") or name.startswith("["))
            if own:
                return False
        return False

    def _read_pprof_traces(self, name):
        """`go tool pprof -traces` -> [(samples, (leaf, ..., root))]; the sample weight is the
        CPU time, counted in units of the first sample's period-like value (10 ms at 100 Hz)."""
        units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
        stacks, cur, weight = [], [], None

        def flush():
            if weight is not None and cur:
                stacks.append((weight, tuple(cur)))
        for line in self._read_lines(name):
            if line.startswith("-----------+"):
                flush()
                cur, weight = [], None
                continue
            m = re.match(r"^\s+([\d.]+)(ns|us|µs|ms|s)\s{2,}(\S.*)$", line)
            if m and weight is None:
                weight = float(m.group(1)) * units[m.group(2)]
                cur = [m.group(3).strip()]
            elif weight is not None and line.strip():
                cur.append(line.strip())
        flush()
        if not stacks:
            raise MissingResult("CPU profile (S0): no samples in %s" % name)
        return stacks

    def _s0_profile(self):
        """Samples (seconds of CPU) in the defer machinery and in all, per side, and each
        profile's defer rate (defers per second of the profiled run)."""
        out = {}
        for side, stacks in self.profile_stacks.items():
            out[side + " samples s"] = sum(w for w, _ in stacks)
            out[side + " machinery s"] = sum(w for w, st in stacks if self.machinery(side, st))
            out[side + " sample count"] = sum(round(w / 0.01) for w, _ in stacks)
        runs = self._read_jsonl("s0-gort-profile.json")
        if not runs:
            raise MissingResult("raw file: s0-gort-profile.json")
        out["gort defers/s"] = runs[0]["defers"] / runs[0]["seconds"]
        # Go's profiled benchmark: BenchmarkLoopDeferPlain/100, 100 defers per op (go.txt)
        go = self.go_ns.get("BenchmarkLoopDeferPlain/100")
        if not go:
            raise MissingResult("Go benchmark: BenchmarkLoopDeferPlain/100")
        out["go defers/s"] = 100 * 1e9 / go
        return out

    def _read_s3_traces(self):
        """gort-trace summary --json of the S3 traces -> {"<impl> <background> <kind> <q>": ns}
        (kind: wakeup, yield, all; q: p50, p90, p99, max, mean, count), plus each trace's
        duration and event count."""
        out = {}
        for impl in ("gort", "go"):
            for bg in ("none", "defer"):
                name = "s3trace-%s-%s.summary.json" % (impl, bg)
                text = "\n".join(self._read_lines(name))
                if not text.strip():
                    raise MissingResult("S3 trace summary: %s is empty" % name)
                d = json.loads(text)
                for kind in ("wakeup", "yield", "all"):
                    lat = d["latency"][kind]
                    for q in ("p50", "p90", "p99", "max", "mean"):
                        out["%s %s %s %s" % (impl, bg, kind, q)] = lat[q + "_ns"]
                    out["%s %s %s count" % (impl, bg, kind)] = lat["count"]
                out["%s %s duration" % (impl, bg)] = d["duration_ns"]
                out["%s %s events" % (impl, bg)] = d["events"]
        return out

    def _overhead(self):
        """overhead.jsonl -> medians over the rounds: skynet's wall ns and the S3 background's
        calls per second, per (workload, impl, mode); "<workload> <impl> <mode> rounds" counts."""
        groups = {}
        for x in self.overhead_runs:
            if x["workload"] == "skynet":
                if not x.get("ok"):
                    continue
                v = x["ns"]
            else:
                v = x["background_calls"] / x["seconds"]
            groups.setdefault("%s %s %s" % (x["workload"], x["impl_side"], x["mode"]), []).append(v)
        out = {k: statistics.median(v) for k, v in groups.items()}
        out.update(("%s rounds" % k, len(v)) for k, v in groups.items())
        out.update(("%s spread" % k, deviation(v, statistics.median(v))) for k, v in groups.items())
        leaves = [x["leaves"] for x in self.overhead_runs if x["workload"] == "skynet"]
        if leaves:
            out["skynet leaves"] = leaves[0]
        return out

    def _read_trace_view(self, name):
        """A trace viewer profile's `go tool pprof -top` -> {"total_ns", "cum%": {function: %}}."""
        units = {"ns": 1, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9, "0": 1}
        total = None
        for line in self._read_lines(name):
            m = re.search(r"of ([\d.]+)(ns|us|µs|ms|s)? total", line)
            if m:
                total = float(m.group(1)) * units[m.group(2) or "0"]
        if total is None:
            raise MissingResult("a total in %s" % name)
        return {"total_ns": total,
                "cum%": {k: v["cum%"] for k, v in self._read_pprof(name).items()}}

    def _read_runnable(self, name):
        """`go tool trace -d` of the hot trace -> how long goroutines stayed runnable: from the
        event that made one runnable (GoCreate, GoUnblock: the target g; GoSched, GoPreempt: the
        goroutine itself; GoSysExit) to its next GoStart; and how long the goroutines that call
        Gosched (the handlers) ran: from a GoStart to the goroutine's next GoBlock*, GoSched,
        GoPreempt, GoEnd, GoSysCall or GoSleep."""
        import statistics
        pending, delays, running, spells, yielders = {}, [], {}, [], set()
        for line in self._read_lines(name):
            parts = line.split()
            if len(parts) < 3 or not parts[0].isdigit():
                continue
            ts, ev = int(parts[0]), parts[1]
            gs = [p[2:] for p in parts[2:] if p.startswith("g=")]
            if not gs:
                continue
            if ev in ("GoCreate", "GoUnblock", "GoSysExit"):
                pending[gs[-1]] = ts
            elif ev in ("GoSched", "GoPreempt"):
                pending[gs[0]] = ts
                if ev == "GoSched":
                    yielders.add(gs[0])
            elif ev in ("GoStart", "GoStartLabel") and gs[-1] in pending:
                delays.append(ts - pending.pop(gs[-1]))
            if ev in ("GoStart", "GoStartLabel"):
                running[gs[-1]] = ts
            elif (ev.startswith("GoBlock") or ev in ("GoSched", "GoPreempt", "GoEnd", "GoSysCall",
                                                     "GoSleep")) and gs[0] in running:
                spells.append((gs[0], ts - running.pop(gs[0])))
        # the running spells of the goroutines that call Gosched (the handlers), not of main or
        # the runtime's own goroutines
        spells = [d for g, d in spells if g in yielders]
        if not delays or len(spells) < 4:
            raise MissingResult("runnable delays and running spells in %s" % name)
        q = statistics.quantiles(spells, n=4)
        return {"count": len(delays), "max_ns": max(delays), "mean_ns": statistics.mean(delays),
                "p50_ns": statistics.median(delays),
                "over_2ms": sum(1 for d in delays if d > 2e6),
                "spells": len(spells), "spell_q1_ns": q[0], "spell_p50_ns": q[1],
                "spell_q3_ns": q[2], "spells_over_1ms": sum(1 for d in spells if d > 1e6)}

    def _read_perf_dwarf(self, name):
        """perf-dwarf.txt -> the event's attributes ("sample_stack_user": "8192", ...), the
        samples' user-stack dump sizes ("ustack sizes": [bytes, ...]), perf's message for a
        size over the maximum ("over the maximum"), or {"unavailable": why}."""
        out, sizes = {}, []
        for line in self._read_lines(name):
            m = re.match(r"sample ustack: size (\d+)", line)
            if m:
                sizes.append(int(m.group(1)))
            elif line.startswith("perf unavailable: "):
                out["unavailable"] = line.split(": ", 1)[1]
            elif ": " in line:
                k, v = line.split(": ", 1)
                out[k.strip()] = v.strip()
        out["ustack sizes"] = sizes
        return out

    def _read_asmhdr(self, name):
        """go_asm.h's `#define g__defer 40` lines -> {"g__defer": 40}."""
        out = {}
        for line in self._read_lines(name):
            parts = line.split()
            if len(parts) == 3 and parts[0] == "#define" and parts[2].lstrip("-").isdigit():
                out[parts[1]] = int(parts[2])
        return out

    def _read_trace_events(self):
        """`go tool trace -d` output -> {event name: count}."""
        counts = {}
        for line in self._read_lines("trace-events.txt"):
            parts = line.split()
            if len(parts) > 2 and parts[0].isdigit() and "=" in parts[2]:
                counts[parts[1]] = counts.get(parts[1], 0) + 1
        return counts

    def _read_gctrace(self):
        """mode -> {"calls", "defers_per_call", "total_alloc", "num_gc", "gc_lines"}: the GC
        program's JSON line and the runtime's `gc N @...` lines of its run."""
        runs = {}
        for x in self._read_jsonl("gctrace.jsonl"):
            x = dict(x)
            path = os.path.join(self.out, "gctrace-%s.txt" % x["mode"])
            with open(path) as f:
                x["gc_lines"] = [l.rstrip("\n") for l in f if l.startswith("gc ")]
            runs[x.pop("mode")] = x
        return runs

    def _read_machine(self):
        info = {}
        for line in self._read_lines("machine.txt"):
            if ": " in line:
                k, v = line.split(": ", 1)
                info[k] = v
        return info

    # --- derived figures --------------------------------------------------------------------

    def gort(self, name):
        return self.gort_ns[name]

    def go(self, name):
        return self.go_ns[name]

    def counter(self, name, key):
        """A user counter of a gort case; a counter the case does not report is 0 (Google
        Benchmark drops zero-valued counters of no case), a case that did not run is missing."""
        return self.gort_counters[name].get(key, 0.0)

    def rounds(self):
        """The number of rounds every gort and Go benchmark ran in (the fewest of any)."""
        counts = [len(v) for v in self.gort_rounds.values()] + [
            len(v) for v in self.go_rounds.values()]
        return min(counts) if counts else 0

    def _round_value(self, table, label, name, k):
        if name not in table:
            raise MissingResult("%s: %s" % (label, name))
        return table[name][k]

    def spread(self, expr):
        """The relative spread of a derived figure over the rounds: expr(view) is evaluated on
        each round alone and on the whole run (expr(self), the figure a judge compares); the
        result is the largest distance of a round's value from the run's figure, over that
        figure (0 with one round): the window figure x (1 +- spread) is the narrowest one around
        it that holds every round. This is the tolerance a judge allows its figure."""
        values = [expr(RoundView(self, k)) for k in range(self.rounds())]
        return deviation(values, expr(self))

    def asm_instructions(self, func):
        """Instructions in a Go function's -S listing (PCDATA, FUNCDATA and NOP pseudo-ops
        excluded; the op is the third tab-separated field)."""
        count = 0
        for line in self.go_asm.get(func, [])[1:]:
            parts = line.split("\t")
            op = parts[2].split()[0] if len(parts) > 2 and parts[2].split() else ""
            if op and op not in ("PCDATA", "FUNCDATA", "TEXT", "NOP"):
                count += 1
        return count

    def asm_calls(self, func, target):
        return sum(1 for line in self.go_asm.get(func, []) if "CALL" in line and target in line)

    def go_metric(self, name, unit):
        if unit not in self.go_metrics.get(name, {}):
            raise MissingResult("Go benchmark metric: %s %s" % (name, unit))
        return self.go_metrics[name][unit]

    def s3_spread(self, expr, impl_configs):
        """The relative spread over the rounds of a figure of S3 runs: impl_configs is a list of
        (impl, procs, background); expr gets one run of each, from the same round."""
        per = [[x for x in self.s3_runs if x["impl"] == i and x["procs"] == p
                and x["background"] == b] for i, p, b in impl_configs]
        if any(not runs for runs in per):
            raise MissingResult("S3 run: %s" % (impl_configs,))
        values = [expr(*group) for group in zip(*per)]
        return deviation(values, expr(*[self.s3(*c) for c in impl_configs]))

    # --- S2: wrk runs of the HTTP servers (tools/bench/s2.sh) ----------------------------------

    @staticmethod
    def s2_figures(x):
        """One wrk run's figures: rps, p50/p99/max/mean latency in ms, errors (socket errors of
        every kind and timeouts) and non2xx (responses that were not 2xx or 3xx)."""
        secs = x["duration_us"] / 1e6
        return {"rps": x["requests"] / secs if secs else 0.0,
                "p50_ms": x["p50_us"] / 1e3, "p99_ms": x["p99_us"] / 1e3,
                "max_ms": x["max_us"] / 1e3, "mean_ms": x["mean_us"] / 1e3,
                "errors": x["err_connect"] + x["err_read"] + x["err_write"] + x["err_timeout"],
                "non2xx": x["err_status"], "requests": x["requests"]}

    def _s2_matching(self, server, handler, procs, conns):
        return [x for x in self.s2_runs if x["server"] == server and x["handler"] == handler
                and x["procs"] == procs and x["conns"] == conns]

    def s2(self, server, handler, procs, conns):
        """One S2 configuration: the medians over the rounds of rps and the latencies, the
        largest errors and non2xx of any round, rounds and failed (wrk runs that printed nothing).
        A configuration with no successful run is a MissingResult."""
        used("S2 run")
        runs = self._s2_matching(server, handler, procs, conns)
        good = [self.s2_figures(x) for x in runs if not x.get("failed")]
        if not good:
            raise MissingResult("S2 run: %s %s P=%d c=%d" % (server, handler, procs, conns))
        out = {k: statistics.median([g[k] for g in good]) for k in
               ("rps", "p50_ms", "p99_ms", "max_ms", "mean_ms")}
        out.update(errors=max(g["errors"] for g in good), non2xx=max(g["non2xx"] for g in good),
                   rounds=len(good), failed=len(runs) - len(good))
        return out

    def s2_spread(self, expr, configs):
        """The relative spread over the rounds of a figure of S2 runs: configs is a list of
        (server, handler, procs, conns); expr gets one run's figures of each, from one round."""
        per = [[self.s2_figures(x) for x in self._s2_matching(*c) if not x.get("failed")]
               for c in configs]
        if any(not runs for runs in per):
            raise MissingResult("S2 run: %s" % (configs,))
        values = [expr(*group) for group in zip(*per)]
        return deviation(values, expr(*[self.s2(*c) for c in configs]))

    def s3(self, impl, procs, background):
        """One S3 configuration, each figure the median over the rounds (percentiles and max of
        the latencies alike): {"rounds", "wake_ns": {"p50", ...}, "yield_ns": {...},
        "runnext_hits", ...}; None values (Go's absent counters) stay None."""
        used("S3 run")
        runs = [x for x in self.s3_runs if x["impl"] == impl and x["procs"] == procs
                and x["background"] == background]
        if not runs:
            raise MissingResult("S3 run: %s P=%d %s" % (impl, procs, background))

        def med(values):
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None
        out = {"runs": len(runs)}
        for k, v in runs[0].items():
            if isinstance(v, dict):
                out[k] = {q: med([x[k][q] for x in runs if x.get(k)]) for q in v}
            elif isinstance(v, (int, float)) and not isinstance(v, bool) or v is None:
                out[k] = med([x.get(k) for x in runs])
            else:
                out[k] = v
        return out

    def idle(self, impl):
        """The idle program's figures, medians over the rounds; None when it did not run."""
        runs = self.idle_gort if impl == "gort" else self.idle_go
        if not runs:
            return None
        keys = set().union(*runs)
        return {k: statistics.median([x[k] for x in runs if k in x]) for k in keys}

    def gort_or_none(self, name, figure=None):
        """A gort case's time per op (or one of its counters), None when it did not run."""
        if name not in self.gort_ns:
            return None
        return self.gort_ns[name] if figure is None else self.gort_counters[name].get(figure)

    def go_or_none(self, name, figure="ns/op"):
        return self.go_metrics.get(name, {}).get(figure)

    def skynet(self, impl, procs):
        """Skynet runs of one implementation at P = procs: {"runs", "ok_runs", "ns",
        "maxrss_kb", "leaves", "sums",
        "stack_bytes" (gort's)}, ns and maxrss_kb the medians over the runs whose sum was
        right; None when no run was recorded."""
        runs = [x for x in self.skynet_runs if x["impl"] == impl and x["procs"] == procs]
        if not runs:
            return None
        good = [x for x in runs if x["ok"] and x["sum"] == x["leaves"] * (x["leaves"] - 1) // 2]
        return {
            "runs": len(runs),
            "ok_runs": len(good),
            "leaves": runs[0]["leaves"],
            "sums": sorted(set(x["sum"] for x in runs)),
            "stack_bytes": runs[0].get("stack_bytes"),
            "ns": statistics.median([x["ns"] for x in good]) if good else None,
            "maxrss_kb": statistics.median([x["maxrss_kb"] for x in good]) if good else None,
        }

    def escape_lines_in(self, func):
        """The `go build -gcflags='-m -l'` lines about code inside probes.go's func."""
        used("Go -m -l escapes")
        out = []
        for line in self.go_escape:
            m = re.match(r"^\./probes\.go:(\d+):\d+: (.*)", line)
            if m and self.func_at.get(int(m.group(1))) == func:
                out.append(m.group(2))
        return out

    def escape_line(self, fragment):
        used("Go -m -l escapes")
        for line in self.go_escape:
            if fragment in line:
                return line.split(": ", 1)[1] if ": " in line else line
        return "(no line)"
