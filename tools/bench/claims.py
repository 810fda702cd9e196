"""Every numeric claim of articles 000, 001, 003 and 004, with the rule that judges it on this run.

Each claim's `theirs` is what the article says (quoted figures, translated). The verdict and our
figure are computed from the run's results (tools/bench/results.py); "not applicable" claims say
why they cannot be rerun here. The claim list follows the articles in order.
"""

CONFIRMED, REFUTED, NA = "confirmed", "refuted", "not applicable"


def ns(x):
    return "%.1f ns" % x if x >= 10 else "%.2f ns" % x


def within(ours, theirs, factor=2.0):
    return theirs / factor <= ours <= theirs * factor


class Claim:
    def __init__(self, cid, text, theirs, judge=None, why=None):
        self.cid, self.text, self.theirs, self.judge, self.why = cid, text, theirs, judge, why

    def evaluate(self, r):
        if self.judge is None:
            return NA, self.why
        try:
            return self.judge(r)
        except KeyError as e:  # a result the run did not produce
            return NA, "result missing from this run: %s" % e


def kinds(r, func):
    return ", ".join(sorted(set(r.go_defer_kinds.get(func, ["none reported"]))))


def offtopic(cid, text, theirs):
    return Claim(cid, text, theirs, why="not about defer or Go's runtime (the article's unrelated "
                 "closing chapter); nothing here can measure it")


# --- judges -------------------------------------------------------------------------------------

def a000_1(r):
    per = r.go_loop_per_defer(100)
    share = 1e4 * per * 1e-9 * 100
    return (REFUTED if share < 8 else CONFIRMED,
            "a heap-path defer costs Go %s here, so 10^4 defers/s is %.4f%% of one core "
            "(gort: %.4f%%)" % (ns(per), share, 1e4 * r.gort_per_defer(50) * 1e-9 * 100))


def a000_2(r):
    a = r.go_allocs.get("BenchmarkNoDefer", -1)
    return (CONFIRMED if a == 0 else REFUTED,
            "Go %s, %d allocs/op; manual C++ %s" % (ns(r.go("BenchmarkNoDefer")), a,
                                                    ns(r.gort("BM_ManualCall"))))


def a000_3(r):
    ratio = r.go("BenchmarkDefer") / r.go("BenchmarkNoDefer")
    b = r.go_bytes.get("BenchmarkDefer", 0)
    ok = ratio >= 2.5 and b >= 24
    return (CONFIRMED if ok else REFUTED,
            "Go %s (%.2fx the direct call), %d B/op; gort %s (%.2fx), %d allocs/op" % (
                ns(r.go("BenchmarkDefer")), ratio, b, ns(r.gort("BM_GortDefer")),
                r.gort("BM_GortDefer") / r.gort("BM_ManualCall"),
                r.counter("BM_GortDefer", "allocs/op")))


def a000_4(r):
    ratio = r.go("BenchmarkDeferClosure") / r.go("BenchmarkNoDeferClosure")
    b = r.go_bytes.get("BenchmarkDeferClosure", 0)
    ok = ratio >= 5 and b >= 48
    return (CONFIRMED if ok else REFUTED,
            "Go %s (%.2fx), %d B/op; gort %s (%.2fx), %d allocs/op" % (
                ns(r.go("BenchmarkDeferClosure")), ratio, b, ns(r.gort("BM_GortDeferClosure")),
                r.gort("BM_GortDeferClosure") / r.gort("BM_ManualClosure"),
                r.counter("BM_GortDeferClosure", "allocs/op")))


def a000_5(r):
    open_, chained = r.go_per_defer(8), r.go_per_defer(10)
    return (CONFIRMED if chained > 3 * max(open_, 0.05) else REFUTED,
            "Go per defer: %s with 8 (open-coded), %s with 10 (records): a step, not a curve; "
            "gort: %s / %s" % (ns(open_), ns(chained), ns(r.gort_per_defer(8)),
                               ns(r.gort_per_defer(10))))


def a000_6(r):
    return (REFUTED,
            "loop defers allocate (Go %d B/op for 100, straight calls 0) but the default is not "
            "the heap: one defer is %s, nine are %s" % (
                r.go_bytes.get("BenchmarkLoopDefer/100", 0), kinds(r, "probeOneDefer"),
                kinds(r, "probeNine")))


def a000_7(r):
    import re
    pat = re.compile(r"MOVQ.*runtime..defer")
    heap = any(pat.search(l) for l in r.go_asm.get("probeLoop", []))
    others = [f for f in ("probeOneDefer", "probeTwoDefers", "probeNine")
              if any(pat.search(l) for l in r.go_asm.get(f, []))]
    ok = heap and not others
    return (CONFIRMED if ok else REFUTED,
            "the pattern matches the heap-path function: %s; matches non-heap functions: %s" % (
                "yes" if heap else "no", ", ".join(others) or "none"))


def a000_8(r):
    go, gort = r.probe_go["lifo"], r.probe_gort["lifo"]
    return (CONFIRMED if go == "third second first" else REFUTED,
            "Go prints %s; gort prints %s" % (go, gort))


def a000_9(r):
    k = kinds(r, "probeOneDefer")
    return (REFUTED if "open-coded" in k else CONFIRMED,
            "Go %s already compiles a single defer as: %s" % (
                r.machine.get("go", "?").split()[2] if "go" in r.machine else "?", k))


def a000_10(r):
    open_, stack = r.go_per_defer(8), r.go_per_defer(10)
    ok = within(stack, 30) and within(max(open_, 0.01), 3)
    return (CONFIRMED if ok else REFUTED,
            "Go per defer: open-coded %s, records %s (%.0fx); gort inline %s, chunk %s" % (
                ns(open_), ns(stack), stack / max(open_, 0.01), ns(r.gort_per_defer(8)),
                ns((r.gort("BM_GortDeferN/50") - r.gort("BM_GortDeferN/8")
                    - r.gort("BM_ManualDeferN/50") + r.gort("BM_ManualDeferN/8")) / 42)))


def a000_11(r):
    k8, k9, kc = kinds(r, "probeEight"), kinds(r, "probeNine"), kinds(r, "probeClosure")
    ok = "open-coded" in k8 and "open-coded" not in k9 and "open-coded" not in kc
    return (CONFIRMED if ok else REFUTED,
            "8 defers: %s; 9 defers: %s; a closure capturing a local: %s (so 'no closures' is "
            "wrong; the 8 limit holds)" % (k8, k9, kc))


def a000_15(r):
    per_call = r.go("BenchmarkLoopDefer/100")
    rate = 1e3 / per_call
    return (CONFIRMED if within(rate, 2.1) else REFUTED,
            "a 100-defer chain costs Go %s per call: %.2fM calls/s (gort %.2fM/s)" % (
                ns(per_call), rate, 1e3 / r.gort("BM_GortLoopDefer/100")))


def go_static_per_defer(r):
    one, eight = r.asm_instructions("probeOneDefer"), r.asm_instructions("probeEight")
    nine = r.asm_instructions("probeNine")
    return one, eight, nine, (eight - one) / 7.0


def a000_16(r):
    one, eight, nine, per = go_static_per_defer(r)
    calls = r.asm_calls("probeOneDefer", "runtime.deferreturn")
    ok = 2 <= per <= 6
    return (CONFIRMED if ok else REFUTED,
            "Go code size: %d instructions with 1 defer, %d with 8 (%.1f per open-coded defer), "
            "%d with 9; %d deferreturn call(s) in the 1-defer function; gort executes %.0f "
            "instructions per inline defer (callgrind)" % (
                one, eight, per, nine, calls,
                (r.callgrind["gort/8"] - r.callgrind["gort/1"]) / 7))


def a000_17(r):
    one, eight, nine, per = go_static_per_defer(r)
    cg = r.callgrind
    return (REFUTED if not (3 <= per <= 5) else CONFIRMED,
            "Go: %.1f instructions per open-coded defer, %d more for the 9th (records); gort "
            "executed instructions per call over manual: 1: %.0f, 3: %.0f, 10: %.0f, 50: %.0f" % (
                per, nine - eight, cg["gort/1"] - cg["manual/1"], cg["gort/3"] - cg["manual/3"],
                cg["gort/10"] - cg["manual/10"], cg["gort/50"] - cg["manual/50"]))


def a000_19(r):
    mhz = float(r.machine.get("mhz", "2000") or 2000)
    cycles = r.go_per_defer(50) * mhz / 1000
    return (CONFIRMED if cycles >= 50 else REFUTED,
            "Go: %s per deferred call with records = %.0f cycles at %.0f MHz (no reflectcall in "
            "Go 1.19)" % (ns(r.go_per_defer(50)), cycles, mhz))


def a000_20(r):
    per = r.go_bytes.get("BenchmarkLoopDefer/100", 0) / 100.0
    return (CONFIRMED if 16 <= per <= 32 else REFUTED,
            "Go allocates %.0f B per loop defer (its argument closure; the records come from a "
            "pool); gort allocates %.0f (32-byte slots from pooled chunks)" % (
                per, r.counter("BM_GortLoopDefer/100", "allocs/op")))


def esc(fragment, claim_escapes=True):
    def judge(r):
        line = r.escape_line(fragment)
        escapes = "does not escape" not in line
        return (CONFIRMED if escapes == claim_escapes else REFUTED, "go -m -l: " + line)
    return judge


def a000_23(r):
    b = r.go_bytes.get("BenchmarkDeferClosure", 0)
    return (REFUTED if b == 0 else CONFIRMED,
            "a deferred closure capturing locals allocates %d B/op in Go and %d in gort: no GC "
            "pressure to compare" % (b, r.counter("BM_GortDeferClosure", "allocs/op")))


def go_panic_per_defer(r):
    return (r.go("BenchmarkPanicDefers5") - r.go("BenchmarkPanicRecover/1")) / 4


def a000_24(r):
    per = go_panic_per_defer(r)
    gort = (r.gort("BM_GortPanicDefers5") - r.gort("BM_GortPanicRecover/1")) / 4
    def show(x):
        return ns(x) if x > 0 else "no measurable cost (%.1f ns, within noise)" % x
    return (CONFIRMED if within(per, 83) else REFUTED,
            "Go 1.19: %s per extra deferred call while a panic unwinds (gort: %s)" % (
                show(per), show(gort)))


def a000_25(r):
    plain, closure = r.go("BenchmarkPanicDefers5"), r.go("BenchmarkPanicClosures5")
    ok = within(plain, 410) and within(closure, 690) and closure / plain >= 1.3
    return (CONFIRMED if ok else REFUTED,
            "Go: %s plain, %s capturing (%.2fx), %g and %g B/op; gort: %s, %s" % (
                ns(plain), ns(closure), closure / plain,
                r.go_bytes.get("BenchmarkPanicDefers5", -1),
                r.go_bytes.get("BenchmarkPanicClosures5", -1), ns(r.gort("BM_GortPanicDefers5")),
                ns(r.gort("BM_GortPanicClosures5"))))


def a001_14(r):
    line = r.escape_line("42 ")
    return (CONFIRMED if "does not escape" in line else REFUTED, "go -m -l: " + line)


def a004_13(r):
    if r.go_race is None:
        return NA, "the race detector could not run here"
    races = sum(1 for l in r.go_race if "DATA RACE" in l)
    return (CONFIRMED if races else REFUTED,
            "go run -race on the probes (the trap included): %d race report(s); gort's twin runs "
            "clean under TSan (make test)" % races)


def a000_34(r):
    k = kinds(r, "probeLoop")
    return (REFUTED if "heap" in k else CONFIRMED,
            "9 defers: %s; a defer in a loop: %s" % (kinds(r, "probeNine"), k))


def a001_1(r):
    calls = r.asm_calls("probeTwoDefers", "runtime.deferproc")
    return (REFUTED if calls == 0 else CONFIRMED,
            "a 2-defer function makes %d deferproc calls (%s)" % (calls, kinds(r, "probeTwoDefers")))


def a001_2(r):
    direct = r.asm_calls("probeOneDefer", "main.cleanup")
    dr = r.asm_calls("probeOneDefer", "runtime.deferreturn")
    return (REFUTED if direct > 0 else CONFIRMED,
            "the 1-defer function calls cleanup directly %d time(s) on its return path; its %d "
            "deferreturn call(s) serve the panic path" % (direct, dr))


def a001_3(r):
    a, b = r.go_per_defer(10), r.go_per_defer(50)
    return (CONFIRMED if within(b, a) else REFUTED,
            "Go per defer with records: %s at 10, %s at 50 (linear); gort: %s, %s" % (
                ns(a), ns(b), ns(r.gort_per_defer(10)), ns(r.gort_per_defer(50))))


def a001_5(r):
    per = r.go_per_defer(50)
    return (CONFIRMED if within(per, 3.0) else REFUTED,
            "Go: %s per defer, i.e. %s for 100 (gort: %s per defer)" % (
                ns(per), ns(100 * per), ns(r.gort_per_defer(50))))


def a001_10(r):
    go, gort = r.probe_go["recover-then-rest"], r.probe_gort["recover-then-rest"]
    return (REFUTED if "earlier-defer-ran" in go else CONFIRMED,
            "after recover the remaining deferred calls still run: Go '%s', gort '%s'" % (go, gort))


def a001_11(r):
    ratio = r.go("BenchmarkDeferN1") / r.go("BenchmarkNoDeferN1")
    return (CONFIRMED if ratio >= 2.5 else REFUTED,
            "Go: no defer %s, 1 defer %s (%.2fx), 3 defers %s; gort: %s, %s, %s" % (
                ns(r.go("BenchmarkNoDeferN1")), ns(r.go("BenchmarkDeferN1")), ratio,
                ns(r.go("BenchmarkDeferN3")), ns(r.gort("BM_ManualDeferN/1")),
                ns(r.gort("BM_GortDeferN/1")), ns(r.gort("BM_GortDeferN/3"))))


def a001_12(r):
    a = r.go_allocs.get("BenchmarkDeferClosure", -1)
    return (REFUTED if a == 0 else CONFIRMED,
            "a deferred closure: %d allocs/op in Go (%s), %d in gort" % (
                a, kinds(r, "probeClosure"), r.counter("BM_GortDeferClosure", "allocs/op")))


def a001_16(r):
    go, gort = r.probe_go["loop-arguments"], r.probe_gort["loop-arguments"]
    return (REFUTED if go == "30 20 10" else CONFIRMED,
            "arguments are evaluated at the defer statement: Go prints %s, gort %s" % (go, gort))


def a001_17(r):
    k = kinds(r, "probeLoop")
    return (CONFIRMED if "heap" in k else REFUTED,
            "a defer in a loop: %s, %d deferproc call site(s); gort: %s" % (
                k, r.asm_calls("probeLoop", "runtime.deferproc"), r.probe_gort["kind-probeLoop100"]))


def a001_19(r):
    n = r.asm_calls("escapeSlice1000", "runtime.newobject")
    return (REFUTED if n == 0 else CONFIRMED, "%d runtime.newobject call(s)" % n)


def a001_20(r):
    line = next((l for l in r.go_inline if "cannot inline withDefer" in l), "(no line)")
    return (CONFIRMED if "unhandled op DEFER" in line else REFUTED,
            "already in Go 1.19: " + line.split(": ", 1)[-1])


def a001_21(r):
    head = r.go_asm.get("withDefer", ["(no listing)"])[0]
    ok = "locals=0x20" in head and "args=0x18" in head
    return (CONFIRMED if ok else REFUTED, head.split("STEXT", 1)[-1].strip())


def probe_eq(key, expected):
    def judge(r):
        go, gort = r.probe_go[key], r.probe_gort[key]
        return (CONFIRMED if go == expected else REFUTED, "Go prints %s; gort prints %s" % (go, gort))
    return judge


def a004_3(r):
    return (REFUTED,
            "a basic local: %s; a big struct pointer: %s; a loop closure: %s" % (
                "moved to heap" if any("moved to heap: x" in l for l in r.go_escape)
                else "stays on the stack",
                r.escape_line("&struct { data [1024]int }{}"),
                r.escape_line("moved to heap: i")))


def a004_4(r):
    return (REFUTED if "open-coded" in kinds(r, "probeOneDefer") else CONFIRMED,
            "a single defer: %s, %d deferproc call(s)" % (
                kinds(r, "probeOneDefer"), r.asm_calls("probeOneDefer", "runtime.deferproc")))


def a004_9(r):
    return (REFUTED if r.asm_calls("probeOneDefer", "runtime.deferproc") == 0 else CONFIRMED,
            "no deferproc call in a 1-defer function (%s)" % kinds(r, "probeOneDefer"))


def a004_11(r):
    return (CONFIRMED,
            "pending defers accumulate until the function returns: gort %s for 100 loop defers; "
            "Go %s" % (r.probe_gort["kind-probeLoop100"], kinds(r, "probeLoop")))


def a004_16(r):
    go, gort = r.probe_go["defer-recover-builtin-stops-panic"], r.probe_gort[
        "defer-recover-builtin-stops-panic"]
    return (REFUTED,
            "a capturing deferred closure: %s; `defer recover()` stops a panic: Go %s, gort %s" % (
                r.escape_line("new(int)"), go, gort))


def a004_17(r):
    go = r.probe_go["closure-sees-final-value"]
    return (CONFIRMED if go == "43" and not any("moved to heap: x" in l for l in r.go_escape)
            else REFUTED,
            "x stays on the stack; the closure sees %s (gort %s)" % (
                go, r.probe_gort["closure-sees-final-value"]))


def a004_19(r):
    big, val = r.go("BenchmarkCaptureBig/100"), r.go("BenchmarkCaptureByValue/100")
    ok = big > val and r.go_allocs.get("BenchmarkCaptureBig/100", 0) > 0
    return (CONFIRMED if ok else REFUTED,
            "Go: a 256-byte capture %s and %d allocs/op vs an int %s; gort: %s (%d heap defers/op) "
            "vs %s" % (ns(big), r.go_allocs.get("BenchmarkCaptureBig/100", 0), ns(val),
                       ns(r.gort("BM_GortCaptureBig/100")),
                       r.counter("BM_GortCaptureBig/100", "heap_defers/op"),
                       ns(r.gort("BM_GortCaptureByValue/100"))))


def a004_20(r):
    k = kinds(r, "probeOneDefer")
    return (CONFIRMED if "open-coded" in k and r.probe_go["simple-defer-returns"] == "42" else REFUTED,
            "%s; returns %s (gort: %s, returns %s)" % (
                k, r.probe_go["simple-defer-returns"], r.probe_gort["kind-probeOneDefer"],
                r.probe_gort["simple-defer-returns"]))


def a004_21(r):
    k2, kc = kinds(r, "probeTwoDefers"), kinds(r, "probeConditional")
    return (REFUTED if "open-coded" in k2 and "open-coded" in kc else CONFIRMED,
            "two defers: %s; a conditional defer: %s" % (k2, kc))


def a004_22(r):
    k = kinds(r, "probeLoop")
    return (CONFIRMED if "heap" in k else REFUTED,
            "Go: %s (%d B/op for 100); gort: %s, %d allocs/op" % (
                k, r.go_bytes.get("BenchmarkLoopDefer/100", 0), r.probe_gort["kind-probeLoop100"],
                r.counter("BM_GortLoopDefer/100", "allocs/op")))


# --- article 003 (S3: scheduling with defer-heavy goroutines) ------------------------------------
# The S3 programs (bench/s3_latency.cpp, bench/go/s3) measure the wake-up latency (runnext path)
# and the yield latency (back of the queue) with 1000 background goroutines looping {10 plain
# calls; yield} ("plain", the article's "no defer") or {a function with 10 defers; yield}
# ("defer", its "high defer density"). The article ran Go 1.22.5 at GOMAXPROCS=4 with 10k
# goroutines; P=2 is the closest setting on these 2-core machines.

def us(x):
    return "%.2f µs" % (x / 1e3) if x < 1e6 else "%.2f ms" % (x / 1e6)


def go_wake(r, procs, bg):
    return r.s3("go", procs, bg)["wake_ns"]


def go_no_miss_tail(r, bg):
    """Go 1.19 counts no runnext hits. At P=1 a readied goroutine that is not taken from runnext
    waits behind queued background goroutines (each turn ~ a yield's cost / 1000); runnext takes
    it at the next schedule. Evidence that Go's wake-ups took runnext: the wake-up p99 stays
    under a tenth of a yield's wait (a full pass through the queue). Returns (holds, p99, p50)."""
    x = r.s3("go", 1, bg)
    return (x["wake_ns"]["p99"] * 10 < x["yield_ns"]["p50"], x["wake_ns"]["p99"],
            x["yield_ns"]["p50"])


def gort_runnext_per_round(r, procs, bg):
    """gort's runnext hits per S3 round; each round has two wake-ups (W wakes R, R wakes W)."""
    g = r.s3("gort", procs, bg)
    return g["runnext_hits"] / g["rounds"]


def a003_1(r):
    hits = gort_runnext_per_round(r, 1, "plain")
    ok_go, wake, yld = go_no_miss_tail(r, "plain")
    ok = hits >= 2 * 0.92 and ok_go
    return (CONFIRMED if ok else REFUTED,
            "gort (Go's runnext rule; Go 1.19 has no counter): %.2f runnext hits per round of 2 "
            "wake-ups (%.0f%%), P=1, plain background; Go's wake-up p99 is %s, against %s for a "
            "pass through the queue (yield p50): %s" % (
                hits, 50.0 * hits, us(wake), us(yld),
                "no sign of wake-ups waiting in the queue" if ok_go else "a queueing tail"))


def a003_2(r):
    g1, g2 = go_wake(r, 1, "plain"), go_wake(r, 2, "plain")
    ok = within(g2["p50"], 1300) and within(g2["p95"], 2100)
    return (CONFIRMED if ok else REFUTED,
            "Go wake-up latency without defers, P=2: p50 %s, p95 %s, mean %s (P=1: %s, %s); gort "
            "P=2: %s, %s" % (us(g2["p50"]), us(g2["p95"]), us(g2["mean"]), us(g1["p50"]),
                             us(g1["p95"]), us(r.s3("gort", 2, "plain")["wake_ns"]["p50"]),
                             us(r.s3("gort", 2, "plain")["wake_ns"]["p95"])))


def a003_3(r):
    p, d = go_wake(r, 2, "plain"), go_wake(r, 2, "defer")
    p1, d1 = go_wake(r, 1, "plain"), go_wake(r, 1, "defer")
    ratio = d["p50"] / p["p50"]
    ok = within(d["p50"], 3200) and within(d["p95"], 4800) and within(ratio, 3.2 / 1.3, 1.5)
    gp, gd = r.s3("gort", 2, "plain")["wake_ns"], r.s3("gort", 2, "defer")["wake_ns"]
    return (CONFIRMED if ok else REFUTED,
            "Go wake-up latency with 10-defer goroutines, P=2: p50 %s, p95 %s (%.2fx / %.2fx the "
            "plain background); P=1: %s, %s (%.2fx / %.2fx); gort P=2: %.2fx / %.2fx" % (
                us(d["p50"]), us(d["p95"]), ratio, d["p95"] / p["p95"], us(d1["p50"]),
                us(d1["p95"]), d1["p50"] / p1["p50"], d1["p95"] / p1["p95"],
                gd["p50"] / gp["p50"], gd["p95"] / gp["p95"]))


def a003_4(r):
    plain, defer = gort_runnext_per_round(r, 1, "plain"), gort_runnext_per_round(r, 1, "defer")
    ok_p, wake_p, _ = go_no_miss_tail(r, "plain")
    ok_d, wake_d, yld = go_no_miss_tail(r, "defer")
    more_misses = defer < plain * (1 - 0.1) or not ok_d
    return (CONFIRMED if more_misses else REFUTED,
            "gort, P=1: %.2f runnext hits per round of 2 wake-ups with 10-defer goroutines, %.2f "
            "without; Go's wake-up p99 %s with defers, %s without, against %s for a pass through "
            "the queue: %s" % (
                defer, plain, us(wake_d), us(wake_p), us(yld),
                "no miss tail with defers either" if ok_d else "a queueing tail with defers"))


def a003_7(r):
    per = r.go_per_defer(50)
    return (CONFIRMED if within(per, 8.2) else REFUTED,
            "Go 1.19 runs a deferred call through a record (50 defers, at function exit) in %s "
            "over a direct call; gort %s" % (ns(per), ns(r.gort_per_defer(50))))


def a003_8(r):
    per = r.go_loop_per_defer(100)
    total = 1e4 * per
    return (CONFIRMED if total >= 1e6 else REFUTED,
            "Go: a defer registered in a loop costs %s, so 10^4 of them hold the P for %s; gort: "
            "%s" % (ns(per), us(total),
                    us(1e4 * (r.gort("BM_GortLoopDefer/100") - r.gort("BM_ManualLoopDefer/100"))
                       / 100)))


def a003_10(r):
    p, d = r.s3("go", 1, "plain")["yield_ns"], r.s3("go", 1, "defer")["yield_ns"]
    gp, gd = r.s3("gort", 1, "plain")["yield_ns"], r.s3("gort", 1, "defer")["yield_ns"]
    return (NA,
            "their service's workload is not given; for scale, the runnable delay of a goroutine "
            "queued behind 1000 others (yield p50, P=1): Go %s with plain calls, %s with 10 "
            "defers per turn; gort %s, %s (p99 %s, %s)" % (
                us(p["p50"]), us(d["p50"]), us(gp["p50"]), us(gd["p50"]), us(gp["p99"]),
                us(gd["p99"])))


def a003_15(r):
    per = r.go_loop_per_defer(100)
    return (CONFIRMED if within(per, 43) else REFUTED,
            "Go 1.19 (the nearest version here; heap records from the per-P pool, as in 1.18): %s "
            "per defer in a loop, %g B/op for 100" % (
                ns(per), r.go_bytes.get("BenchmarkLoopDefer/100", -1)))


SERVICE = "production data from the article's own service, not reproducible"


INTERNAL = ("a claim about Go's runtime internals (struct layout, calling convention); no program "
            "can observe it, and Go 1.19's source says otherwise")

CLAIMS = {
    "000": [
        Claim("A000-1", "deferproc+deferreturn take 8-12% of CPU at ~10^4 defers/s", "8-12%",
              a000_1),
        Claim("A000-2", "no defer: 12.3 ns, 0 B, 0 GC", "12.3 ns, 0 B", a000_2),
        Claim("A000-3", "one defer: 48.7 ns, 24 B (3.96x)", "48.7 ns, 24 B", a000_3),
        Claim("A000-4", "defer + capturing closure: 116.5 ns, 48 B, 1 GC (9.47x)", "116.5 ns, 48 B",
              a000_4),
        Claim("A000-5", "defer cost is not linear", "non-linear", a000_5),
        Claim("A000-6", "defers in loops raise GC frequency 3.2x; _defer is on the heap by default",
              "3.2x", a000_6),
        Claim("A000-7", "`MOVQ.*runtime..defer` in -S output means a heap allocation", "regex",
              a000_7),
        Claim("A000-8", "the second defer (b) runs first", "b, a", a000_8),
        Claim("A000-9", "open-coded defers came with Go 1.22", "Go 1.22", a000_9),
        Claim("A000-10", "stack-allocated defer ~30 ns vs open-coded ~3 ns", "30 ns / 3 ns",
              a000_10),
        Claim("A000-11", "open coding needs <=8 defers, no closures, no escape", "<= 8", a000_11),
        Claim("A000-12", "a _defer has fn/args/siz/link, 48 B", "48 B", why=INTERNAL + "; gort's "
              "slot is 32 B"),
        Claim("A000-13", "d.link is at offset 40", "40", why=INTERNAL),
        Claim("A000-14", "each chain hop is one cache-line load, 1-3 ns", "1-3 ns",
              why="a hop cannot be separated from the call it leads to in Go; see A000-10 for "
                  "the per-defer cost"),
        Claim("A000-15", "100-node chain traversal: ~2.1M ops/s at 3.2 GHz", "2.1M/s", a000_15),
        Claim("A000-16", "each defer adds ~4 instructions at entry; one deferreturn at exit",
              "4 instr.", a000_16),
        Claim("A000-17", "entry/exit instructions: 1: 4/7, 3: 12/11, 10: 40/26, 50: 200/106",
              "4N / 2N+5", a000_17),
        Claim("A000-18", "`$3` passed to deferproc is the chain length", "3", why=INTERNAL),
        Claim("A000-19", "a deferred call costs 50-200+ cycles (reflectcall)", "50-200 cycles",
              a000_19),
        Claim("A000-20", "each defer node is a 16-32 B allocation", "16-32 B", a000_20),
        Claim("A000-21", "link deref 1-3 cycles, 8 B argument copy ~8, reflectcall >=40",
              "1-3 / 8 / 40 cycles", why=INTERNAL + " (Go 1.19 has no reflectcall on this path)"),
        Claim("A000-22", "x := make([]int, 1000) captured by a deferred closure escapes", "escapes",
              esc("make([]int, 1000)")),
        Claim("A000-23", "GC: 80 MB/2 GCs without, 1.2 GB/47 GCs with a capturing defer",
              "15x bytes, 23.5x GCs", a000_23),
        Claim("A000-24", "~83 ns per defer while a panic unwinds (Go 1.22, EPYC)", "83 ns",
              a000_24),
        Claim("A000-25", "panic with 5 defers: 410 ns plain, 690 ns capturing", "410 / 690 ns",
              a000_25),
        Claim("A000-26", "Go 1.22+ gctrace has a defer:<ns> field", "Go 1.22",
              why="needs Go 1.22; Go 1.19 here prints no such field"),
        Claim("A000-27", "STW 0.045 ms of which defer scanning 0.012 ms", "12 us",
              why="depends on A000-26's field"),
        Claim("A000-28", "10k goroutines: STW share 12% (3 defers), 38% (10 defers)", "8.2/27.6 us",
              why="needs goroutines (gort's scheduler is a later issue) and a GC; C++ has no GC"),
        Claim("A000-29", "trace events DeferStart/DeferDone/DeferExec", "goid 17",
              why="Go 1.19's tracer has no defer events; gort's tracer is a later issue"),
        Claim("A000-30", "127 services sampled for 7 days", "127 / 7 days",
              why="production data, not reproducible"),
        Claim("A000-31", "defer density vs P99 correlation 0.83 / 0.12 / 0.67", "r",
              why="production data, not reproducible"),
        Claim("A000-32", "P99 grows exponentially above density 5.2 (beta 1.84)", "5.2",
              why="production data, not reproducible"),
        Claim("A000-33", "deferproc(fn, argp, siz) takes three parameters", "3", why=INTERNAL),
        Claim("A000-34", "defer nodes live on the goroutine stack", "stack", a000_34),
        Claim("A000-35", "perf --call-graph dwarf,8192: 8192 is a depth limit", "8192",
              why="a perf option (the number is a dump size in bytes), not a defer cost"),
        offtopic("A000-X1", "deployed at 3 customers by 2024Q3", "3"),
        offtopic("A000-X2", "AUC 0.92 vs 0.68", "0.92"),
        offtopic("A000-X3", "sorting latency 8.7 s -> 1.3 s", "8.7 s"),
        offtopic("A000-X4", "12.4 TB/day, false alarms -76%", "12.4 TB"),
        offtopic("A000-X5", "Flink OOM 5.2/month, lineage breaks 17/month", "5.2 / 17"),
        offtopic("A000-X6", "P99 3.2 s, 1200 ms operator delay", "3.2 s"),
        offtopic("A000-X7", "OEE +11.3 pp, CNY 28.5M", "11.3 pp"),
        offtopic("A000-X8", "47 min -> 92 s (-96.7%)", "96.7%"),
        offtopic("A000-X9", "ETL time -58%, 2.3 person-years", "58%"),
        offtopic("A000-X10", "Flink PR #21892, 3 institutions, 47 rules", "21892"),
    ],
    "001": [
        Claim("A001-1", "each defer compiles to a runtime.deferproc call", "1 call/defer", a001_1),
        Claim("A001-2", "deferreturn at the end walks the list and runs each entry", "1 call",
              a001_2),
        Claim("A001-3", "O(1) insertion, O(n) traversal", "linear", a001_3),
        Claim("A001-4", "_defer = fn, sp, pc, argp, link, 8 B each", "40 B", why=INTERNAL),
        Claim("A001-5", "100 defers add ~300 ns, linearly", "3 ns/defer", a001_5),
        Claim("A001-6", "in a panic deferreturn scans two lists, amplifying latency", "no figure",
              why="no figure to check; the panic section gives gort's and Go's panic costs"),
        Claim("A001-7", "layout link@0, fn@8, pc/sp/fp@16, siz@40 (48 B)", "48 B", why=INTERNAL),
        Claim("A001-8", "deferproc takes two parameters", "2", why=INTERNAL),
        Claim("A001-9", "deferinit at entry, deferreturn(0)", "0", why=INTERNAL),
        Claim("A001-10", "recover skips the remaining defers", "skips", a001_10),
        Claim("A001-11", "no defer 2.1 ns, one defer 8.7 ns, three closure defers 24.3 ns",
              "2.1 / 8.7 / 24.3 ns", a001_11),
        Claim("A001-12", "every defer is heap-allocated by newdefer", "heap", a001_12),
        Claim("A001-13", "x := make([]int, 10) captured by a defer escapes", "escapes",
              esc("make([]int, 10)")),
        Claim("A001-14", "defer fmt.Println(42) does not escape", "no escape", a001_14),
        Claim("A001-15", "stack growth (>2 KB) moves defer records", "2 KB",
              why="gort's stacks do not move (C++ pointers into them would break); Go's behaviour "
                  "is not observable from a program"),
        Claim("A001-16", "a loop defer sees the loop's final value", "final value", a001_16),
        Claim("A001-17", "in a loop deferproc runs once per iteration", "N calls", a001_17),
        Claim("A001-18", "s := make([]int, 1000) is moved to heap (Go 1.22+)", "moved to heap",
              esc("make([]int, 1000)")),
        Claim("A001-19", "the closure environment is allocated with runtime.newobject", "newobject",
              a001_19),
        Claim("A001-20", "functions with defer are not inlined (Go 1.21+)", "noinline", a001_20),
        Claim("A001-21", "withDefer is TEXT $32-24 (32-byte frame)", "$32-24", a001_21),
        Claim("A001-22", "defers at a cgo boundary may not run", "fault",
              why="gort calls C directly (no cgo boundary); the Go side needs a cgo build"),
        offtopic("A001-X1", "gateway latency 842 -> 127 ms, errors 3.8% -> 0.15%", "842 ms"),
        offtopic("A001-X2", "peak requests 1.2M -> 4.7M (+292%)", "292%"),
        offtopic("A001-X3", "config reload 42 s (-98.1%)", "42 s"),
        offtopic("A001-X4", "fault location 38 -> 6.3 min", "83.4%"),
        offtopic("A001-X5", "17 instances, 3 banks, 14 months", "17"),
        offtopic("A001-X6", "sidecar memory -63%, CPU -41%", "63%"),
        offtopic("A001-X7", "false alarms -57%", "57%"),
        offtopic("A001-X8", "TPC-C loss <= 9.2%", "9.2%"),
        offtopic("A001-X9", "212 clusters, 127 OOM events", "212"),
        offtopic("A001-X10", "43 / 38 / 29 / 9 connection strings", "43"),
    ],
    "003": [
        Claim("A003-1", "without defers the P.runnext hit rate is > 92% (Go 1.22.5, GOMAXPROCS=4, "
              "10k goroutines calling Gosched)", "> 92%", a003_1),
        Claim("A003-2", "without defers the runnext latency is 1.3 µs mean, P50 1.3 µs, P95 "
              "2.1 µs", "1.3 / 2.1 µs", a003_2),
        Claim("A003-3", "with high defer density the latency is P50 3.2 µs, P95 4.8 µs",
              "3.2 / 4.8 µs (2.5x / 2.3x)", a003_3),
        Claim("A003-4", "defer frame setup raises the probability that the runnext load misses "
              "by 37%", "+37%", a003_4),
        Claim("A003-5", "flame-graph top width 86 px without defers, 142 px with", "86 / 142 px",
              why="pixel widths of the article's own flame graphs"),
        Claim("A003-6", "deferproc takes three parameters (siz, argp, fn)", "3", why=INTERNAL),
        Claim("A003-7", "walking the defer chain at goroutine exit costs 8.2 ns per node (48 B "
              "nodes, Xeon Gold 6248R)", "8.2 ns", a003_7),
        Claim("A003-8", "a goroutine registering 10^4 defers holds its P for milliseconds",
              ">= 1 ms", a003_8),
        Claim("A003-9", "debug/bench/prod builds: 12.8/8.3/7.1 ms mean, 41.2/22.6/18.9 ms P99 at "
              "10k QPS", "table", why=SERVICE),
        Claim("A003-10", "runnable delay < 0.1 ms normally, > 3 ms in a defer-heavy service "
              "(runnable > 2 ms means starvation)", "0.1 / 3 ms", a003_10),
        Claim("A003-11", "deferproc > 92% of CPU samples; > 5*10^4 defers/s per G; P idle < 5%",
              "92% / 5e4 / 5%", why=SERVICE),
        Claim("A003-12", "old defer code added 12-18 ns of stack scanning per goroutine switch "
              "(4.7*10^8 transactions/day, 9 defers per request, QPS 32k)", "12-18 ns",
              why=SERVICE + "; the Go 1.21 runtime.SetDeferStack it credits is not in Go's API"),
        Claim("A003-13", "since Go 1.19 defer records sit in a two-level m.deferpool cache; P99 "
              "defer latency 217 -> 89 ns on a 64-core ARM server", "217 / 89 ns",
              why="Go 1.19 keeps its defer pool per P (p.deferpool), not per M; the latency "
                  "figure needs their 64-core ARM service"),
        Claim("A003-14", "Go 1.18: 43 ns per defer allocation (malloc + GC scan), +17% GC load",
              "43 ns", a003_15),
        Claim("A003-15", "Go 1.21: 3.2 ns per defer (8.4% -> 0.9% of the time); 1.23-dev: "
              "0.7 ns", "3.2 / 0.7 ns",
              why="needs Go 1.21 and a 1.23 development build; Go here is 1.19"),
        Claim("A003-16", "Go 1.22 adds syscall/js.Defer for WebAssembly", "Go 1.22",
              why="a WebAssembly API of a later Go version; nothing here runs WebAssembly"),
    ],
    "004": [
        Claim("A004-1", "closures capturing the loop variable print 3 3 3", "3 3 3",
              probe_eq("capture-by-reference", "3 3 3")),
        Claim("A004-2", "passing i as a parameter prints 2 1 0", "2 1 0",
              probe_eq("capture-by-value", "2 1 0")),
        Claim("A004-3", "escape table: basic local no, big struct/pointer yes, loop closures maybe",
              "table", a004_3),
        Claim("A004-4", "each defer becomes deferproc + deferreturn at the AST stage", "deferproc",
              a004_4),
        Claim("A004-5", "a conditional defer runs at function return, not block end",
              "function end", probe_eq("conditional-true", "after-if deferred")),
        Claim("A004-6", "defer first; defer second prints second, first", "second, first",
              probe_eq("lifo", "third second first")),
        Claim("A004-7", "list_add_tail gives FIFO order (C code)", "FIFO",
              why="C kernel-style code, not Go; Go and gort run defers LIFO"),
        Claim("A004-8", "three defers print third, second, first", "third second first",
              probe_eq("lifo", "third second first")),
        Claim("A004-9", "asm: deferproc, TESTL AX, length $7", "$7", a004_9),
        Claim("A004-10", "defer: 3, 3, 3 and capture: 2, 1, 0", "3 3 3 / 2 1 0",
              probe_eq("capture-by-reference", "3 3 3")),
        Claim("A004-11", "loop defers pile up until the function ends", "N pending", a004_11),
        Claim("A004-12", "the fixed version prints 0 1 2", "0 1 2",
              probe_eq("capture-by-value", "0 1 2")),
        Claim("A004-13", "referencing the outer variable is a data race", "race", a004_13),
        Claim("A004-14", "i := i inside the loop fixes it", "2 1 0",
              probe_eq("capture-redeclare", "2 1 0")),
        Claim("A004-15", "x := new(int) captured by a defer is forced to the heap", "escapes",
              esc("new(int)")),
        Claim("A004-16", "a defer capturing a stack variable escapes; defer recover() no escape",
              "table", a004_16),
        Claim("A004-17", "x := 42 captured stays on the stack", "stack", a004_17),
        Claim("A004-18", "x := &struct{data [1024]int}{} escapes (8 KB)", "escapes",
              esc("&struct { data [1024]int }{}")),
        Claim("A004-19", "heap-escaping defers cost more and load the GC", "higher", a004_19),
        Claim("A004-20", "a simple defer becomes a direct call before return", "optimized",
              a004_20),
        Claim("A004-21", "multiple or conditional defers cannot be optimized", "not optimized",
              a004_21),
        Claim("A004-22", "a loop defer 1000 times goes through the heap", "heap", a004_22),
        offtopic("A004-X1", "MTTR 45 -> 3.2 min", "45 min"),
        offtopic("A004-X2", "7 days of data, 3 sigma, 18 min early", "18 min"),
        offtopic("A004-X3", "load-level latency table 12/28/67/145 ms", "table"),
    ],
}
