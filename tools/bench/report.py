#!/usr/bin/env python3
"""Writes REPORT.md and its SVG charts from the results tools/bench/run.sh collected.

Usage: report.py <results dir> <repository root>

Every figure comes from the files of this run; ratios compare cases measured in this one run.
"""
import collections
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims import (CLAIMS, CONFIRMED, COUNTERS, GO_VERSION, HARDWARE, NA,  # noqa: E402
                    PARTLY, PRIVATE, REFUTED, UNVERIFIABLE, WAITS, ns)
import claims  # noqa: E402
import html_report  # noqa: E402
import results  # noqa: E402
from results import MissingResult, Results  # noqa: E402

ARTICLES = ("000", "001", "002", "003", "004")

COLORS = {"gort": "#2b7bb9", "manual C++": "#7f7f7f", "Go": "#e07b39", "Go direct": "#c9b28f",
          "gort P=1": "#2b7bb9", "gort P=2": "#8cbde3", "Go P=1": "#e07b39", "Go P=2": "#f2b98f",
          "gort p50": "#2b7bb9", "gort p99": "#8cbde3", "Go p50": "#e07b39", "Go p99": "#f2b98f",
          "nginx": "#4c9f50"}

# Scheduler benchmarks (bench/sched_bench.cpp, bench/go/sched_test.go): table label, chart label,
# gort case, Go case, figure (None: the time per op; else a counter / metric name), threshold in
# ns (SPEC.md's performance targets) or None.
SCHED = [
    ("spawn+exit+wait, one at a time", "spawn+exit+wait", "BM_GortSpawnWait",
     "BenchmarkSpawnWait", None, 120),
    ("spawn+exit+wait in batches of 1000, per goroutine", "spawn, batches of 1000",
     "BM_GortSpawnBatch", "BenchmarkSpawnBatch", None, 80),
    ("yield, one goroutine alone", "yield alone", "BM_GortYield", "BenchmarkYield", None, None),
    ("yield, two runnable goroutines, per yield", "yield pair, per yield", "BM_GortYieldPair",
     "BenchmarkYieldPair", "ns/yield", 40),
]

# Channel, select, sync and timer benchmarks (bench/chan_bench.cpp, bench/go/chan_test.go): table
# label, chart label (None: not charted, being on another scale), gort case, Go case,
# C++ baseline case (None: none) and what it is, divisor (the op's time over this is shown too:
# per timer for the batches of 10,000), threshold in ns (SPEC.md's performance targets) or None.
CHAN = [
    ("unbuffered channel round trip (ping-pong)", "unbuffered round trip",
     "BM_GortChanPingPong", "BenchmarkChanPingPong", "BM_ThreadPingPong",
     "2 threads, mutex + condvar", 1, 100),
    ("buffered channel (cap 128), per element", "buffered, per element", "BM_GortChanBuffered",
     "BenchmarkChanBuffered", None, None, 1, 15),
    ("select over 2 buffered channels, per select", "select, 2 channels", "BM_GortSelect2",
     "BenchmarkSelect2", None, None, 1, None),
    ("select over 4 buffered channels, per select", "select, 4 channels", "BM_GortSelect4",
     "BenchmarkSelect4", None, None, 1, None),
    ("mutex lock+unlock, uncontended", "mutex, uncontended", "BM_GortMutexUncontended",
     "BenchmarkMutexUncontended", "BM_StdMutexUncontended", "std::mutex", 1, 10),
    ("mutex, 4 goroutines contending, per lock", "mutex, 4 contending", "BM_GortMutexContended",
     "BenchmarkMutexContended", "BM_StdMutexContended", "std::mutex, 4 threads", 1, None),
    ("waitgroup: add(8), 8 goroutines call done, wait; per cycle", None,
     "BM_GortWaitGroupCycle", "BenchmarkWaitGroupCycle", None, None, 1, None),
    ("10,000 goroutines sleeping 1 ms: whole batch / per timer", None, "BM_GortTimers10k",
     "BenchmarkTimers10k", None, None, 10000, None),
    ("10,000 goroutines receiving from after(1 ms): whole batch / per timer", None,
     "BM_GortAfter10k", "BenchmarkAfter10k", None, None, 10000, None),
]


def bar_chart(path, title, groups, unit="ns"):
    """groups: [(label, [(series, value), ...]), ...] -> horizontal grouped bars, linear scale."""
    series = []
    for _, bars in groups:
        for s, _ in bars:
            if s not in series:
                series.append(s)
    vmax = max(v for _, bars in groups for _, v in bars) or 1
    bar_h, gap, left, width = 14, 10, 170, 460
    height = 40 + sum(len(b) * bar_h + gap for _, b in groups) + 30
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (left + width + 90, height),
           '<text x="8" y="18" font-size="13" font-weight="bold">%s</text>' % html.escape(title)]
    y = 32
    for label, bars in groups:
        out.append('<text x="8" y="%d">%s</text>' % (y + bar_h, html.escape(label)))
        for s, v in bars:
            w = max(1, v / vmax * width)
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (
                left, y, w, bar_h - 2, COLORS.get(s, "#555")))
            out.append('<text x="%.1f" y="%d">%s</text>' % (
                left + w + 4, y + bar_h - 3, html.escape("%.1f %s" % (v, unit))))
            y += bar_h
        y += gap
    x = 8
    for s in series:
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (
            x, y + 4, COLORS.get(s, "#555")))
        out.append('<text x="%d" y="%d">%s</text>' % (x + 14, y + 13, html.escape(s)))
        x += 20 + 7 * len(s)
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def flame_graph(path, title, stacks):
    """stacks: Counter of tuples (root..leaf) -> SVG icicle graph (root at the top)."""
    total = sum(stacks.values())
    if total == 0:
        return False
    tree = {}
    for stack, n in stacks.items():
        node = tree
        for fr in stack:
            entry = node.setdefault(fr, [0, {}])
            entry[0] += n
            node = entry[1]
    width, row = 1100, 16
    rects = []

    def walk(node, x, depth):
        for name, (n, kids) in sorted(node.items()):
            w = n / total * width
            if w >= 0.5:
                rects.append((x, depth, w, name, n))
                walk(kids, x, depth + 1)
            x += w
    walk(tree, 0, 0)
    depth = max(d for _, d, _, _, _ in rects) + 1
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="monospace" font-size="10">' % (width, depth * row + 30),
           '<text x="4" y="14" font-family="sans-serif" font-size="13" font-weight="bold">%s'
           '</text>' % html.escape(title)]
    for x, d, w, name, n in rects:
        hue = 20 + (sum(map(ord, name)) % 40)
        y = 22 + d * row
        out.append('<g><title>%s (%d samples, %.1f%%)</title><rect x="%.1f" y="%d" width="%.1f" '
                   'height="%d" fill="hsl(%d,80%%,60%%)" stroke="white"/>' % (
                       html.escape(name), n, 100.0 * n / total, x, y, w, row - 1, hue))
        chars = int(w / 6)
        if chars >= 4:
            label = name if len(name) <= chars else name[:chars - 2] + ".."
            out.append('<text x="%.1f" y="%d">%s</text>' % (x + 2, y + 11, html.escape(label)))
        out.append("</g>")
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))
    return True


def short_symbol(sym):
    """Shortens a demangled C++ symbol for the profile: drops arguments and template lists."""
    s = sym.split("+0x")[0].replace("(anonymous namespace)::", "")
    depth, outs = 0, []
    for ch in s:
        if ch in "<(":
            depth += 1
            if depth == 1:
                outs.append("<>" if ch == "<" else "()")
        elif ch in ">)":
            depth -= 1
        elif depth == 0:
            outs.append(ch)
    return "".join(outs).replace("{lambda()", "lambda").strip() or s[:60]


def read_perf(path):
    """perf script output (one benchmark) -> Counter(stack tuple), stacks root first, cut at
    the benchmark function."""
    stacks = collections.Counter()
    stack = []

    def flush():
        if stack:
            frames = [short_symbol(s) for s in reversed(stack)]
            start = next((i for i, fr in enumerate(frames) if "BM_" in fr), None)
            if start is None:
                keep = ["(outside the benchmark loop)"] + frames[-1:]
            else:
                keep = frames[start:]
            stacks[tuple(keep)] += 1
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                flush()
                stack = []
            elif line.startswith("\t") or line.startswith(" "):
                parts = line.strip().split(" ", 1)
                if len(parts) == 2:
                    sym, _, dso = parts[1].rpartition(" (")
                    if sym == "[unknown]":
                        sym = "[%s]" % os.path.basename(dso.rstrip(")"))
                    stack.append(sym)
    flush()
    return stacks


def classify(frame):
    if "cleanup" in frame or frame.endswith("use"):
        return "the deferred function itself"
    if ("Unwind" in frame or "personality" in frame or "libgcc" in frame or "_dl_find" in frame
            or frame.startswith("__cxa") or "libstdc++" in frame or "uw_" in frame):
        return "C++ unwinder (libgcc/libstdc++)"
    if "malloc" in frame or "free" in frame or "operator new" in frame or "operator delete" in frame:
        return "allocator"
    if frame.startswith("gort::") or "defer_ops" in frame or "gort_" in frame:
        return "gort (frame setup, defer registration and run loop, panic handling)"
    return "other"


def dur(x):
    """A duration in ns, in the unit that suits it."""
    if x is None:
        return "-"
    if x < 1e3:
        return "%.0f ns" % x
    if x < 1e6:
        return "%.*f µs" % (2 if x < 1e4 else 1, x / 1e3)
    return "%.2f ms" % (x / 1e6)


def counters_table(r, w, cases, fmt, skip_missing=False):
    """The table of what each gort benchmark case did per op at P = 1 and 2: the scheduler's
    counters (bench/sched_counters.hpp), the process's CPU time and the wall time, formatted by
    fmt. skip_missing: leave out the cases that did not run instead of failing."""
    w("| case | P | switches/op | runnext hits/op | steals/op | CPU time/op (all threads) | "
      "wall time/op |\n|---|---|---|---|---|---|---|")
    for gc in cases:
        for procs in (1, 2):
            name = "%s/%d" % (gc, procs)
            if skip_missing and r.gort_or_none(name) is None:
                continue
            w("| %s | %d | %.3f | %.3f | %.4f | %s | %s |" % (
                gc[len("BM_Gort"):], procs, r.counter(name, "switches/op"),
                r.counter(name, "runnext/op"), r.counter(name, "steals/op"),
                fmt(r.counter(name, "cpu_ns/op")), fmt(r.gort(name))))
    w("")


def sched_figures(r, gort_case, go_case, figure, procs):
    """(gort, Go) figures of one scheduler benchmark at P = procs, in ns."""
    g = "%s/%d" % (gort_case, procs)
    go = "%s/P%d" % (go_case, procs)
    if figure is None:
        return r.gort(g), r.go(go)
    return r.counter(g, figure), r.go_metric(go, figure)


def scheduler_section(r, out, w):
    w("## Scheduler (SPEC.md part 3)\n")
    w("gort's cases boot `gort::run(main, P)` inside the benchmark and time a loop on the main "
      "goroutine; the Go twins set `runtime.GOMAXPROCS(P)` inside theirs "
      "(`bench/sched_bench.cpp`, `bench/go/sched_test.go`). Waiting parks: gort's side waits on "
      "a `gort::waitgroup`, Go's on a `sync.WaitGroup` (the same user-level code on both "
      "sides). The yield pair's figure is the elapsed time over the yields of both "
      "goroutines: at P=1 the cost of one switch from one to the other; at P=2 the two may run "
      "side by side on the two Ps. Times are wall-clock medians over the rounds.\n")
    w("| benchmark | gort P=1 | gort P=2 | Go P=1 | Go P=2 | gort / Go (P=1, P=2) | target | "
      "met? |\n|---|---|---|---|---|---|---|---|")
    groups = []
    for label, short, gc, goc, fig, lim in SCHED:
        g1, go1 = sched_figures(r, gc, goc, fig, 1)
        g2, go2 = sched_figures(r, gc, goc, fig, 2)
        if lim is None:
            target, met = "-", "n/a"
        else:
            target = "<= %d ns" % lim
            met = "P=1 %s, P=2 %s" % ("yes" if g1 <= lim else "no", "yes" if g2 <= lim else "no")
        w("| %s | %s | %s | %s | %s | %.2fx, %.2fx | %s | %s |" % (
            label, ns(g1), ns(g2), ns(go1), ns(go2), g1 / go1, g2 / go2, target, met))
        groups.append((short, [("gort P=1", g1), ("gort P=2", g2), ("Go P=1", go1),
                               ("Go P=2", go2)]))
    bar_chart(os.path.join(out, "sched.svg"), "Scheduler: spawn and yield", groups)
    w("\n![scheduler](sched.svg)\n")
    w("What each gort case did per op (gort::stats() over the whole run, and the process's CPU "
      "time over all threads; Go's testing package reports neither):\n")
    counters_table(r, w, [c[2] for c in SCHED], ns)

    # --- S3 -------------------------------------------------------------------------------------
    w("## S3: runnable-to-running latency with defer-heavy goroutines (article 003)\n")
    try:
        base = r.s3("gort", 1, "defer")
    except KeyError:
        w("The S3 programs did not run.\n")
        return
    w("Two goroutines, W (main) and R, measure two latencies per round (`bench/s3_latency.cpp`, "
      "`bench/go/s3/main.go`): **wake**, from just before W wakes R (an unbuffered channel "
      "send on both sides) to R running; and **yield**, from just before W yields "
      "(gort::yield / runtime.Gosched) to W running again. Background: none, %d goroutines "
      "looping {%d plain calls; yield} (*plain*), or %d goroutines looping {a function with %d "
      "deferred calls; yield} (*defer*). Each configuration ran about %.2f s per round (the "
      "first tenth is warm-up); figures are medians over %d rounds of each round's percentile.\n"
      % (base["goroutines"], base["calls_per_function"], base["goroutines"],
         base["calls_per_function"], base["seconds"], base["runs"]))
    configs = [(p, b) for p in (1, 2) for b in ("none", "plain", "defer")]
    for kind, title in (("wake_ns", "Wake-up latency (runnext path)"),
                        ("yield_ns", "Yield latency (back of the run queue)")):
        w("**%s**\n" % title)
        w("| P | background | gort p50 | p90 | p99 | max | Go p50 | p90 | p99 | max | "
          "gort / Go p50 |\n|---|---|---|---|---|---|---|---|---|---|---|")
        for procs, bg in configs:
            g, go = r.s3("gort", procs, bg)[kind], r.s3("go", procs, bg)[kind]
            w("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2fx |" % (
                procs, bg, dur(g["p50"]), dur(g["p90"]), dur(g["p99"]), dur(g["max"]),
                dur(go["p50"]), dur(go["p90"]), dur(go["p99"]), dur(go["max"]),
                g["p50"] / go["p50"]))
        w("")
    w("**Scheduler counters over the recorded rounds** (gort::stats() deltas; Go 1.19 exposes "
      "no runnext or steal counters, so only the background throughput has a Go column):\n")
    w("| P | background | rounds | runnext hits per round | runnext share of switches | "
      "steals | stolen goroutines | global queue gets | background calls/s gort | Go |\n"
      "|---|---|---|---|---|---|---|---|---|---|")
    for procs, bg in configs:
        g, go = r.s3("gort", procs, bg), r.s3("go", procs, bg)
        w("| %d | %s | %d | %.2f | %.1f%% | %d | %d | %d | %s | %s |" % (
            procs, bg, g["rounds"], g["runnext_hits"] / g["rounds"],
            100.0 * g["runnext_hits"] / g["context_switches"], g["steals"],
            g["stolen_goroutines"], g["global_runq_gets"], rate(g), rate(go)))
    w("")
    s3_chart(r, out)
    w("![S3 wake-up latency](s3.svg)\n")
    s3_observations(r, w)

    # --- idle -----------------------------------------------------------------------------------
    w("## Idle runtime\n")
    gi, goi = r.idle("gort"), r.idle("go")
    if gi is None or goi is None:
        w("The idle programs did not run.\n")
        return
    share = 100.0 * gi["idle_cpu_ns"] / gi["idle_wall_ns"]
    w("`gort::run` with P=2 whose main goroutine sleeps 1 s (`bench/idle.cpp`; Go twin "
      "`bench/go/idle`), medians over %d runs. Over the idle second its threads used **%s of CPU "
      "(%.2f%%)**, Go's %s (%.2f%%); target about 0%%: **%s**. Whole process under "
      "`/usr/bin/time` (start-up included, hundredths of a second): gort %.2f s elapsed, %.2f s "
      "user + %.2f s sys; Go %.2f s, %.2f s + %.2f s.\n" % (
          len(r.idle_gort), dur(gi["idle_cpu_ns"]), share, dur(goi["idle_cpu_ns"]),
          100.0 * goi["idle_cpu_ns"] / goi["idle_wall_ns"], "met" if share < 1.0 else "not met",
          gi["elapsed"], gi["user"], gi["sys"], goi["elapsed"], goi["user"], goi["sys"]))


def chan_section(r, out, w):
    w("## Channels, select, sync and timers (SPEC.md part 4)\n")
    w("As for the scheduler, gort's cases boot `gort::run(main, P)` inside the benchmark and time "
      "a loop on the main goroutine; the Go twins set `runtime.GOMAXPROCS(P)` inside theirs "
      "(`bench/chan_bench.cpp`, `bench/go/chan_test.go`). Ping-pong: two goroutines bounce a "
      "value over two unbuffered channels. Buffered and select: a producer goroutine sends ints "
      "(round-robin over the channels for select), the main goroutine receives them. Contended "
      "mutex: 4 goroutines increment one counter under the lock. The C++ baselines use std::mutex "
      "and std::thread without a runtime (one figure: they have no P). Times are wall-clock "
      "medians over the rounds; \"-\" marks a case that did not run.\n")

    def short_ns(x):
        return ns(x) if x < 1e3 else dur(x)

    def cell(x, divisor=1):
        if x is None:
            return "-"
        return short_ns(x) if divisor == 1 else "%s / %s" % (dur(x), short_ns(x / divisor))

    def ratio(a, b):
        return "%.2fx" % (a / b) if a is not None and b else "-"

    w("| benchmark | gort P=1 | gort P=2 | Go P=1 | Go P=2 | gort / Go (P=1, P=2) | C++ baseline "
      "| target | met? |\n|---|---|---|---|---|---|---|---|---|")
    groups = []
    for label, short, gc, goc, base, base_what, div, lim in CHAN:
        g1, g2 = r.gort_or_none("%s/1" % gc), r.gort_or_none("%s/2" % gc)
        go1, go2 = r.go_or_none("%s/P1" % goc), r.go_or_none("%s/P2" % goc)
        b = r.gort_or_none(base) if base else None
        baseline = "%s (%s)" % (cell(b, div), base_what) if base else "-"
        if lim is None:
            target, met = "-", "n/a"
        else:
            target = "<= %d ns" % lim
            met = "P=1 %s, P=2 %s" % tuple(
                "-" if v is None else ("yes" if v <= lim else "no") for v in (g1, g2))
        w("| %s | %s | %s | %s | %s | %s, %s | %s | %s | %s |" % (
            label, cell(g1, div), cell(g2, div), cell(go1, div), cell(go2, div),
            ratio(g1, go1), ratio(g2, go2), baseline, target, met))
        if short is not None:
            bars = [(s_, v) for s_, v in (("gort P=1", g1), ("gort P=2", g2), ("Go P=1", go1),
                                          ("Go P=2", go2)) if v is not None]
            # A baseline far off the scale of its row (threads waking each other through the
            # kernel) would flatten every other bar: it stays in the table only.
            if b is not None and bars and b <= 4 * max(v for _, v in bars):
                bars.append(("manual C++", b))
            if bars:
                groups.append((short, bars))
    rmw1, rmw2 = r.gort_or_none("BM_AtomicRmw1"), r.gort_or_none("BM_AtomicRmw2")
    if rmw1 is not None and rmw2 is not None:
        w("\nThe floor on this machine, measured in the same run: one atomic read-modify-write "
          "(`xchg`) costs %s, a CAS plus a `fetch_sub` %s. An uncontended lock+unlock needs two "
          "such operations (Go's mutex, gort's and std::mutex alike), so no mutex here gets below "
          "about %s; a buffered channel operation needs one (its spin lock's unlock is a plain "
          "store), so an element (a send and a receive) costs at least about %s. See "
          "docs/chan.md.\n" % (short_ns(rmw1), short_ns(rmw2), short_ns(rmw2), short_ns(2 * rmw1)))
    if groups:
        bar_chart(os.path.join(out, "chan.svg"), "Channels, select, mutex (grey: C++ baseline)",
                  groups)
        w("\n![channels, select, sync](chan.svg)\n")
    w("What each gort case did per op (gort::stats() over the whole run, and the process's CPU "
      "time over all threads):\n")
    counters_table(r, w, [c[2] for c in CHAN], dur, skip_missing=True)

    w("### Skynet, 1,000,000 leaves\n")
    runs = {(impl, p): r.skynet(impl, p) for impl in ("gort", "go") for p in (1, 2)}
    if not any(runs.values()):
        w("The skynet programs did not run.\n")
        return
    any_run = next(v for v in runs.values() if v)
    stack_kib = "?"
    for impl_p in (("gort", 1), ("gort", 2)):
        if runs[impl_p] and runs[impl_p].get("stack_bytes"):
            stack_kib = "%d" % (runs[impl_p]["stack_bytes"] // 1024)
    w("Each node starts 10 goroutines that send to it on one unbuffered channel; a leaf sends its "
      "number, a node sends the sum of its children's (`bench/skynet.cpp`, "
      "`bench/go/skynet/main.go`, after github.com/atemerev/skynet). {:,} leaves: {:,} goroutines. "
      "Time: from starting the root goroutine to receiving its sum; peak RSS: the process's "
      "`ru_maxrss` (getrusage). gort and Go ran in turn in every round; figures are medians over "
      "the runs whose sum was right (expected {:,}). gort's goroutine stacks are {} KiB of "
      "reserved address space each (`gort::stack_size()`), committed as touched.\n".format(
          any_run["leaves"], sum(10 ** k for k in range(len(str(any_run["leaves"])))),
          any_run["leaves"] * (any_run["leaves"] - 1) // 2, stack_kib))
    w("| P | gort time | Go time | gort / Go | time target (<= 0.5x Go) | gort peak RSS | Go peak "
      "RSS | gort / Go | RSS target (<= Go) | right sums (gort, Go) |\n"
      "|---|---|---|---|---|---|---|---|---|---|")
    def secs(x):
        return "-" if x is None else "%.3f s" % (x / 1e9)
    chart = []
    for p in (1, 2):
        g, go = runs[("gort", p)], runs[("go", p)]

        def fig(x, k):
            return x[k] if x else None
        gt, got = fig(g, "ns"), fig(go, "ns")
        gm, gom = fig(g, "maxrss_kb"), fig(go, "maxrss_kb")
        met_t = "-" if gt is None or got is None else ("yes" if gt <= 0.5 * got else "no")
        met_m = "-" if gm is None or gom is None else ("yes" if gm <= gom else "no")
        w("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s, %s |" % (
            p, secs(gt), secs(got), ratio(gt, got), met_t,
            "-" if gm is None else "%.1f MiB" % (gm / 1024.0),
            "-" if gom is None else "%.1f MiB" % (gom / 1024.0), ratio(gm, gom), met_m,
            "%d/%d" % (g["ok_runs"], g["runs"]) if g else "0/0",
            "%d/%d" % (go["ok_runs"], go["runs"]) if go else "0/0"))
        chart.append(("P=%d" % p, [(s_, v / 1e6) for s_, v in (("gort P=%d" % p, gt),
                                                                ("Go P=%d" % p, got))
                                   if v is not None]))
    bad = ["%s P=%d printed %s" % (impl, p, ", ".join(str(x) for x in v["sums"]))
           for (impl, p), v in runs.items() if v and v["ok_runs"] < v["runs"]]
    if bad:
        w("\nWrong sums: %s.\n" % "; ".join(bad))
    if any(bars for _, bars in chart):
        bar_chart(os.path.join(out, "skynet.svg"), "Skynet, 1M leaves: time",
                  [c for c in chart if c[1]], unit="ms")
        w("\n![skynet](skynet.svg)\n")
    w("")


S2_HANDLERS = ("nodefer", "deferunlock", "deferrecover", "multidefer")


def s2_section(r, out, w):
    """S2: article 002's handler shapes on gort's server and Go's net/http, nginx beside."""
    w("## S2: HTTP handlers with and without defer under wrk (article 002)\n")
    w("Each handler takes a mutex around a counter and writes the same 1 KiB body: `nodefer` "
      "unlocks by hand, `deferunlock` defers the unlock, `deferrecover` defers a closure that "
      "calls recover(), `multidefer` defers all three kinds (`bench/s2_httpd.cpp`, its Go twin "
      "`bench/go/s2httpd`); nginx serves the same body from a file (`static`). wrk -t1, "
      "keep-alive, on loopback, sharing the machine's cores with the server; the three servers "
      "run side by side at P=1 and P=2 (nginx: that many workers) and the runs alternate gort, "
      "Go for each handler, then nginx (`tools/bench/s2.sh`). Figures are medians over the "
      "rounds; errors are wrk's socket errors and timeouts, non-2xx its bad statuses (the worst "
      "round).\n")
    for procs in (1, 2):
        for conns in (100, 1000):
            w("**P=%d, %d connections**\n" % (procs, conns))
            w("| handler | server | req/s | p50 | p99 | max | errors | non-2xx | rounds |\n"
              "|---|---|---|---|---|---|---|---|---|")
            rows = [(h, srv) for h in S2_HANDLERS for srv in ("gort", "go")] + [
                ("static", "nginx")]
            for h, srv in rows:
                x = r.s2(srv, h, procs, conns)
                w("| %s | %s | %.0f | %.2f ms | %.2f ms | %.2f ms | %d | %d | %d%s |" % (
                    h, {"go": "Go net/http"}.get(srv, srv), x["rps"], x["p50_ms"], x["p99_ms"],
                    x["max_ms"], x["errors"], x["non2xx"], x["rounds"],
                    " (%d failed)" % x["failed"] if x["failed"] else ""))
            w("")
    g, go, ng = (r.s2(s_, h, 2, 100) for s_, h in (("gort", "nodefer"), ("go", "nodefer"),
                                                   ("nginx", "static")))
    g1k, go1k = r.s2("gort", "nodefer", 2, 1000), r.s2("go", "nodefer", 2, 1000)
    errs_1k = sum(r.s2("gort", h, p, 1000)["errors"] + r.s2("gort", h, p, 1000)["non2xx"]
                  for h in S2_HANDLERS for p in (1, 2))

    def met(ok):
        return "met" if ok else "not met"
    w("Targets (issue 11, `nodefer` at P=2):\n")
    w("| target | this run | |\n|---|---|---|")
    w("| 100 connections: req/s >= 1.3x Go net/http's | %.2fx | %s |" % (
        g["rps"] / go["rps"], met(g["rps"] >= 1.3 * go["rps"])))
    w("| 100 connections: req/s >= nginx's (static file) | %.2fx | %s |" % (
        g["rps"] / ng["rps"], met(g["rps"] >= ng["rps"])))
    w("| 100 connections: p99 <= Go's | %.2f vs %.2f ms | %s |" % (
        g["p99_ms"], go["p99_ms"], met(g["p99_ms"] <= go["p99_ms"])))
    w("| 1,000 connections: no errors (every gort run) | %d | %s |" % (errs_1k, met(errs_1k == 0)))
    w("| 1,000 connections: p99 <= Go's | %.2f vs %.2f ms | %s |" % (
        g1k["p99_ms"], go1k["p99_ms"], met(g1k["p99_ms"] <= go1k["p99_ms"])))
    w("")
    bar_chart(os.path.join(out, "s2.svg"), "S2: req/s, P=2, 100 connections",
              [(h, [(name, r.s2(srv, h, 2, 100)["rps"] / 1e3)
                    for name, srv in (("gort", "gort"), ("Go", "go"))])
               for h in S2_HANDLERS] + [("static file", [("nginx", ng["rps"] / 1e3)])],
              unit="k req/s")
    w("![s2](s2.svg)\n")



def s3_observations(r, w):
    """What the S3 tables show, in sentences whose figures come from the run."""
    w("What the S3 figures say:\n")
    g = {(p, b): r.s3("gort", p, b) for p in (1, 2) for b in ("none", "plain", "defer")}
    go = {(p, b): r.s3("go", p, b) for p in (1, 2) for b in ("none", "plain", "defer")}
    hits = [x["runnext_hits"] / x["rounds"] for x in g.values()]
    took = ("gort ran at least %.2f%% of the wake-ups from runnext in every configuration "
            "(runnext hits per round of two wake-ups: %.4f to %.4f), so wake-ups did not queue "
            "behind the background" % (50.0 * min(hits), min(hits), max(hits)))
    w("- Wake-ups: %s. With the defer background instead of the plain one, gort's wake-up p50 "
      "moved %.2fx at P=1 and %.2fx at P=2; Go's %.2fx and %.2fx." % (
          took,
          g[1, "defer"]["wake_ns"]["p50"] / g[1, "plain"]["wake_ns"]["p50"],
          g[2, "defer"]["wake_ns"]["p50"] / g[2, "plain"]["wake_ns"]["p50"],
          go[1, "defer"]["wake_ns"]["p50"] / go[1, "plain"]["wake_ns"]["p50"],
          go[2, "defer"]["wake_ns"]["p50"] / go[2, "plain"]["wake_ns"]["p50"]))
    gy, goy = g[1, "defer"]["yield_ns"], go[1, "defer"]["yield_ns"]
    tail_g, tail_go = gy["p99"] / gy["p50"], goy["p99"] / goy["p50"]
    line = ("- Yields (fairness): at P=1 behind the defer background, gort's yield p50 is %s and "
            "its p99 %s (%.0fx the p50); Go's are %s and %s (%.1fx)." % (
                dur(gy["p50"]), dur(gy["p99"]), tail_g, dur(goy["p50"]), dur(goy["p99"]),
                tail_go))
    if tail_g > 10 * tail_go:
        line += (" gort's yield requeues the goroutine on its P's local queue (256 slots; "
                 "`src/sched/proc.cpp`, deviations from Go): with more runnable goroutines "
                 "than that, the overflow waits on the global queue, which a busy P serves one "
                 "goroutine per 61 schedule ticks, so a goroutine pushed there waits many passes "
                 "of the local queue. Go's Gosched puts every yielder on the global queue, one "
                 "FIFO, hence a higher median and a short tail.")
    w(line)
    bg1, bg2 = g[1, "plain"], g[2, "plain"]
    gb1, gb2 = go[1, "plain"], go[2, "plain"]
    w("- Throughput of the plain background: gort %s calls/s at P=1, %s at P=2 (%.2fx); Go %s "
      "and %s (%.2fx). Steals with a background: %d (gort, P=2, plain) and %d (defer); the "
      "Ps took work from the global queue %d and %d times instead.\n" % (
          rate(bg1), rate(bg2), per_s(bg2) / per_s(bg1), rate(gb1), rate(gb2),
          per_s(gb2) / per_s(gb1), g[2, "plain"]["steals"], g[2, "defer"]["steals"],
          g[2, "plain"]["global_runq_gets"], g[2, "defer"]["global_runq_gets"]))


def per_s(x):
    return x["background_calls"] / x["seconds"]


def rate(x):
    return "%.1fM" % (x["background_calls"] / x["seconds"] / 1e6) if x["background_calls"] else "-"


def s3_chart(r, out):
    groups = []
    for procs in (1, 2):
        for bg in ("none", "plain", "defer"):
            bars = []
            for impl, series in (("gort", "gort"), ("go", "Go")):
                bars.append(("%s p50" % series, r.s3(impl, procs, bg)["wake_ns"]["p50"]))
                bars.append(("%s p99" % series, r.s3(impl, procs, bg)["wake_ns"]["p99"]))
            groups.append(("P=%d, %s" % (procs, bg), bars))
    bar_chart(os.path.join(out, "s3.svg"), "S3: wake-up latency (runnable to running)", groups)


def attribution_section(r, out, w):
    """The attribution half (issue 10 item 4; tools/bench/attribution.sh): S0's CPU profiles,
    S3's latency from execution traces, the overhead of tracing and profiling."""
    w("## Attribution: CPU profiles, execution traces, their overhead (issue 10)\n")
    w("### S0: the defer machinery's share of CPU samples (article 000's flame graph)\n")
    w("gort: its own profiler (`GORT_DEBUG=cpuprofile`, 100 Hz) on `gort_loop_plain(100)` in one "
      "goroutine (`bench/s0_profile.cpp`); Go: `go test -cpuprofile` of "
      "`BenchmarkLoopDeferPlain/100`. Both read with `go tool pprof -traces`; a sample is in the "
      "machinery when, walking from its leaf, a machinery frame comes before the program's own "
      "code (Go: `runtime.*defer*`, `gopanic`, `gorecover`, `recovery`, with what they call, "
      "`mallocgc` or an inlined `releasem`; gort: `gort::frame::*`, `gort::func` (its setup, "
      "registration and run loop are inlined there, and so is the loop of the program's "
      "lambda), `gort::internal` defer/pool/panic functions). The deferred function itself is "
      "the program's. The tolerance is the sampling error (two binomial standard deviations).\n")
    w("| side | samples | CPU in the machinery | defers/s in the profiled run | share at 10^4 "
      "defers/s | top functions (flat) |\n|---|---|---|---|---|---|")
    for side, label in (("gort", "gort (own profiler)"), ("go", "Go 1.19 (pprof)")):
        p = r.s0_profile
        share, tol = claims.profile_share(r, side)
        flat = collections.Counter()
        for wt, st in r.profile_stacks[side]:
            flat[short_symbol(st[0].replace(" (inline)", ""))] += wt
        total = sum(flat.values())
        top = ", ".join("%s %.0f%%" % (html.escape(k), 100 * v / total)
                        for k, v in flat.most_common(4))
        w("| %s | %d | %.0f%% (±%.0f%%) | %.3g | %.4f%% | %s |" % (
            label, p[side + " sample count"], 100 * share, 100 * tol, p[side + " defers/s"],
            100 * share * 1e4 / p[side + " defers/s"], top))
    w("")
    for side, label in (("gort", "gort, gort_loop_plain(100), GORT_DEBUG=cpuprofile"),
                        ("go", "Go, BenchmarkLoopDeferPlain/100, go test -cpuprofile")):
        stacks = collections.Counter()
        for wt, st in r.profile_stacks[side]:
            stacks[tuple(short_symbol(f.replace(" (inline)", "")) for f in reversed(st))] += wt
        svg = "flame-pprof-%s.svg" % side
        if flame_graph(os.path.join(out, svg), "S0 profile: " + label + " (root at the top)",
                       stacks):
            w("![%s](%s)\n" % (label, svg))
    w("`go tool pprof -svg` call graphs: `pprof-gort-loopdefer.svg`, `pprof-go-loopdefer.svg` "
      "(raw `-top`: `pprof-gort-loopdefer.txt`, `pprof-go-loopdefer.txt`).\n")

    w("### S3 from execution traces: runnable -> running latency (`gort-trace summary`)\n")
    w("`bench/s3_latency.cpp` under `GORT_DEBUG=trace` and its Go twin under `runtime/trace`, "
      "P=2, 100 ms per configuration (`GORT_BENCH_S3_TRACE_MS`), without background "
      "goroutines and with 1000 defer-heavy ones (10 defers, then a yield); every trace "
      "through `gort-trace summary --json`. "
      "wake-up: GoUnblock -> GoStart (the channel wake-up, runnext); yield: GoSched -> GoStart "
      "(the background goroutines' yields too); all: every transition, GoCreate included. "
      "Nearest-rank percentiles of one trace each.\n")
    t = r.s3_trace
    w("| impl | background | events | kind | count | p50 | p90 | p99 | max | mean |\n"
      "|---|---|---|---|---|---|---|---|---|---|")
    for impl in ("gort", "go"):
        for bg in ("none", "defer"):
            for kind in ("wakeup", "yield", "all"):
                k = "%s %s %s " % (impl, bg, kind)
                w("| %s | %s | %s | %s | %d | %s | %s | %s | %s | %s |" % (
                    "gort" if impl == "gort" else "Go", bg,
                    "%d in %s" % (t["%s %s events" % (impl, bg)],
                                  dur(t["%s %s duration" % (impl, bg)])) if kind == "wakeup"
                    else "", kind, t[k + "count"], dur(t[k + "p50"]), dur(t[k + "p90"]),
                    dur(t[k + "p99"]), dur(t[k + "max"]), dur(t[k + "mean"])))
    w("\nArticle 003's trace claims judged on these traces: A003-3t, A003-10t, A003-23t "
      "(verdicts below).\n")

    w("### Overhead of tracing and profiling, on vs off\n")
    o = r.overhead
    w("skynet at P=2 (wall time of the tree; 1M leaves unless `GORT_BENCH_SKYNET_LEAVES`) and "
      "the S3 defer background at P=2 (background calls per second), off / traced "
      "(`GORT_DEBUG=trace`, `runtime/trace`, default settings: no stacks for gort, Go always "
      "records stacks) / profiled (`GORT_DEBUG=cpuprofile`, `pprof.StartCPUProfile`, 100 Hz), "
      "gort and Go alternating in one run, %d rounds, medians; ratios are the slowdown (traced "
      "/ untraced time, untraced / traced throughput), each with the wider of its two medians' "
      "spreads over the rounds (on this shared machine a ratio under 1 is noise, not a "
      "speed-up).\n" % o["skynet gort off rounds"])
    w("| workload | impl | off | traced | traced/off | profiled | profiled/off | target | met |\n"
      "|---|---|---|---|---|---|---|---|---|")
    targets = {("skynet", "gort", "trace"): 1.10, ("s3bg", "gort", "trace"): 1.03,
               ("s3bg", "gort", "profile"): 1.02}
    for wl in ("skynet", "s3bg"):
        for impl in ("gort", "go"):
            def cell(mode):
                v = o["%s %s %s" % (wl, impl, mode)]
                return dur(v) if wl == "skynet" else "%.3g/s" % v

            def ratio(mode):
                a, b = o["%s %s %s" % (wl, impl, mode)], o["%s %s off" % (wl, impl)]
                return a / b if wl == "skynet" else b / a

            def spread(mode):  # the rounds' spread of the two medians, the wider
                return 100 * max(o["%s %s %s spread" % (wl, impl, mode)],
                                 o["%s %s off spread" % (wl, impl)])
            tg = [(m, targets[(wl, impl, m)]) for m in ("trace", "profile")
                  if (wl, impl, m) in targets]
            w("| %s | %s | %s | %s | %.3fx (±%.0f%%) | %s | %.3fx (±%.0f%%) | %s | %s |" % (
                "skynet %s leaves, P=2" % format(o["skynet leaves"], ",") if wl == "skynet"
                else "S3 defer background, P=2",
                impl, cell("off"), cell("trace"), ratio("trace"), spread("trace"),
                cell("profile"), ratio("profile"), spread("profile"),
                ", ".join("%s <= %.2fx" % ("traced" if m == "trace" else "profiled", v)
                          for m, v in tg) or "-",
                ", ".join("yes" if ratio(m) <= v else "no" for m, v in tg) or "-"))
    w("\nThe issue's tracer target with stacks (half of Go's tracer overhead) is measured in "
      "docs/trace.md, not here. A target missed on this shared, noisy machine says so above; "
      "per-configuration spreads are in `overhead.jsonl`.\n")


def judge_all(r):
    """{article: [(claim, verdict, ours)]}. Fails (exit 1) naming every result a claim needed
    that the run did not produce, every claim without a verdict and every article without
    rows."""
    verdicts, errors = {}, []
    for article in ARTICLES:
        rows = []
        for c in CLAIMS.get(article, []):
            results.EVIDENCE.append(set())
            try:
                verdict, ours = c.evaluate(r)
            except MissingResult as e:
                errors.append("%s: missing result %s" % (c.cid, e))
                continue
            finally:
                labels = results.EVIDENCE.pop()
            c.evidence = sorted(set(results.SOURCES.get(l, l) for l in labels))
            if not verdict or not ours:
                errors.append("%s: no verdict" % c.cid)
                continue
            rows.append((c, verdict, ours))
        if not rows:
            errors.append("article %s: no rows" % article)
        verdicts[article] = rows
    if errors:
        for e in errors:
            print("report.py: " + e, file=sys.stderr)
        sys.exit(1)
    return verdicts


def anchor(cid):
    return "claim-" + cid.lower()


def summary_table(verdicts):
    out = ["## Summary: the articles' claims, judged on this run\n",
           "Per article: the claims found (one row each), then the verdicts; each row, with its "
           "rule and the figures it used, is under *Verdicts* at the end.\n",
           "| article | claims | confirmed | partly | refuted | unverifiable | not applicable |",
           "|---|---|---|---|---|---|---|"]
    total = collections.Counter()
    for article, rows in verdicts.items():
        t = collections.Counter(v for _, v, _ in rows)
        total.update(t)
        total["rows"] += len(rows)
        out.append("| [%s](#article-%s) | %d | %d | %d | %d | %d | %d |" % (
            article, article, len(rows), t[CONFIRMED], t[PARTLY], t[REFUTED], t[UNVERIFIABLE],
            t[NA]))
    out.append("| all | %d | %d | %d | %d | %d | %d |\n" % (
        total["rows"], total[CONFIRMED], total[PARTLY], total[REFUTED], total[UNVERIFIABLE],
        total[NA]))
    return out


def part_reason(ours):
    """The reason of a judged row that came out unverifiable: what its open part needs."""
    if "too noisy" in ours:
        return "this run too noisy (its rounds, or its one trace)"
    for reason in (WAITS, GO_VERSION, HARDWARE, PRIVATE, COUNTERS):
        if reason in ours:
            return reason
    return "a part needs what this run lacks"


def coverage_line(rows):
    t = collections.Counter(v for _, v, _ in rows)
    reasons = collections.Counter()
    for c, v, ours in rows:
        if v == UNVERIFIABLE:
            reasons[c.reason or part_reason(ours)] += 1
    judged = t[CONFIRMED] + t[PARTLY] + t[REFUTED]
    return ("Coverage: %d claims found, %d judged (%d confirmed, %d partly, %d refuted), %d "
            "unverifiable (%s), %d not applicable." % (
                len(rows), judged, t[CONFIRMED], t[PARTLY], t[REFUTED], t[UNVERIFIABLE],
                ", ".join("%s: %d" % kv for kv in sorted(reasons.items())) or "none", t[NA]))


def verdict_section(verdicts):
    out = ["## Verdicts on the articles' claims\n",
           "Claims are quoted in shortened English (the originals are in `shared/articles/`). "
           "*theirs* is the article's figures (written once, in tools/bench/claims.py); *ours* is "
           "computed from this run: which parts hold and which do not, the figures used and "
           "their tolerance (the spread over this run's rounds). Claims about Go are judged on "
           "Go's evidence; gort's figures stand beside them. Vocabulary and rules: the top of "
           "tools/bench/claims.py.\n"]
    for article, rows in verdicts.items():
        out.append('<a id="article-%s"></a>\n\n### Article %s\n' % (article, article))
        out.append(coverage_line(rows) + "\n")
        out.append("| id | claim | theirs | verdict | ours | evidence |\n"
                   "|---|---|---|---|---|---|")
        for c, verdict, ours in rows:
            files = sorted(set(x.strip() for f in c.evidence for x in f.split(",")))
            ev = ", ".join("[%s](%s)" % (f, f.replace("*", "1")) for f in files) or "-"
            out.append('| <a id="%s"></a>%s | %s | %s | **%s** | %s | %s |' % (
                anchor(c.cid), c.cid, c.text.replace("|", "\\|"),
                c.theirs().replace("|", "\\|"), verdict, ours.replace("|", "\\|"), ev))
        out.append("")
    return out


def main():
    out, root = sys.argv[1], sys.argv[2]
    try:
        r = Results(out, root)
    except MissingResult as e:
        print("report.py: missing result %s" % e, file=sys.stderr)
        sys.exit(1)
    md = []
    w = md.append
    w("# gort: the article experiments, rerun\n")
    w("Generated by `make bench` (tools/bench/run.sh, tools/bench/report.py). Every figure below "
      "comes from this run: gort and the manual C++ baseline doing the same work by hand (Google "
      "Benchmark) and the Go twins (`go test -bench`) took turns on this machine, one round each "
      "at a time, and each figure is the median over the rounds. Ratios compare figures of this "
      "run; the machine is shared and noisy, so compare ratios, not absolute numbers across runs. "
      "Instruction counts come from callgrind and are repeatable.\n")
    verdicts = judge_all(r)
    md.extend(summary_table(verdicts))
    w("| machine | |\n|---|---|")
    for k, v in r.machine.items():
        w("| %s | %s |" % (k, v))
    w("")

    # --- targets ------------------------------------------------------------------------------
    w("## Targets of the foundation issue\n")
    w("| target | threshold | measured (this run) | met |\n|---|---|---|---|")
    overhead_gort = r.gort("BM_GortDefer") - r.gort("BM_ManualCall")
    overhead_go = r.go("BenchmarkDeferN1") - r.go("BenchmarkNoDeferN1")
    rows = [
        ("one inline defer: overhead over the manual call", "<= Go's open-coded overhead (%s)" %
         ns(overhead_go), "%s (gort %s vs manual %s); %d allocs/op" % (
             ns(overhead_gort), ns(r.gort("BM_GortDefer")), ns(r.gort("BM_ManualCall")),
             r.counter("BM_GortDefer", "allocs/op")),
         overhead_gort <= max(overhead_go, 0) and r.counter("BM_GortDefer", "allocs/op") == 0),
    ]
    for n, lim in ((8, 10), (10, 12), (50, 60)):
        v = r.gort("BM_GortDeferN/%d" % n)
        rows.append(("%d defers per call" % n, "<= %d ns (Go here: %s)" % (
            lim, ns(r.go("BenchmarkDeferN%d" % n))),
            "%s (manual %s)" % (ns(v), ns(r.gort("BM_ManualDeferN/%d" % n))), v <= lim))
    for n, lim in ((10, 25), (100, 250)):
        v = r.gort("BM_GortLoopDeferPlain/%d" % n)
        a = r.counter("BM_GortLoopDeferPlain/%d" % n, "allocs/op")
        rows.append(("%d defers in a loop (`f.defer(cleanup)` / `defer cleanup()`)" % n,
                     "<= %d ns, no allocation (Go here: %s)" % (
                         lim, ns(r.go("BenchmarkLoopDeferPlain/%d" % n))),
                     "%s, %g allocs/op (manual %s)" % (
                         ns(v), a, ns(r.gort("BM_ManualLoopDeferPlain/%d" % n))),
                     v <= lim and a == 0))
    for d in (1, 10):
        v = r.gort("BM_GortPanicRecover/%d" % d)
        rows.append(("panic+recover at depth %d" % d, "as close to Go as C++ unwinding allows",
                     "%s (Go %s, C++ throw/catch %s)" % (
                         ns(v), ns(r.go("BenchmarkPanicRecover/%d" % d)),
                         ns(r.gort("BM_ManualThrowCatch/%d" % d))),
                     None))
    for t, th, m, ok in rows:
        w("| %s | %s | %s | %s |" % (t, th, m, "n/a" if ok is None else ("yes" if ok else "no")))
    w("")

    # --- S0 -----------------------------------------------------------------------------------
    w("## S0: cost per call of no defer, one defer, a capturing closure (article 000)\n")
    w("| case | gort | manual C++ | gort / manual | Go | Go direct | Go / Go direct | gort "
      "allocs/op | Go allocs/op |\n|---|---|---|---|---|---|---|---|---|")
    s0 = [("one defer", "BM_GortDefer", "BM_ManualCall", "BenchmarkDefer", "BenchmarkNoDefer"),
          ("closure capturing locals", "BM_GortDeferClosure", "BM_ManualClosure",
           "BenchmarkDeferClosure", "BenchmarkNoDeferClosure")]
    for label, g, m, go, god in s0:
        w("| %s | %s | %s | %.2fx | %s | %s | %.2fx | %g | %g |" % (
            label, ns(r.gort(g)), ns(r.gort(m)), r.gort(g) / r.gort(m), ns(r.go(go)), ns(r.go(god)),
            r.go(go) / r.go(god), r.counter(g, "allocs/op"), r.go_allocs.get(go, -1)))
    bar_chart(os.path.join(out, "s0.svg"), "S0: cost per call",
              [(label, [("gort", r.gort(g)), ("manual C++", r.gort(m)), ("Go", r.go(go)),
                        ("Go direct", r.go(god))]) for label, g, m, go, god in s0])
    w("\n![S0](s0.svg)\n")

    # --- S1 -----------------------------------------------------------------------------------
    w("## S1: N defers per call, inline vs chained, defers in a loop (articles 000, 001)\n")
    w("Defers written out one after another. gort keeps the first 8 in the frame (the "
      "open-coded analogue) and the rest in pooled chunks; Go open-codes up to 8 and uses "
      "stack records beyond. Instructions are callgrind counts per call.\n")
    w("| N | gort | manual C++ | Go | Go direct | gort instr. | manual instr. | gort instr. per "
      "defer over manual |\n|---|---|---|---|---|---|---|---|")
    for n in (1, 3, 8, 10, 50):
        gi, mi = r.callgrind["gort/%d" % n], r.callgrind["manual/%d" % n]
        w("| %d | %s | %s | %s | %s | %.0f | %.0f | %.1f |" % (
            n, ns(r.gort("BM_GortDeferN/%d" % n)), ns(r.gort("BM_ManualDeferN/%d" % n)),
            ns(r.go("BenchmarkDeferN%d" % n)), ns(r.go("BenchmarkNoDeferN%d" % n)), gi, mi,
            (gi - mi) / n))
    bar_chart(os.path.join(out, "s1.svg"), "S1: N defers per call",
              [("N = %d" % n, [("gort", r.gort("BM_GortDeferN/%d" % n)),
                               ("manual C++", r.gort("BM_ManualDeferN/%d" % n)),
                               ("Go", r.go("BenchmarkDeferN%d" % n))]) for n in (1, 3, 8, 10, 50)])
    w("\n![S1](s1.svg)\n")
    w("Defers registered in a loop, the main pair: an argument-less call, Go's `defer cleanup()` "
      "(heap records from the P's pool) and gort's `f.defer(cleanup)`:\n")
    def loop_table(callgrind_case, gort_case, manual_case, go_case, go_direct):
        w("| per call | gort | manual C++ | Go | Go direct | gort allocs/op | Go allocs/op | gort "
          "instr. |\n|---|---|---|---|---|---|---|---|")
        for n in (1, 10, 100):
            cg = r.callgrind.get("%s/%d" % (callgrind_case, n))
            w("| %d | %s | %s | %s | %s | %g | %g | %s |" % (
                n, ns(r.gort("%s/%d" % (gort_case, n))), ns(r.gort("%s/%d" % (manual_case, n))),
                ns(r.go("%s/%d" % (go_case, n))), ns(r.go("%s/%d" % (go_direct, n))),
                r.counter("%s/%d" % (gort_case, n), "allocs/op"),
                r.go_allocs["%s/%d" % (go_case, n)], "%.0f" % cg if cg else "-"))

    loop_table("gort-loop-plain", "BM_GortLoopDeferPlain", "BM_ManualLoopDeferPlain",
               "BenchmarkLoopDeferPlain", "BenchmarkNoDeferLoopPlain")
    w("\nThe argument variant, its own row: Go's `defer cleanupI(i)` allocates an argument "
      "closure per defer in Go 1.19; gort's `f.defer(cleanup_i, i)` stores the argument in the "
      "slot:\n")
    loop_table("gort-loop", "BM_GortLoopDefer", "BM_ManualLoopDefer", "BenchmarkLoopDefer",
               "BenchmarkNoDeferLoop")
    bar_chart(os.path.join(out, "s1-loop.svg"), "S1: defers in a loop",
              [("%d per call" % n, [("gort", r.gort("BM_GortLoopDefer/%d" % n)),
                                    ("manual C++", r.gort("BM_ManualLoopDefer/%d" % n)),
                                    ("Go", r.go("BenchmarkLoopDefer/%d" % n))])
               for n in (1, 10, 100)])
    w("\n![S1 loop](s1-loop.svg)\n")

    # --- S4 -----------------------------------------------------------------------------------
    w("## S4: closure capture by value vs by reference in loops (article 004)\n")
    w("| probe | Go prints | gort prints |\n|---|---|---|")
    for key in ("capture-by-reference", "capture-by-value", "capture-redeclare",
                "closure-sees-final-value", "loop-arguments", "lifo", "conditional-true",
                "recover-then-rest", "defer-recover-builtin-stops-panic"):
        w("| %s | %s | %s |" % (key, r.probe_go.get(key, "-"), r.probe_gort.get(key, "-")))
    w("\nWhere the deferred calls went (gort: from `gort::stats()`; Go: `-gcflags=-d=defer`):\n")
    w("| probe | gort | Go |\n|---|---|---|")
    for key, fn in (("kind-probeOneDefer", "probeOneDefer"), ("kind-probeEight", "probeEight"),
                    ("kind-probeNine", "probeNine"), ("kind-probeLoop100", "probeLoop"),
                    ("kind-closure-by-reference", "probeClosure"),
                    ("kind-capture-100-ints-by-value", None),
                    ("kind-capture-1000-ints-by-value", None)):
        go = ", ".join(sorted(set(r.go_defer_kinds.get(fn, [])))) if fn else "-"
        w("| %s | %s | %s |" % (key[5:], r.probe_gort.get(key, "-"), go))
    w("\ngort's frame is %s bytes (8 inline slots of %s bytes and the bookkeeping); a pooled chunk "
      "is %s bytes.\n" % (r.probe_gort.get("sizeof-frame", "?"), r.probe_gort.get("sizeof-defer-slot", "?"),
                          r.probe_gort.get("sizeof-defer-chunk", "?")))
    w("\nCost of closures deferred in a loop:\n")
    w("| case | gort | gort heap defers/op | gort allocs/op | Go | Go allocs/op | Go B/op |\n"
      "|---|---|---|---|---|---|---|")
    for label, g, go in (("by reference, 3", "BM_GortCaptureByReference/3",
                          "BenchmarkCaptureByReference/3"),
                         ("by reference, 100", "BM_GortCaptureByReference/100",
                          "BenchmarkCaptureByReference/100"),
                         ("by value, 3", "BM_GortCaptureByValue/3", "BenchmarkCaptureByValue/3"),
                         ("by value, 100", "BM_GortCaptureByValue/100",
                          "BenchmarkCaptureByValue/100"),
                         ("256-byte value, 3", "BM_GortCaptureBig/3", "BenchmarkCaptureBig/3"),
                         ("256-byte value, 100", "BM_GortCaptureBig/100",
                          "BenchmarkCaptureBig/100")):
        w("| %s | %s | %g | %g | %s | %g | %g |" % (
            label, ns(r.gort(g)), r.counter(g, "heap_defers/op"), r.counter(g, "allocs/op"),
            ns(r.go(go)), r.go_allocs.get(go, -1), r.go_bytes.get(go, -1)))
    w("")

    # --- panic --------------------------------------------------------------------------------
    w("## Panic + recover by unwinding depth\n")
    w("| depth | gort | C++ throw/catch | Go | gort / Go | gort / throw |\n"
      "|---|---|---|---|---|---|")
    for d in (1, 10):
        g, t, go = (r.gort("BM_GortPanicRecover/%d" % d), r.gort("BM_ManualThrowCatch/%d" % d),
                    r.go("BenchmarkPanicRecover/%d" % d))
        w("| %d | %s | %s | %s | %.1fx | %.2fx |" % (d, ns(g), ns(t), ns(go), g / go, g / t))
    w("\nWith five pending deferred calls (the first registered one recovers), panic at depth 1:\n")
    w("| deferred calls | gort | Go | gort / Go |\n|---|---|---|---|")
    for label, g, go in (("plain function calls", "BM_GortPanicDefers5", "BenchmarkPanicDefers5"),
                         ("closures capturing arguments", "BM_GortPanicClosures5",
                          "BenchmarkPanicClosures5")):
        w("| %s | %s | %s | %.1fx |" % (label, ns(r.gort(g)), ns(r.go(go)), r.gort(g) / r.go(go)))
    bar_chart(os.path.join(out, "panic.svg"), "panic + recover",
              [("depth %d" % d, [("gort", r.gort("BM_GortPanicRecover/%d" % d)),
                                 ("manual C++", r.gort("BM_ManualThrowCatch/%d" % d)),
                                 ("Go", r.go("BenchmarkPanicRecover/%d" % d))]) for d in (1, 10)])
    w("\n![panic](panic.svg)\n")

    # --- scheduler ----------------------------------------------------------------------------
    scheduler_section(r, out, w)

    # --- channels, select, sync, timers ---------------------------------------------------------
    chan_section(r, out, w)

    # --- S2: HTTP --------------------------------------------------------------------------------
    try:
        s2_section(r, out, w)
    except MissingResult as e:
        print("report.py: missing result %s" % e, file=sys.stderr)
        sys.exit(1)

    # --- profile ------------------------------------------------------------------------------
    w("## Where the time goes (perf, cpu-clock sampling)\n")
    import glob
    scripts = sorted(glob.glob(os.path.join(out, "perf-*.script")))
    if not scripts:
        w("perf sampling was not available on this machine in this run.\n")
    for script in scripts:
        bench = os.path.basename(script)[5:-7]
        stacks = read_perf(script)
        total = sum(stacks.values())
        if total == 0:
            continue
        share = collections.Counter()
        for st, n in stacks.items():
            share[classify(st[-1])] += n
        w("**%s** (%d samples, by the function on top of the stack):\n" % (bench, total))
        w("| part | share |\n|---|---|")
        for part, n in share.most_common():
            w("| %s | %.1f%% |" % (part, 100.0 * n / total))
        svg = "flame-%s.svg" % bench
        if flame_graph(os.path.join(out, svg), bench + " (root at the top)", stacks):
            w("\n![%s](%s)\n" % (bench, svg))
    w("gort's frame setup, registration and run loop are inlined into `gort::func<...>` (shown "
      "as `gort::func`); the C++ unwinder's share is what separates a gort panic from Go's.\n")

    # --- attribution: profiles, traces, overhead ------------------------------------------------
    try:
        attribution_section(r, out, w)
    except MissingResult as e:
        print("report.py: missing result %s" % e, file=sys.stderr)
        sys.exit(1)

    # --- verdicts -----------------------------------------------------------------------------
    md.extend(verdict_section(verdicts))

    with open(os.path.join(out, "REPORT.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    html_report.write(out)


if __name__ == "__main__":
    main()
