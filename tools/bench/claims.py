"""Every checkable claim of the five articles (000-004), with the rule that judges it on this run.

Verdicts:
  confirmed     every number and every stated mechanism of the claim holds on this run;
  partly        some parts hold and some do not (the row says which);
  refuted       the parts this run can check do not hold;
  unverifiable  the claim (or the part of it that is left once the checkable parts hold) needs
                other hardware, another Go version, private data or hardware counters (the row
                says which), or an experiment this run does not have yet (the row names it);
  not applicable  only for text that makes no claim about defer, Go's runtime or its tools (the
                articles' off-topic closing chapters, one row each).

Rules. A claim's figures are written once, in its Claim (`figs`); the judges read them from
there. Absolute times measured on other machines are never compared with ours directly: they
are compared through ratios measured in this run (their figure over their own baseline against
ours over ours), or, where the article gives no baseline, through cycles (ns x clock; the
article's clock when it names it, else any clock from CLOCK_GHZ). The tolerance of a figure of
this run is its relative spread over the run's rounds (Results.spread: the narrowest window
around the figure that holds every round), never a fixed factor.
Claims about Go are judged on Go's evidence only; gort's figures stand beside them. A result the
run did not produce raises MissingResult and fails the report (tools/bench/report.py).
tools/bench/test_claims.py checks that every judge's verdict changes with its evidence.
"""
import re

CONFIRMED, PARTLY, REFUTED, UNVERIFIABLE, NA = (
    "confirmed", "partly", "refuted", "unverifiable", "not applicable")
VERDICTS = (CONFIRMED, PARTLY, REFUTED, UNVERIFIABLE, NA)

# Why a claim (or part) is unverifiable here.
HARDWARE, GO_VERSION, PRIVATE, COUNTERS, WAITS = (
    "other hardware", "other Go version", "private data", "hardware counters",
    "waits for an experiment")
REASONS = (HARDWARE, GO_VERSION, PRIVATE, COUNTERS, WAITS)

# The experiments that unverifiable rows wait for (the Go-side probes the report does not run yet,
# and article 002's HTTP load experiment, which needs gort::http).
GCTRACE = "GODEBUG=gctrace=1 runs (GC counts, line format, STW with 10,000 goroutines)"
PPROF = "go tool pprof on go test -cpuprofile (CPU shares)"
TRACE = "go tool trace on a Go program (event names)"
ASM = "-S assembly probes (deferproc/deferprocStack/deferreturn calls, arguments, spacing)"
SIZEOF = "unsafe.Sizeof/Offsetof of a copy of the installed runtime's _defer"
GREP = "greps of the installed Go source for the named functions and fields"
NOOPEN = "-d=noopendefer builds (where pre-1.14 figures come from)"
SPIN = "a GOMAXPROCS=1 spin probe (preemption)"
CGO = "a cgo probe (CGO_ENABLED=1)"
GOSCHED = "article 003's scenario with goroutines calling Gosched"
LOCK = "article 002's Lock/defer Unlock pair at 1,000 and 5,000 goroutines"
CONN = "article 002's connection-close and loop probes"
HTTP = "the HTTP issue's load experiment (article 002)"
RUNNEXT = ("a count of runnext hits and misses in Go (Go 1.19 keeps none: a runtime patched to "
           "count them, or a trace matching each GoUnblock to the next GoStart on its P)")

# A time from a machine whose clock the article does not name: any clock in this range (GHz).
CLOCK_GHZ = (1.0, 5.0)

# When this run's rounds disagree by more than this (relative spread), a match decides nothing:
# the window ours*(1 +- tol) then spans more than 3x (0.5x to 1.5x ours), wider than the fixed
# factor-2 windows this report gave up, so a claimed figure inside it is not confirmed; the part
# is unverifiable on this run's noise and the row says so (more rounds, GORT_BENCH_REPETITIONS,
# narrow it). The cut-off only ever withholds a confirmation: a claimed figure outside even the
# widest window is refuted whatever the spread (decided, above).
NOISY = 0.5


def too_noisy(tol):
    return "this run's rounds disagree by ±%.0f%%: too noisy to decide" % (100 * tol)


def decided(ok, tol):
    """ok (agree's answer for the window ours*(1 +- tol)), unless it holds only within a window
    too wide to mean anything (then the reason, a string). A miss stays a miss: noisy rounds
    cannot hide a refutation."""
    if ok is False:
        return False
    if tol > NOISY:
        return too_noisy(tol)
    return ok


def above(x, tol, bound):
    """Whether x, give or take the relative tolerance tol, is above bound: True when the whole
    window is (and the spread is at most NOISY), False when the whole window is at or below it
    (whatever the spread), otherwise too noisy to decide (the reason, a string)."""
    lo, hi = sorted((x * (1 - tol), x * (1 + tol)))
    if lo > bound:
        return decided(True, tol)
    if hi <= bound:
        return False
    return too_noisy(tol)


def ns(x):
    return "%.1f ns" % x if abs(x) >= 10 else "%.2f ns" % x


def us(x):
    return "%.2f µs" % (x / 1e3) if x < 1e6 else "%.2f ms" % (x / 1e6)


def agree(ours, tol, lo, hi=None):
    """Whether ours, give or take the relative tolerance tol, meets the claimed value or range
    [lo, hi]."""
    hi = lo if hi is None else hi
    a, b = sorted((ours * (1 - tol), ours * (1 + tol)))
    return a <= hi and b >= lo


def cycles(r, t_ns):
    return t_ns * float(r.machine["mhz"]) / 1000.0


def parts(*items, extra=""):
    """Combines the parts of a claim: items are (holds, text) with holds True, False or a
    string (the part is unverifiable, for that reason). All hold: confirmed; some hold and some
    do not: partly; none holds: refuted; the rest hold but a part is unverifiable:
    unverifiable."""
    yes = [t for h, t in items if h is True]
    no = [t for h, t in items if h is False]
    unk = ["%s (%s)" % (t, h) for h, t in items if isinstance(h, str)]
    if no and yes:
        verdict = PARTLY
    elif no:
        verdict = REFUTED
    elif unk:
        verdict = UNVERIFIABLE
    else:
        verdict = CONFIRMED
    out = []
    if yes:
        out.append("holds: " + "; ".join(yes))
    if no:
        out.append("does not hold: " + "; ".join(no))
    if unk:
        out.append("cannot be checked here: " + "; ".join(unk))
    text = ". ".join(out)
    return verdict, text + (". " + extra if extra else "")


def ratio_part(r, label, theirs, expr, show=None):
    """A part comparing their ratio with ours (expr(view) over this run's rounds)."""
    ours, tol = expr(r), r.spread(expr)
    ok = decided(agree(ours, tol, theirs), tol)
    return ok, "%s: theirs %.2fx, ours %.2fx (±%.0f%% over the rounds)%s" % (
        label, theirs, ours, 100 * tol, show or "")


def cycles_part(r, label, their_ns, expr, ghz=CLOCK_GHZ):
    """A part comparing their absolute time with ours through cycles at their clock (range)."""
    ours, tol = expr(r), r.spread(expr)
    ours_c = cycles(r, ours)
    lo, hi = their_ns * ghz[0], their_ns * ghz[1]
    ok = decided(agree(ours_c, tol, lo, hi), tol)
    return ok, "%s: theirs %s = %.0f-%.0f cycles at %g-%g GHz, ours %s = %.0f cycles (±%.0f%%)" % (
        label, ns(their_ns), lo, hi, ghz[0], ghz[1], ns(ours), ours_c, 100 * tol)


class Claim:
    """One claim: figs are the article's figures (written once, shown as *theirs*); judge(r, f)
    returns (verdict, ours) from the run; a claim without a judge is unverifiable for the
    stated reason (reason, one of REASONS; why; waits: the experiment it waits for) or not
    applicable (na); context(r) adds this run's related figures to such a row."""

    def __init__(self, cid, text, figs, judge=None, reason=None, why=None, waits=None,
                 context=None, na=None):
        self.cid, self.text, self.figs, self.judge = cid, text, figs, judge
        self.reason, self.why, self.waits, self.context, self.na = (
            reason, why, waits, context, na)
        if judge is None and na is None:
            assert reason in REASONS, cid
        if reason == WAITS:
            assert waits, cid

    def theirs(self):
        if isinstance(self.figs, dict):
            def show(v):
                if isinstance(v, dict):
                    return ", ".join("%s@%s" % kv for kv in v.items())
                return "/".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)
            return ", ".join("%s %s" % (k, show(v)) for k, v in self.figs.items())
        return str(self.figs)

    def evaluate(self, r):
        """(verdict, ours); MissingResult propagates (the report fails naming it)."""
        if self.judge is not None:
            verdict, ours = self.judge(r, self.figs)
            assert verdict in VERDICTS, (self.cid, verdict)
            return verdict, ours
        if self.na is not None:
            return NA, self.na
        text = "%s: %s" % (self.reason, self.why)
        if self.waits:
            text += "; waits for: %s" % self.waits
        if self.context is not None:
            text += ". This run, for scale: " + self.context(r)
        return UNVERIFIABLE, text


def kinds(r, func):
    return ", ".join(sorted(set(r.go_defer_kinds.get(func, ["none reported"]))))


def offtopic(cid, text):
    return Claim(cid, text, "-", na="the article's closing chapter is not about defer, Go's "
                 "runtime or its tools; nothing here can measure it")


def escapes(r, fragment):
    line = r.escape_line(fragment)
    if line == "(no line)":
        raise KeyError_missing("go -m -l line containing %r" % fragment)
    return "does not escape" not in line, line


def KeyError_missing(name):
    from results import MissingResult
    return MissingResult(name)


# --- article 000 --------------------------------------------------------------------------------

def a000_1(r, f):
    def share(v):  # % of one core at f["rate"] defers/s, Go's loop defer with an argument
        return f["rate"] * v.go_loop_arg_per_defer(100) * 1e-9 * 100
    ours, tol = share(r), r.spread(share)
    ok = decided(agree(ours, tol, f["lo%"], f["hi%"]), tol)
    return parts((ok, "%g defers/s cost %.4f%% of one core (±%.0f%%), Go's costliest loop defer "
                  "(%s each)" % (f["rate"], ours, 100 * tol, ns(r.go_loop_arg_per_defer(100)))),
                 extra="gort: %s per loop defer" % ns(r.gort_loop_per_defer(100)))


def a000_2(r, f):
    return parts(
        cycles_part(r, "a direct call", f["ns"], lambda v: v.go("BenchmarkNoDefer")),
        (r.go_bytes["BenchmarkNoDefer"] == f["B"] and r.go_allocs["BenchmarkNoDefer"] == 0,
         "Go %g B/op, %g allocs/op" % (r.go_bytes["BenchmarkNoDefer"],
                                        r.go_allocs["BenchmarkNoDefer"])),
        extra="manual C++ %s" % ns(r.gort("BM_ManualCall")))


def a000_3(r, f):
    b = r.go_bytes["BenchmarkDefer"]
    return parts(
        ratio_part(r, "one defer over no defer", f["ns"] / f["base ns"],
                   lambda v: v.go("BenchmarkDefer") / v.go("BenchmarkNoDefer")),
        (b == f["B"], "Go allocates %g B/op (theirs %g)" % (b, f["B"])),
        extra="with open coding off (-d=noopendefer, records as before Go 1.14) Go's one defer "
        "is %.2fx the direct call; gort %s (%.2fx manual), %g allocs/op" % (
            r.go_noopen["BenchmarkDefer"] / r.go_noopen["BenchmarkNoDefer"],
            ns(r.gort("BM_GortDefer")), r.gort("BM_GortDefer") / r.gort("BM_ManualCall"),
            r.counter("BM_GortDefer", "allocs/op")))


def a000_4(r, f):
    b = r.go_bytes["BenchmarkDeferClosure"]
    g = r.gctrace["closure"]["num_gc"]
    return parts(
        ratio_part(r, "capturing defer over no defer", f["ns"] / f["base ns"],
                   lambda v: v.go("BenchmarkDeferClosure") / v.go("BenchmarkNoDefer")),
        (b == f["B"], "Go allocates %g B/op (theirs %g)" % (b, f["B"])),
        (g == f["GCs"], "%d GC(s) over %d capturing-defer calls (theirs %d)" % (
            g, r.gctrace["closure"]["calls"], f["GCs"])),
        extra="gort %s, %g allocs/op" % (ns(r.gort("BM_GortDeferClosure")),
                                         r.counter("BM_GortDeferClosure", "allocs/op")))


def a000_5(r, f):
    def step(v):
        return v.go_per_defer(10) - v.go_per_defer(8)
    d, tol = step(r), r.spread(step)
    ok = above(d, tol, 0)
    return parts((ok, "Go's per-defer cost steps from %s (8, open-coded) to %s (10, records), "
                  "step %s ±%.0f%%" % (ns(r.go_per_defer(8)), ns(r.go_per_defer(10)), ns(d),
                                      100 * tol)),
                 extra="gort: %s / %s" % (ns(r.gort_per_defer(8)), ns(r.gort_per_defer(10))))


def a000_7(r, f):
    pat = re.compile(f["regex"])
    heap = any(pat.search(l) for l in r.go_asm["probeLoop"])
    others = [fn for fn in ("probeOneDefer", "probeTwoDefers", "probeNine")
              if any(pat.search(l) for l in r.go_asm[fn])]
    return parts((heap, "the pattern matches the heap-path function (probeLoop)"),
                 (not others, "the pattern matches no non-heap function (matches: %s)" % (
                     ", ".join(others) or "none")))


def probe_eq(key, fig="prints"):
    def judge(r, f):
        go, gort = r.probe_go[key], r.probe_gort[key]
        return parts((go == f[fig], "Go prints %s (claimed: %s)" % (go, f[fig])),
                     extra="gort prints %s" % gort)
    return judge


def a000_9(r, f):
    k = kinds(r, "probeOneDefer")
    version = r.machine["go"].split()[2]
    number = tuple(int(x) for x in re.findall(r"\d+", version)[:2])
    since = tuple(int(x) for x in f["since"].split("."))
    return parts(("open-coded" not in k or number >= since,
                  "Go %s already compiles a single defer as: %s" % (version, k)))


def a000_10(r, f):
    return parts(ratio_part(r, "record defer over open-coded defer", f["stack ns"] / f["open ns"],
                            lambda v: v.go_per_defer(10) / max(v.go_per_defer(8), 0.01)),
                 extra="Go per defer: open-coded %s, records %s; gort inline %s, chunk %s" % (
                     ns(r.go_per_defer(8)), ns(r.go_per_defer(10)), ns(r.gort_per_defer(8)),
                     ns(r.gort_per_defer(50))))


def a000_11(r, f):
    k8, k9, kc = kinds(r, "probeEight"), kinds(r, "probeNine"), kinds(r, "probeClosure")
    return parts(("open-coded" in k8 and "open-coded" not in k9,
                  "the limit is %d: 8 defers %s, 9 defers %s" % (f["max"], k8, k9)),
                 ("open-coded" not in kc, "no closures: a closure capturing a local is %s" % kc))


def a000_15(r, f):
    def per_call(v):
        return v.go("BenchmarkLoopDeferPlain/100")
    ok, text = cycles_part(r, "a 100-defer chain per call", 1e3 / f["M/s"], per_call,
                           ghz=(f["GHz"], f["GHz"]))
    return parts((ok, text), extra="Go %.2fM calls/s here, gort %.2fM/s" % (
        1e3 / per_call(r), 1e3 / r.gort("BM_GortLoopDeferPlain/100")))


def go_static_per_defer(r):
    one, eight = r.asm_instructions("probeOneDefer"), r.asm_instructions("probeEight")
    nine = r.asm_instructions("probeNine")
    return one, eight, nine, (eight - one) / 7.0


def a000_16(r, f):
    one, eight, nine, per = go_static_per_defer(r)
    calls = r.asm_calls("probeOneDefer", "runtime.deferreturn")
    return parts((agree(per, 0, f["instr"] - 0.5, f["instr"] + 0.5),
                  "%.1f instructions per open-coded defer (%d with 1 defer, %d with 8)" % (
                      per, one, eight)),
                 (calls == f["deferreturn"], "%d deferreturn call(s) in the 1-defer function" %
                  calls),
                 extra="gort executes %.0f instructions per inline defer (callgrind)" % (
                     (r.callgrind["gort/8"] - r.callgrind["gort/1"]) / 7))


def a000_17(r, f):
    one, eight, nine, per = go_static_per_defer(r)
    cg = r.callgrind
    return parts((agree(per, 0, f["per defer"] - 0.5, f["per defer"] + 0.5),
                  "Go: %.1f instructions per open-coded defer" % per),
                 (agree(nine - eight, 0, f["per defer"] - 0.5, f["per defer"] + 0.5),
                  "the 9th defer (records) adds %d" % (nine - eight)),
                 extra="gort executed instructions per call over manual: 1: %.0f, 3: %.0f, "
                 "10: %.0f, 50: %.0f" % (cg["gort/1"] - cg["manual/1"],
                                         cg["gort/3"] - cg["manual/3"],
                                         cg["gort/10"] - cg["manual/10"],
                                         cg["gort/50"] - cg["manual/50"]))


def a000_19(r, f):
    def per(v):
        return v.go_per_defer(50)
    ours, tol = per(r), r.spread(per)
    c = cycles(r, ours)
    reflect = any("reflectcall" in l for fn in r.go_asm.values() for l in fn)
    return parts((decided(agree(c, tol, f["cycles lo"], float("inf")), tol),
                  "a deferred call through a record costs %s = %.0f cycles (±%.0f%%)" % (
                      ns(ours), c, 100 * tol)),
                 (reflect, "through reflectcall (in the probes' assembly: %s)" % (
                     "yes" if reflect else "no")))


def a000_20(r, f):
    arg = r.go_bytes["BenchmarkLoopDefer/100"] / 100.0
    plain = r.go_bytes["BenchmarkLoopDeferPlain/100"] / 100.0
    size, _ = defer_layout(r)
    return parts((agree(size, 0, f["B lo"], f["B hi"]),
                  "a defer node is %d B (unsafe.Sizeof of a copy of Go %s's _defer)" % (
                      size, go_version(r))),
                 (agree(plain, 0, f["B lo"], f["B hi"]),
                  "each one is an allocation: a loop `defer cleanup()` allocates %.0f B per defer "
                  "(records come from a per-P pool)" % plain),
                 extra="what allocates %.0f B per defer is the argument closure of a loop `defer "
                 "cleanupI(i)`, not the node; gort: %g allocs/op for 100 loop defers" % (
                     arg, r.counter("BM_GortLoopDeferPlain/100", "allocs/op")))


def esc(fragment, fig="escapes"):
    def judge(r, f):
        e, line = escapes(r, fragment)
        return parts((e == f[fig], "go -m -l: " + line))
    return judge


def go_panic_per_defer(v):
    return (v.go("BenchmarkPanicDefers5") - v.go("BenchmarkPanicRecover/1")) / 4


def a000_24(r, f):
    return parts(ratio_part(r, "one defer during a panic over a panic with 5 defers",
                            f["ns"] / f["panic5 ns"],
                            lambda v: go_panic_per_defer(v) / v.go("BenchmarkPanicDefers5")),
                 (GO_VERSION, "Go %s" % f["Go"]),
                 extra="Go %s per extra deferred call; gort %s" % (
                     ns(go_panic_per_defer(r)),
                     ns((r.gort("BM_GortPanicDefers5") - r.gort("BM_GortPanicRecover/1")) / 4)))


def a000_25(r, f):
    return parts(ratio_part(r, "capturing over plain", f["capturing ns"] / f["plain ns"],
                            lambda v: v.go("BenchmarkPanicClosures5")
                            / v.go("BenchmarkPanicDefers5")),
                 extra="Go %s / %s; gort %s / %s" % (
                     ns(r.go("BenchmarkPanicDefers5")), ns(r.go("BenchmarkPanicClosures5")),
                     ns(r.gort("BM_GortPanicDefers5")), ns(r.gort("BM_GortPanicClosures5"))))


def a000_34(r, f):
    k9, kl = kinds(r, "probeNine"), kinds(r, "probeLoop")
    return parts(("stack" in k9, "9 defers: %s" % k9), ("stack" in kl, "a loop defer: %s" % kl))


# --- article 001 --------------------------------------------------------------------------------

def a001_1(r, f):
    calls = r.asm_calls("probeTwoDefers", "runtime.deferproc")
    return parts((calls == 2, "a 2-defer function makes %d deferproc calls (%s)" % (
        calls, kinds(r, "probeTwoDefers"))))


def a001_2(r, f):
    direct = r.asm_calls("probeOneDefer", "main.cleanup")
    dr = r.asm_calls("probeOneDefer", "runtime.deferreturn")
    return parts((dr >= 1, "%d deferreturn call(s) at the end" % dr),
                 (direct == 0, "the deferred call goes through deferreturn (the 1-defer function "
                  "calls cleanup directly %d time(s))" % direct))


def linear(r):
    def d(v):
        return v.go_per_defer(50) / v.go_per_defer(10)
    return ratio_part(r, "per-defer cost at 50 over at 10 (1 if linear)", 1.0, d)


def a001_3(r, f):
    return parts(linear(r), extra="Go per defer %s at 10, %s at 50; gort %s, %s" % (
        ns(r.go_per_defer(10)), ns(r.go_per_defer(50)), ns(r.gort_per_defer(10)),
        ns(r.gort_per_defer(50))))


def a001_5(r, f):
    return parts(cycles_part(r, "per defer", f["ns"] / f["defers"], lambda v: v.go_per_defer(50)),
                 linear(r), extra="gort %s per defer" % ns(r.gort_per_defer(50)))


def a001_10(r, f):
    go, gort = r.probe_go["recover-then-rest"], r.probe_gort["recover-then-rest"]
    return parts(("earlier-defer-ran" not in go, "Go prints '%s'" % go),
                 extra="gort prints '%s'" % gort)


def a001_11(r, f):
    return parts(
        ratio_part(r, "one defer over none", f["one ns"] / f["none ns"],
                   lambda v: v.go("BenchmarkDeferN1") / v.go("BenchmarkNoDeferN1")),
        (WAITS + ": a Go pair with three capturing defers (the run has three plain ones: "
         "%.2fx over none, theirs %.2fx for closures)" % (
             r.go("BenchmarkDeferN3") / r.go("BenchmarkNoDeferN1"),
             f["three ns"] / f["none ns"]), "three closure defers over none"),
        extra="with open coding off (-d=noopendefer, records as before Go 1.14): %s, %s, %s "
        "(%.2fx, %.2fx); gort: %s, %s, %s" % (
            ns(r.go_noopen["BenchmarkNoDeferN1"]), ns(r.go_noopen["BenchmarkDeferN1"]),
            ns(r.go_noopen["BenchmarkDeferN3"]),
            r.go_noopen["BenchmarkDeferN1"] / r.go_noopen["BenchmarkNoDeferN1"],
            r.go_noopen["BenchmarkDeferN3"] / r.go_noopen["BenchmarkNoDeferN1"],
            ns(r.gort("BM_ManualDeferN/1")), ns(r.gort("BM_GortDeferN/1")),
            ns(r.gort("BM_GortDeferN/3"))))


def a001_12(r, f):
    a = r.go_allocs["BenchmarkDefer"]
    return parts(("heap" in kinds(r, "probeOneDefer"),
                  "a single defer: %g allocs/op in Go (%s)" % (a, kinds(r, "probeOneDefer"))),
                 extra="a deferred closure: %g allocs/op" % r.go_allocs["BenchmarkDeferClosure"])


def a001_14(r, f):
    e, line = escapes(r, "42 ")
    return parts((not e, "go -m -l: " + line))


def a001_16(r, f):
    go, gort = r.probe_go["loop-arguments"], r.probe_gort["loop-arguments"]
    return parts((go == f["prints"], "Go prints %s" % go), extra="gort prints %s" % gort)


def a001_17(r, f):
    k = kinds(r, "probeLoop")
    n = r.asm_calls("probeLoop", "runtime.deferproc")
    return parts(("heap" in k and n >= 1, "a defer in a loop: %s, %d deferproc call site(s) "
                  "inside the loop" % (k, n)))


def a001_19(r, f):
    n = r.asm_calls("escapeSlice1000", "runtime.newobject")
    return parts((n > 0, "%d runtime.newobject call(s)" % n))


def a001_20(r, f):
    line = next((l for l in r.go_inline if "inline withDefer" in l), None)
    if line is None:
        raise KeyError_missing("-m=2 line about withDefer")
    return parts(("cannot inline" in line, line.split(": ", 1)[-1]),
                 (GO_VERSION, "since Go %s" % f["since"]))


def a001_21(r, f):
    head = r.go_asm["withDefer"][0]
    return parts(("locals=0x%x" % f["frame"] in head and "args=0x%x" % f["args"] in head,
                  "a $%d-%d frame: %s" % (f["frame"], f["args"],
                                          head.split("STEXT", 1)[-1].strip())),
                 (" nosplit " in " %s " % head, "withDefer is NOSPLIT (%s)" % (
                     "its STEXT line says nosplit" if " nosplit " in " %s " % head else
                     "its STEXT line has no nosplit")))


# --- article 002 --------------------------------------------------------------------------------

def a002_3(r, f):
    k = kinds(r, "probeOneDefer")
    a = r.go_allocs["BenchmarkDefer"]
    return parts((a > 0, "a single defer allocates %g times per call in Go (%s)" % (a, k)),
                 ("open-coded" not in k, "it is pushed on a list (%s)" % k))


def a002_6(r, f):
    go = r.probe_go["loop-arguments"]
    return parts((go == f["prints"], "arguments are evaluated at the defer statement: "
                  "Go prints %s for processItems(10, 20, 30)" % go))


def a002_7(r, f):
    direct = r.asm_calls("probeOneDefer", "main.cleanup")
    dr9 = r.asm_calls("probeNine", "runtime.deferreturn")
    return parts((dr9 >= 1, "a function with record defers calls deferreturn (%d call(s))" % dr9),
                 (direct == 0, "a 1-defer function runs its defer through deferreturn (it calls "
                  "cleanup directly %d time(s) on return)" % direct),
                 gopanic_runs_defers(r))


def gopanic_runs_defers(r):
    body = src_lines(r, "gopanic")
    walk = any("d := gp._defer" in l for l in body)
    call = [l.split(": ", 1)[0] for l in body if l.rstrip().endswith("d.fn()")]
    return (walk and bool(call), "runtime.gopanic runs the deferred calls on a panic (Go %s's "
            "gopanic walks gp._defer: %s; calls d.fn() at %s)" % (
                go_version(r), "yes" if walk else "no", ", ".join(call) or "nowhere"))


def a002_8(r, f):
    go = r.probe_go["loop-arguments"]
    vals = go.split()
    return parts((len(set(vals)) == 1, "a loop `defer f(i)` sees the final value: Go prints %s "
                  "for the values 10, 20, 30" % go))


def a002_9(r, f):
    go = r.probe_go["lifo"]
    return parts((go == f["prints"], "LIFO: Go prints %s" % go),
                 extra="gort prints %s" % r.probe_gort["lifo"])


def inline_line(r, fn):
    line = next((l for l in r.go_inline if re.search(r"\binline %s\b" % fn, l)), None)
    if line is None:
        raise KeyError_missing("-m=2 line about %s" % fn)
    return line.split(": ", 1)[-1]


def frame_locals(r, fn):
    m = re.search(r"locals=0x([0-9a-f]+)", r.go_asm[fn][0])
    if not m:
        raise KeyError_missing("-S frame size of %s" % fn)
    return int(m.group(1), 16)


def a002_13(r, f):
    d, m = frame_locals(r, "lockDefer"), frame_locals(r, "lockManual")
    ml = inline_line(r, "lockManual")
    return parts((m < d, "manual unlocking shrinks the frame: locals %d B with an explicit "
                  "Unlock, %d B with defer Unlock (-S)" % (m, d)),
                 (ml.startswith("can inline"), "and lets the function inline: %s" % ml),
                 extra="with defer Unlock: %s; article 001's withDefer: %s" % (
                     inline_line(r, "lockDefer"), inline_line(r, "withDefer")))


def a002_14(r, f):
    plain, arg = r.go_allocs["BenchmarkLoopDeferPlain/100"], r.go_allocs["BenchmarkLoopDefer/100"]
    return parts((plain >= 100, "every defer allocates: 100 loop `defer cleanup()` make %g "
                  "allocations" % plain),
                 (arg >= 100, "loop defers with arguments create temporary objects: %g "
                  "allocations for 100" % arg))


def a002_15(r, f):
    vals = r.probe_go["loop-arguments"].split()
    ints = [int(x) for x in vals if x.lstrip("-").isdigit()]
    piled = len(ints) == 3 and ints == sorted(ints, reverse=True) and len(set(ints)) == 3
    return parts((piled, "loop defers run together at function return, last first: Go prints "
                  "%s" % " ".join(vals)), fds_part(r))


def a002_16(r, f):
    def per(v):
        return v.go_loop_per_defer(100) - (v.go("BenchmarkDefer") - v.go("BenchmarkNoDefer"))
    d, tol = per(r), r.spread(per)
    return parts((above(d, tol, 0),
                  "a loop defer costs more than a function-level one: %s vs %s "
                  "(difference ±%.0f%%)" % (ns(r.go_loop_per_defer(100)),
                                           ns(r.go("BenchmarkDefer") - r.go("BenchmarkNoDefer")),
                                           100 * tol)),
                 (r.go_bytes["BenchmarkLoopDefer/100"] > r.go_bytes["BenchmarkDefer"],
                  "more GC pressure in a loop: %g B/op vs %g" % (
                      r.go_bytes["BenchmarkLoopDefer/100"], r.go_bytes["BenchmarkDefer"])))


def a002_19(r, f):
    lifo, rec = r.probe_go["lifo"], r.probe_go["recover-then-rest"]
    return parts((lifo == f["lifo"], "LIFO: Go prints %s" % lifo),
                 ("recovered" in rec, "recover in a deferred closure stops the panic: Go prints "
                  "'%s'" % rec))


def a002_22(r, f):
    lines = r.escape_lines_in("probeClosure")
    e = any("moved to heap" in l or "escapes to heap" in l for l in lines)
    return parts((e, "a defer closure capturing a local makes it escape: go -m -l on probeClosure: "
                  + ("; ".join(lines) or "nothing escapes")))


def a002_26(r, f):
    k = kinds(r, "probeLoop")
    return parts(("stack" in k, "loop defers pile up on the stack (stack overflow): %s" % k))


# --- article 003 (S3: scheduling with defer-heavy goroutines) ------------------------------------
# The S3 programs (bench/s3_latency.cpp, bench/go/s3) measure the wake-up latency (an unbuffered
# channel send; the runnext path) and the yield latency (back of the queue) with 1000 background
# goroutines looping {10 plain calls; yield} ("plain", the article's "no defer") or {a function
# with 10 defers; yield} ("defer", its "high defer density"). The article ran Go 1.22.5 at
# GOMAXPROCS=4 with 10k goroutines; P=2 is the closest setting on these 2-core machines.

def go_no_miss_tail(r, bg):
    """Go 1.19 counts no runnext hits. At P=1 a readied goroutine that is not taken from runnext
    waits behind queued background goroutines; runnext takes it at the next schedule. Evidence
    that Go's wake-ups took runnext: the wake-up p99 stays under a tenth of a yield's wait (a
    full pass through the queue). Returns (holds, p99, p50)."""
    x = r.s3("go", 1, bg)
    return (x["wake_ns"]["p99"] * 10 < x["yield_ns"]["p50"], x["wake_ns"]["p99"],
            x["yield_ns"]["p50"])


def gort_runnext_per_round(r, procs, bg):
    g = r.s3("gort", procs, bg)
    return g["runnext_hits"] / g["rounds"]


def s3_ratio_part(r, label, theirs, kind, q, num, den):
    """Their ratio of two S3 figures against Go's here (num, den: (procs, background))."""
    a, b = r.s3("go", *num)[kind][q], r.s3("go", *den)[kind][q]
    tol = r.s3_spread(lambda x, y: x[kind][q] / y[kind][q],
                      [("go",) + tuple(num), ("go",) + tuple(den)])
    ours = a / b
    return decided(agree(ours, tol, theirs), tol), "%s: theirs %.2fx, Go here %.2fx (±%.0f%%)" % (
        label, theirs, ours, 100 * tol)


# The article's scenario: goroutines calling Gosched in a loop, with or without defers. In S3
# that is the *yield* latency (the time a goroutine that called Gosched waits to run again, behind
# background goroutines looping {calls; Gosched}); the wake-up (runnext) figures stand beside.

def a003_2(r, f):
    return parts(_p95_over_p50(r, f),
                 (HARDWARE, "%s µs at GOMAXPROCS=4 with 10k goroutines" % f["p50 µs"]),
                 extra="Go P=2, Gosched round trip: p50 %s, p95 %s, mean %s; wake-up (runnext) "
                 "p50 %s; gort P=2 yield: %s, %s" % (
                     us(r.s3("go", 2, "plain")["yield_ns"]["p50"]),
                     us(r.s3("go", 2, "plain")["yield_ns"]["p95"]),
                     us(r.s3("go", 2, "plain")["yield_ns"]["mean"]),
                     us(r.s3("go", 2, "plain")["wake_ns"]["p50"]),
                     us(r.s3("gort", 2, "plain")["yield_ns"]["p50"]),
                     us(r.s3("gort", 2, "plain")["yield_ns"]["p95"])))


def _p95_over_p50(r, f):
    x = r.s3("go", 2, "plain")["yield_ns"]
    ours = x["p95"] / x["p50"]
    tol = r.s3_spread(lambda a: a["yield_ns"]["p95"] / a["yield_ns"]["p50"],
                      [("go", 2, "plain")])
    return decided(agree(ours, tol, f["p95 µs"] / f["p50 µs"]), tol), (
        "p95 over p50 of the Gosched round trip (goroutines calling Gosched, no defers): "
        "theirs %.2fx, Go here %.2fx (±%.0f%%)" % (f["p95 µs"] / f["p50 µs"], ours, 100 * tol))


def a003_3(r, f):
    return parts(s3_ratio_part(r, "Gosched round trip p50 with 10-defer goroutines over plain",
                               f["p50 µs"] / f["base p50 µs"], "yield_ns", "p50", (2, "defer"),
                               (2, "plain")),
                 s3_ratio_part(r, "p95", f["p95 µs"] / f["base p95 µs"], "yield_ns", "p95",
                               (2, "defer"), (2, "plain")),
                 extra="Go's wake-up (runnext) p50 with defers over without: %.2fx; gort P=2 "
                 "yield: %.2fx / %.2fx" % (
                     r.s3("go", 2, "defer")["wake_ns"]["p50"] /
                     r.s3("go", 2, "plain")["wake_ns"]["p50"],
                     r.s3("gort", 2, "defer")["yield_ns"]["p50"] /
                     r.s3("gort", 2, "plain")["yield_ns"]["p50"],
                     r.s3("gort", 2, "defer")["yield_ns"]["p95"] /
                     r.s3("gort", 2, "plain")["yield_ns"]["p95"]))


def a003_4(r, f):
    ok_p, wake_p, _ = go_no_miss_tail(r, "plain")
    ok_d, wake_d, yld = go_no_miss_tail(r, "defer")
    return parts((ok_p and not ok_d, "more runnext misses with defers: Go's wake-up p99 %s with "
                  "defers, %s without, against %s for a pass through the queue" % (
                      us(wake_d), us(wake_p), us(yld))),
                 (WAITS + ": " + RUNNEXT, "+%g%% runnext misses" % f["more misses %"]),
                 extra="gort (beside, not evidence): %.2f / %.2f runnext hits per round with / "
                 "without defers" % (gort_runnext_per_round(r, 1, "defer"),
                                     gort_runnext_per_round(r, 1, "plain")))


def a003_7(r, f):
    return parts(cycles_part(r, "per record defer at exit", f["ns"], lambda v: v.go_per_defer(50),
                             ghz=f["GHz"]),
                 layout_part(r, {"B": f["node B"]}),
                 extra="gort %s" % ns(r.gort_per_defer(50)))


def a003_8(r, f):
    def total(v):
        return f["defers"] * v.go_loop_per_defer(100)
    t = r.trace_runnable
    # One trace, no rounds, and the spells are spread over four orders of magnitude: the typical
    # spell (the median) must last the claimed time; when the median is below it but the upper
    # quartile above, the one trace cannot decide (it did not settle which way between runs).
    p50, q3 = t["spell_p50_ns"], t["spell_q3_ns"]
    bound = f["ms"] * 1e6
    holds = True if p50 >= bound else False if q3 < bound else (
        "the median spell is below %s and the upper quartile above: one trace is too noisy to "
        "decide" % us(bound))
    return parts((holds,
                  "Go, the article's hotDeferHandler (%g defers, then Gosched) traced: the handler "
                  "goroutines' median spell on a P lasts %s (%d of %d over 1 ms; quartiles %s / "
                  "%s / %s)" % (
                      f["defers"], us(p50), t["spells_over_1ms"], t["spells"],
                      us(t["spell_q1_ns"]), us(p50), us(q3))),
                 extra="%g loop defers at the per-defer cost of a 100-defer loop: %s; gort: %s" % (
                     f["defers"], us(total(r)),
                     us(f["defers"] * r.gort_loop_per_defer(100))))


def a003_10(r, f):
    # The article's table keeps only the defer-heavy value (> 3 ms); judged on a trace of its own
    # hotDeferHandler (one trace, no rounds: decided when its mean and median runnable spells
    # agree, as A003-8 does with its spells).
    run = r.trace_runnable
    bound = f["heavy ms"] * 1e6
    mean, p50 = run["mean_ns"], run["p50_ns"]
    ok = (True if mean > bound and p50 > bound else False if mean <= bound and p50 <= bound
          else "the mean and the median runnable spell fall on either side of %g ms: one trace "
          "cannot decide" % f["heavy ms"])
    p, d = r.s3("go", 1, "plain")["yield_ns"], r.s3("go", 1, "defer")["yield_ns"]
    return parts((ok, "goroutines runnable for over %g ms on average: a trace of the article's "
                  "hotDeferHandler (go tool trace -d) has %d runnable spells, mean %s, "
                  "median %s" % (f["heavy ms"], run["count"], us(mean), us(p50))),
                 (PRIVATE, "their service's delays"),
                 extra="Go's yield p50 behind 1000 goroutines, P=1: %s plain, %s with 10 defers "
                 "per turn (S3)" % (us(p["p50"]), us(d["p50"])))


def a003_14(r, f):
    return parts(cycles_part(r, "a loop defer with an allocated argument",
                             f["ns"], lambda v: v.go_loop_arg_per_defer(100)),
                 (GO_VERSION, "Go %s (1.19 here)" % f["Go"]),
                 (GO_VERSION, "+%g%% GC load, a Go %s figure" % (f["GC %"], f["Go"])),
                 extra="Go here under GODEBUG=gctrace=1: %d GCs for loop defers with an "
                 "argument, %d without" % (r.gctrace["looparg"]["num_gc"],
                                           r.gctrace["loopplain"]["num_gc"]))


# --- article 004 --------------------------------------------------------------------------------

def a004_3(r, f):
    local = not any("moved to heap: x" in l for l in r.go_escape)
    big, line = escapes(r, "&struct { data [1024]int }{}")
    loop = any("moved to heap: i" in l for l in r.go_escape)
    return parts((local, "a basic local stays on the stack"),
                 (big, "a big struct pointer: " + line),
                 (loop, "a loop closure's variable: %s" % (
                     "moved to heap" if loop else "stays on the stack")))


def a004_4(r, f):
    k = kinds(r, "probeOneDefer")
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    return parts((n >= 1, "a single defer: %s, %d deferproc call(s)" % (k, n)),
                 (not src_lines(r, "ODEFER lowering"), "the rewrite happens on the AST (Go %s "
                  "lowers ir.ODEFER while building SSA: %s)" % (
                      go_version(r), src_where(r, "ODEFER lowering"))))


def a004_11(r, f):
    vals = r.probe_go["loop-arguments"].split()
    ok = len(vals) == 3 and vals == sorted(vals, key=lambda x: -int(x)) and len(set(vals)) == 3
    return parts((ok, "the loop's defers all run at function return, last first: Go prints %s "
                  "(%s)" % (" ".join(vals), kinds(r, "probeLoop"))), fds_part(r),
                 extra="gort: %s" % r.probe_gort["kind-probeLoop100"])


def a004_16(r, f):
    e, line = escapes(r, "new(int)")
    stops = r.probe_go["defer-recover-builtin-stops-panic"]
    return parts((e, "a capturing deferred closure: " + line),
                 (kinds(r, "deferRecoverBuiltin") == "open-coded", "defer recover() does not "
                  "escape: -d=defer reports the probe's defers (deferRecoverBuiltin) %s, no "
                  "record" % kinds(r, "deferRecoverBuiltin")),
                 extra="`defer recover()` stops a panic: Go %s, gort %s" % (
                     stops, r.probe_gort["defer-recover-builtin-stops-panic"]))


def a004_17(r, f):
    go = r.probe_go["closure-sees-final-value"]
    stays = not any("moved to heap: x" in l for l in r.go_escape)
    return parts((stays, "x stays on the stack"), (go == f["prints"], "the closure sees %s" % go),
                 extra="gort %s" % r.probe_gort["closure-sees-final-value"])


def a004_19(r, f):
    def d(v):
        return v.go("BenchmarkCaptureBig/100") / v.go("BenchmarkCaptureByValue/100")
    ours, tol = d(r), r.spread(d)
    a = r.go_allocs["BenchmarkCaptureBig/100"]
    return parts((above(ours, tol, 1),
                  "a heap-escaping 256-byte capture costs %.2fx an int's (±%.0f%%)" % (
                      ours, 100 * tol)),
                 (a > 0, "and allocates (%g allocs/op)" % a),
                 extra="gort: %s (%g heap defers/op) vs %s" % (
                     ns(r.gort("BM_GortCaptureBig/100")),
                     r.counter("BM_GortCaptureBig/100", "heap_defers/op"),
                     ns(r.gort("BM_GortCaptureByValue/100"))))


def a004_20(r, f):
    k = kinds(r, "probeOneDefer")
    ret = r.probe_go["simple-defer-returns"]
    return parts(("open-coded" in k, "a simple defer is %s" % k),
                 (ret == f["returns"], "returns %s" % ret),
                 extra="gort: %s, returns %s" % (r.probe_gort["kind-probeOneDefer"],
                                                 r.probe_gort["simple-defer-returns"]))


def a004_21(r, f):
    k2, kc = kinds(r, "probeTwoDefers"), kinds(r, "probeConditional")
    return parts(("open-coded" not in k2, "two defers: %s" % k2),
                 ("open-coded" not in kc, "a conditional defer: %s" % kc))


def a004_22(r, f):
    k = kinds(r, "probeLoop")
    return parts(("heap" in k, "Go: %s" % k), extra="%g B/op for 100 with an argument; gort: %s, "
                 "%g allocs/op" % (r.go_bytes["BenchmarkLoopDefer/100"],
                                   r.probe_gort["kind-probeLoop100"],
                                   r.counter("BM_GortLoopDeferPlain/100", "allocs/op")))


def a004_13(r, f):
    if r.go_race is None:
        raise KeyError_missing("probes-go-race.txt (go run -race)")
    races = sum(1 for l in r.go_race if "DATA RACE" in l)
    return parts((races > 0, "go run -race on the probes (the trap included): %d race "
                  "report(s)" % races))


# --- the installed Go source (tools/bench/go_source.py) -----------------------------------------

def src_lines(r, name):
    return r.go_source[name]


def first_src(r, name):
    lines = r.go_source[name]
    return lines[0].split(": ", 1)[-1] if lines else "(not in Go %s's source)" % go_version(r)


def go_version(r):
    return r.machine["go"].split()[2][2:]


def param_count(decl):
    """Parameters of a `func name(params) ...` declaration line."""
    m = re.search(r"func \w+\(([^)]*)\)", decl)
    if not m:
        return -1
    inner = m.group(1).strip()
    return 0 if not inner else len(inner.split(","))


def struct_fields(r, name):
    fields = []
    for line in r.go_source[name][1:]:
        text = line.split(": ", 1)[-1].split("//")[0].strip()
        m = re.match(r"^(\w+)(?:\s*,\s*\w+)*\s+\S", text)
        if m and text != "}":
            fields.extend(w.strip() for w in text.split(None, 1)[0].split(","))
            names = re.match(r"^([\w\s,]+?)\s+[\*\[\]\w.(]", text)
            if names and "," in names.group(1):
                fields[-1:] = [w.strip() for w in names.group(1).split(",")]
    return fields


def params_judge(name, fig="parameters"):
    def judge(r, f):
        decl = first_src(r, name)
        n = param_count(decl)
        return parts((n == f[fig], "Go %s declares `%s`: %d parameter(s)" % (
            go_version(r), decl.rstrip(" {"), n)))
    return judge


def fields_item(r, names):
    have = struct_fields(r, "_defer")
    missing = [x for x in names if x not in have]
    return (not missing, "the fields %s are in Go %s's _defer (%s)%s" % (
        ", ".join(names), go_version(r), ", ".join(have),
        "; missing: " + ", ".join(missing) if missing else ""))


def a000_29(r, f):
    ev = src_lines(r, "trace defer events")
    n = len(src_lines(r, "trace events"))
    return parts((bool(ev), "Go %s's tracer defines defer events: %s (of its %d event types)" % (
        go_version(r), ", ".join(l.split(": ", 1)[-1].split("=")[0].strip() for l in ev) or "none",
        n)), (any("Defer" in k for k in list(r.trace_events) if r.trace_events[k]),
              "a trace of a defer-heavy program (bench/go/traceprobe) records defer events "
              "(its events: %s)" % ", ".join("%s %d" % (k, r.trace_events[k])
                                            for k in sorted(r.trace_events))))


def a000_36(r, f):
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    others = [fn for fn in ("probeTwoDefers", "probeEight")
              if r.asm_calls(fn, "runtime.deferproc") == 0]
    return parts((n > 0, "a 1-defer function calls deferproc/deferprocStack %d time(s)" % n),
                 extra="other functions without such a call: %s" % (", ".join(others) or "none"))


def a001_9(r, f):
    init = src_lines(r, "deferinit")
    decl = first_src(r, "deferreturn")
    return parts((bool(init), "deferinit in Go %s: %s" % (go_version(r), "present" if init else
                                                          "absent")),
                 (param_count(decl) == 1,
                  "deferreturn takes an argument: `%s`" % decl.rstrip(" {")))


def a001_15(r, f):
    adj, smin = src_lines(r, "adjustdefers"), first_src(r, "stack min")
    m = re.search(r"=\s*(\d+)", smin)
    return parts((bool(adj), "stack growth adjusts the defer records (%s)" % (
        adj[0].split(": ", 1)[-1] if adj else "no adjustdefers")),
                 (bool(m) and int(m.group(1)) == f["KB"] * 1024, "the first stack is %s" % smin))


def a002_21(r, f):
    return parts((bool(src_lines(r, "ReadMemStats")) and bool(src_lines(r, "StackInuse")),
                  "runtime.ReadMemStats reports stack use (StackInuse)"),
                 (bool(src_lines(r, "poolCleanup registered")),
                  "sync.Pool registers a cleanup the GC runs each cycle (poolCleanup)"))


def a003_1(r, f):
    body = src_lines(r, "Gosched to global queue")
    glob = any("globrunqput" in l for l in body)
    return parts((not glob, "the article's goroutines call Gosched, which in Go %s puts the "
                  "caller on the %s" % (go_version(r), "global queue (goschedImpl: globrunqput), "
                                        "not runnext" if glob else "local queue")),
                 (GO_VERSION, "a hit rate > %g%% in Go 1.22.5 (Go 1.19 keeps no runnext "
                  "counter to compare with either)" % f["%"]),
                 extra="gort (beside, not Go's evidence): %.2f runnext hits per round of 2 "
                 "wake-ups at P=1" % gort_runnext_per_round(r, 1, "plain"))


def a003_13(r, f):
    in_m = any("deferpool" in l for l in src_lines(r, "m"))
    in_p = any("deferpool" in l for l in src_lines(r, "p"))
    return parts((in_m, "defer records are pooled per M (m.deferpool) in Go %s: %s" % (
        go_version(r), "yes" if in_m else "no, per P (p.deferpool)" if in_p else "no")),
                 (HARDWARE, "P99 %s ns on a 64-core ARM server" % f["ns"]))


def a003_17(r, f):
    k9 = kinds(r, "probeNine")
    return parts(("heap" in k9, "deferproc's records are heap-allocated, never on the stack: 9 "
                  "defers are %s (deferprocStack)" % k9))


def a003_18(r, f):
    body = " ".join(src_lines(r, "newdefer"))
    hits = [w for w in ("pcache", "mcache") if w in body]
    return parts((bool(hits), "newdefer takes records from g.pcache or mcache (Go %s's newdefer "
                  "uses: %s)" % (go_version(r), "p.deferpool and sched.deferpool" if
                                 "deferpool" in body else "neither")))


def a003_19(r, f):
    body = " ".join(src_lines(r, "newdefer"))
    return parts(("globrunqput" in body or "gopark" in body,
                  "registering a defer can park the goroutine and put it on the global queue "
                  "(Go %s's newdefer: %s)" % (go_version(r), "it can" if "globrunqput" in body
                                              or "gopark" in body else
                                              "no scheduling call in it")))


def a003_22(r, f):
    return parts((bool(src_lines(r, "deferinline pass")),
                  "an SSA pass named deferinline (Go %s's pass list: %s)" % (
                      go_version(r), "present" if src_lines(r, "deferinline pass") else "absent")),
                 (bool(src_lines(r, "defertrace GODEBUG")) or GO_VERSION,
                  "GODEBUG=defertrace (Go 1.21+ per the article)"),
                 (bool(src_lines(r, "deferstack GOEXPERIMENT")) or GO_VERSION,
                  "GOEXPERIMENT=deferstack"))


# --- Go runtime probes (bench/go/rtprobes), GC counts (bench/go/gctrace), article 002's pairs ----

def defer_layout(r):
    size = int(r.probe_rt["defer-size"])
    offs = {k[len("defer-offset-"):]: int(r.probe_rt[k]) for k in list(r.probe_rt)
            if k.startswith("defer-offset-")}
    return size, offs


def layout_part(r, f):
    """The size part of a _defer claim, on the copy of Go's struct (bench/go/rtprobes)."""
    size, _ = defer_layout(r)
    return (size == f["B"], "a _defer is %d B (unsafe.Sizeof of a field-for-field copy of Go "
            "%s's runtime._defer)" % (size, go_version(r)))


def fields_layout_judge(fig="fields"):
    def judge(r, f):
        items = [fields_item(r, f[fig]), layout_part(r, f)]
        _, offs = defer_layout(r)
        for field, want in f.get("offsets", {}).items():
            items.append((offs.get(field) == want, "%s at offset %s (claimed %d)" % (
                field, offs.get(field, "- (no such field)"), want)))
        return parts(*items)
    return judge


def a000_13(r, f):
    _, offs = defer_layout(r)
    return parts((offs.get("link") == f["offset"], "link is at offset %s in the copy of Go %s's "
                  "_defer" % (offs.get("link", "-"), go_version(r))))


def gc_part(r, label, mode, base_mode, ratio):
    """Their GC-count ratio against ours (integer counts: ours is good to +-1 GC)."""
    g, b = r.gctrace[mode]["num_gc"], r.gctrace[base_mode]["num_gc"]
    ok = b > 0 and (g - 1) / (b + 1) <= ratio <= (g + 1) / max(b - 1, 0.5)
    return ok, "%s: theirs %gx, Go here %d GCs with, %d without (GODEBUG=gctrace=1)" % (
        label, ratio, g, b)


def a000_6b(r, f):
    k1 = kinds(r, "probeOneDefer")
    return parts(gc_part(r, "GC frequency with loop defers", "looparg", "nodefer", f["GC x"]),
                 ("heap" in k1, "_defer on the heap by default: one defer is %s" % k1),
                 extra="loop `defer cleanup()`: %d GCs" % r.gctrace["loopplain"]["num_gc"])


def a000_23b(r, f):
    c, n = r.gctrace["closure"], r.gctrace["nodefer"]
    return parts((c["total_alloc"] > n["total_alloc"],
                  "a capturing defer allocates more: %d B over %d calls, %d B without" % (
                      c["total_alloc"], c["calls"], n["total_alloc"])),
                 gc_part(r, "GCs with / without", "closure", "nodefer",
                         f["GCs with"] / f["GCs without"]))


def a000_26(r, f):
    lines = r.gctrace["looparg"]["gc_lines"]
    field = any("defer:" in l for l in lines)
    # The article calls the field new in Go 1.22: its absence here agrees, its presence in
    # Go 1.19 would refute "new"; whether 1.22 has it needs Go 1.22.
    return parts((not field, "the field is new in Go %s: Go %s's gctrace lines %s it (%s)" % (
        f["Go"], go_version(r), "have" if field else "lack",
        lines[0] if lines else "(no GC in the run)")),
                 (GO_VERSION, "Go %s+ writes defer:<ns> at the end of a stw: line" % f["Go"]))


def a002_10(r, f):
    return parts(ratio_part(r, "defer Unlock over explicit Unlock", 1 + f["%"] / 100.0,
                            lambda v: v.go("BenchmarkLockDefer") / v.go("BenchmarkLockManual")),
                 extra="Go %s vs %s" % (ns(r.go("BenchmarkLockDefer")),
                                        ns(r.go("BenchmarkLockManual"))))


def a002_contended(r, f):
    return parts(*[ratio_part(r, "%d goroutines, defer over explicit" % g, d / m,
                              lambda v, g=g: v.go("BenchmarkLockContendedDefer/G%d" % g)
                              / v.go("BenchmarkLockContendedManual/G%d" % g))
                   for g, d, m in ((1000, f["G1000 ns"][0], f["G1000 ns"][1]),
                                   (5000, f["G5000 ns"][0], f["G5000 ns"][1]))],
                 extra="Go: %s / %s at 1000, %s / %s at 5000" % tuple(
                     ns(r.go("BenchmarkLockContended%s/G%d" % (k, g)))
                     for g in (1000, 5000) for k in ("Defer", "Manual")))


# S2 (tools/bench/s2.sh): article 002's handler shapes under wrk, Go's net/http judged on Go's
# runs; gort's beside them. The article's load is "100k req/s" through a load balancer: the
# closest configuration here is the servers at P=2 under 100 connections.
S2_MAIN = (2, 100)


def s2_ratio(r, server, figure, handler, base, procs, conns):
    """(ours, tol): server's figure with handler over with base, and its spread over rounds."""
    cfgs = [(server, handler, procs, conns), (server, base, procs, conns)]
    ours = r.s2(*cfgs[0])[figure] / r.s2(*cfgs[1])[figure]
    return ours, r.s2_spread(lambda a, b: a[figure] / b[figure], cfgs)


def s2_errors(r, server, handler):
    """Socket errors, timeouts and non-2xx responses of server/handler over all four configs."""
    return sum(r.s2(server, handler, p, c)["errors"] + r.s2(server, handler, p, c)["non2xx"]
               for p in (1, 2) for c in (100, 1000))


def a002_1(r, f):
    ours, tol = s2_ratio(r, "go", "p99_ms", "deferrecover", "nodefer", *S2_MAIN)
    g_ours, g_tol = s2_ratio(r, "gort", "p99_ms", "deferrecover", "nodefer", *S2_MAIN)
    c1000, _ = s2_ratio(r, "go", "p99_ms", "deferrecover", "nodefer", 2, 1000)
    theirs = 1 + f["P99 %"] / 100.0
    errs, base_errs = s2_errors(r, "go", "deferrecover"), s2_errors(r, "go", "nodefer")
    return parts(
        (decided(agree(ours, tol, theirs), tol),
         "P99 with a deferred recovering closure over without, Go net/http at P=2, 100 "
         "connections: theirs %.2fx, ours %.2fx (±%.0f%% over the rounds; %.2fx at 1,000 "
         "connections)" % (theirs, ours, 100 * tol, c1000)),
        (errs > base_errs, "errors (their 502s): %d socket errors, timeouts and non-2xx "
         "responses with the defer, %d without, over P=1/2 and 100/1,000 connections" % (
             errs, base_errs)),
        extra="the article's deferred closure also calls runtime.GC() on every request (the GC, "
        "not the defer, would be its cost); the shapes here do not, gort having no collector. "
        "gort: %.2fx (±%.0f%%)" % (g_ours, 100 * g_tol))


def a002_2(r, f):
    d, m, _pool = f["µs"]
    ours, tol = s2_ratio(r, "go", "mean_ms", "deferrecover", "nodefer", *S2_MAIN)
    go_d, go_m = (r.s2("go", h, *S2_MAIN)["mean_ms"] for h in ("deferrecover", "nodefer"))
    return parts(
        (decided(agree(ours, tol, d / m), tol),
         "mean latency with defer over manual cleanup, Go net/http at P=2, 100 connections: "
         "theirs %d/%d µs = %.2fx, ours %.0f/%.0f µs = %.2fx (±%.0f%% over the rounds)" % (
             d, m, d / m, go_d * 1e3, go_m * 1e3, ours, 100 * tol)),
        (WAITS, "the object-pool handler (%d µs): no pooled variant runs here" % _pool),
        (WAITS, "GC counts per second under load (%s): %s" % ("/".join(map(str, f["GC/s"])),
                                                            GCTRACE)))


def a002_5_context(r):
    go_ = r.s2("go", "nodefer", *S2_MAIN)["rps"] / r.s2("go", "multidefer", *S2_MAIN)["rps"]
    gort = r.s2("gort", "nodefer", *S2_MAIN)["rps"] / r.s2("gort", "multidefer", *S2_MAIN)["rps"]
    return ("req/s without defers over with three defers per request (S2, P=2, 100 "
            "connections): Go net/http %.2fx, gort %.2fx" % (go_, gort))


def a002_11(r, f):
    bd, bm = r.go_bytes["BenchmarkConnCloseDefer"], r.go_bytes["BenchmarkConnCloseManual"]
    return parts(ratio_part(r, "deferred over explicit Close", f["ns"][0] / f["ns"][1],
                            lambda v: v.go("BenchmarkConnCloseDefer") / v.go(
                                "BenchmarkConnCloseManual")),
                 (bd - bm == f["B"][0] - f["B"][1],
                  "the deferred Close allocates %g B more (theirs %d): %g vs %g B/op" % (
                      bd - bm, f["B"][0] - f["B"][1], bd, bm)),
                 extra="net.Pipe pair; Go %s vs %s" % (ns(r.go("BenchmarkConnCloseDefer")),
                                                      ns(r.go("BenchmarkConnCloseManual"))))


def a002_20b(r, f):
    got, werr = r.probe_rt["deferred-close-reader-got"], r.probe_rt["write-on-closed-conn"]
    return parts((got != "response", "the deferred Close runs before the later write (the peer "
                  "read %r: the write came first)" % got),
                 (werr.startswith("panic"), "a write on a closed connection panics (Go: %s)" %
                  werr))



def pprof_cum(r, fn):
    return r.pprof[fn]["cum%"] if fn in r.pprof else 0.0


def a002_4(r, f):
    dp, dr = pprof_cum(r, "runtime.deferproc"), pprof_cum(r, "runtime.deferreturn")
    nd, fd = pprof_cum(r, "runtime.newdefer"), pprof_cum(r, "runtime.freedefer")
    return parts((dp + dr > 0, "go test -cpuprofile + go tool pprof -top attribute time to the "
                  "defer machinery (BenchmarkLoopDeferPlain/100): deferproc %.1f%% cum, "
                  "deferreturn %.1f%%, newdefer %.1f%%, freedefer %.1f%%" % (dp, dr, nd, fd)))


def a001_22(r, f):
    order = r.probe_cgo["cgo-defer-order"]
    ran = "callback-defer" in order and "caller-defer" in order
    return parts((not ran, "deferred calls around a cgo call and in a Go callback from C may not "
                  "run (Go ran, in order: %s)" % order))


def a003_23(r, f):
    dp = pprof_cum(r, "runtime.deferproc")
    run, views = r.trace_runnable, r.trace_views
    net = views["net"]
    sched = views["sched"]
    return parts((run["over_2ms"] > 0, "a trace of the article's hotDeferHandler (8 goroutines "
                  "on 2 Ps; go tool trace -d) shows goroutines runnable over 2 ms: %d of %d "
                  "runnable spells (mean %s, max %s)" % (
                      run["over_2ms"], run["count"], us(run["mean_ns"]), us(run["max_ns"]))),
                 (net["cum%"].get("runtime.deferproc", 0.0) > f["%"],
                  "the network blocking profile (go tool trace -pprof=net) puts deferproc on "
                  "%.1f%% of %s of blocking" % (net["cum%"].get("runtime.deferproc", 0.0),
                                               us(net["total_ns"]))),
                 (dp > f["%"], "deferproc's share of the CPU samples of a loop-defer benchmark: "
                  "%.1f%% (pprof)" % dp),
                 extra="the scheduler latency profile (-pprof=sched) has deferproc on the stacks "
                 "of %.1f%% of %s of runnable delay (sync %.1f%%, syscall %.1f%%)" % (
                     sched["cum%"].get("runtime.deferproc", 0.0), us(sched["total_ns"]),
                     views["sync"]["cum%"].get("runtime.deferproc", 0.0),
                     views["syscall"]["cum%"].get("runtime.deferproc", 0.0)))


def a003_20(r, f):
    h, c = r.go_asmhdr, r.probe_rt
    # The article gives the layout of Go 1.22+. Go's g says the offset of its first field, stack,
    # is fixed (known to runtime/cgo): that decides g.stack (and that offset 0 is not g.sched)
    # for any version; the other offsets of Go 1.19 confirm a claim that matches them, and
    # otherwise leave it to Go 1.22.
    fixed = [l.split(": ", 1)[-1] for l in r.go_source["g"]
             if re.search(r"\bstack\s+stack\b.*offset known", l)]

    def item(field, key, also=None):
        if h[key] == f[field]:
            return True, "g.%s at offset %d (go_asm.h of the installed runtime)" % (field, h[key])
        if fixed and (key == "g_stack" or also):
            return False, "g.%s at offset %d (Go %s: %d%s)" % (
                field, f[field], go_version(r), h[key], also or ", fixed")
        return GO_VERSION, "g.%s at offset %d in Go %s (Go %s: %d)" % (
            field, f[field], f["Go"], go_version(r), h[key])

    return parts(item("sched", "g_sched", ", and offset %d is g.stack's, fixed" % h["g_stack"]
                      if f["sched"] == h["g_stack"] else None),
                 item("_defer", "g__defer"),
                 item("stack", "g_stack"),
                 extra="g's first field: `%s`; a field-for-field copy of g's first fields "
                 "(bench/go/rtprobes) gives _defer %s, stack %s; g is %d bytes" % (
                     fixed[0] if fixed else "no fixed offset stated", c["g-offset-_defer"],
                     c["g-offset-stack"], h["g__size"]))


def a003_24(r, f):
    sp = r.probe_spin
    kept = sp["exit-status"] != "0"
    off = sp["asyncpreemptoff exit-status"]
    return parts((kept, "a goroutine spinning without calls or blocking on GOMAXPROCS=1 keeps "
                  "the P from main's 1 ms sleep: %s" % (
                      "the probe hung" if kept else "main resumed after %s ms (Go preempted "
                      "the spinner)" % sp.get("spin-main-resumed-ms", "?"))),
                 extra="with GODEBUG=asyncpreemptoff=1 the probe %s" % (
                     "hung (killed by the timeout: asynchronous preemption, Go 1.14+, is what "
                     "takes the P back)" if off == "124" else "exited with status %s" % off))


def a000_35(r, f):
    p = r.probe_perf
    if "unavailable" in p:
        return parts(("perf unavailable here: %s" % p["unavailable"], "what dwarf,8192 sets"))
    dump = p.get("sample_stack_user") == "8192"
    depth = p.get("sample_max_stack") == "8192"
    sizes = p["ustack sizes"]
    seen = "perf evlist -v: sample_stack_user %s, sample_max_stack %s; the samples' user-stack " \
        "dumps: %d-%d bytes (%d samples); for 70000 perf says: %s" % (
            p.get("sample_stack_user", "unset"), p.get("sample_max_stack", "unset"),
            min(sizes) if sizes else 0, max(sizes) if sizes else 0, len(sizes),
            p.get("over the maximum", "-"))
    if depth:
        return parts((True, "8192 sets the call-chain depth limit (%s)" % seen))
    if dump:
        return parts((False, "8192 is a depth limit: it is the size in bytes of the user stack "
                      "copied per sample (%s)" % seen))
    return parts(("perf set neither attribute to 8192", "what 8192 is (%s)" % seen))


def asm_op(line):
    parts_ = line.split("\t")
    return " ".join(parts_[2:]).strip() if len(parts_) > 2 else ""


def deferproc_sites(r):
    """For every CALL runtime.deferproc in the probes' -S listings: (function, the instructions
    from the previous branch or call up to it, the instruction after it)."""
    sites = []
    for fn in sorted(r.go_asm):
        ops = [asm_op(l) for l in r.go_asm[fn][1:]]
        ops = [o for o in ops if o and not o.startswith(("PCDATA", "FUNCDATA", "NOP"))]
        for k, o in enumerate(ops):
            if o.startswith("CALL") and "runtime.deferproc(SB)" in o:
                j = k - 1
                while j >= 0 and not ops[j].startswith(("CALL", "J")):
                    j -= 1
                sites.append((fn, ops[j + 1:k], ops[k + 1] if k + 1 < len(ops) else ""))
    if not sites:
        raise KeyError_missing("a CALL runtime.deferproc in the probes' -S listings")
    return sites


def a000_18(r, f):
    sites = deferproc_sites(r)
    imm = [(fn, o) for fn, setup, _ in sites for o in setup if "$%d" % f["$"] in o]
    fn, setup, _ = sites[0]
    return parts((bool(imm), "an immediate $%d is passed to deferproc (the instructions before "
                  "it in %s: %s)" % (f["$"], fn, "; ".join(setup) or "none")))


def a004_9b(r, f):
    sites = deferproc_sites(r)
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    test = all(after.startswith("TESTL") and "AX, AX" in after for _, _, after in sites)
    imm = [o for _, setup, _ in sites for o in setup if "$%d" % f["$"] in o]
    return parts((n >= 1, "a 1-defer function calls deferproc (%d call(s), %s)" % (
        n, kinds(r, "probeOneDefer"))),
                 (test, "TESTL AX, AX follows every deferproc call (%d site(s))" % len(sites)),
                 (bool(imm), "a length $%d is passed to it" % f["$"]))



def stw_ratio_part(r, label, k, theirs):
    """Their STW ratio (with k pending defers per goroutine over none) against Go's here: the
    per-cycle ratio of the pauses, its median and its spread over the GC cycles (half the
    interquartile range over the median: the window holds the middle half of the cycles, and one
    cycle's outlier does not set the tolerance)."""
    import statistics
    with_k, without = r.stw["k%d" % k], r.stw["k0"]
    ratios = sorted(a / b for a, b in zip(with_k, without) if b)
    if len(ratios) < 4:
        raise KeyError_missing("STW cycles for k=%d" % k)
    mid = statistics.median(ratios)
    q = statistics.quantiles(ratios, n=4)
    tol = (q[2] - q[0]) / 2 / mid
    return (decided(agree(mid, tol, theirs), tol),
            "%s: theirs %.2fx, Go here %.2fx (±%.0f%% over %d GC cycles; median pause %.1f µs "
            "with %d defers, %.1f µs without)" % (
                label, theirs, mid, 100 * tol, len(ratios), statistics.median(with_k) / 1e3, k,
                statistics.median(without) / 1e3))


def a000_27(r, f):
    share = f["defer µs"] / f["STW µs"]
    return parts(stw_ratio_part(r, "STW with 10 defers per goroutine over none", 10,
                                1 / (1 - share)),
                 (HARDWARE, "%g µs of STW" % f["STW µs"]))


def a000_28(r, f):
    return parts(stw_ratio_part(r, "10,000 goroutines, 3 pending defers each", 3,
                                1 / (1 - f["3 defers %"] / 100.0)),
                 stw_ratio_part(r, "10 pending defers each", 10,
                                1 / (1 - f["10 defers %"] / 100.0)))



def a001_6(r, f):
    body = " ".join(src_lines(r, "deferreturn body"))
    pan = " ".join(src_lines(r, "gopanic"))
    return parts(("_panic" in body, "deferreturn looks at the panic list (Go %s's deferreturn: "
                  "%s)" % (go_version(r), "it does" if "_panic" in body else
                           "it walks g._defer only")),
                 extra="in a panic, gopanic walks g._defer itself: %s" % (
                     "yes" if "_defer" in pan else "no"))


def a003_21(r, f):
    body = " ".join(src_lines(r, "adjustdefers body"))
    adjusted = [x for x in ("d.fn", "d.sp", "d.link", "d.varp") if "&%s)" % x in body]
    return parts((len(adjusted) < 4, "a moved stack leaves defer records pointing at the old one "
                  "(Go %s's adjustdefers adjusts %s when the stack is copied)" % (
                      go_version(r), ", ".join(adjusted) or "nothing")))


def struct_types(r, name):
    """{field: type} of a struct in the installed Go source (one field per line)."""
    out = {}
    for line in r.go_source[name][1:]:
        text = line.split(": ", 1)[-1].split("//")[0].strip()
        m = re.match(r"^(\w+)\s+(\S.*)$", text)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def src_where(r, name):
    lines = src_lines(r, name)
    return lines[0].rsplit(": ", 1)[0] if lines else "nowhere in Go %s" % go_version(r)


def a001_23(r, f):
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    return parts((bool(src_lines(r, "ODEFER in the parser")), "the parser makes an ir.ODEFER "
                  "node per defer statement (%s)" % src_where(r, "ODEFER in the parser")),
                 (bool(src_lines(r, "ODEFER lowering")), "SSA construction lowers ODEFER (%s)" %
                  src_where(r, "ODEFER lowering")),
                 (n >= 1, "into a deferproc call: a 1-defer function is %s, %d deferproc call(s)"
                  % (kinds(r, "probeOneDefer"), n)))


def a001_24(r, f):
    t = struct_types(r, "_defer")
    return parts(*[(t.get(k) == v, "%s is %s (Go %s: %s)" % (k, v, go_version(r),
                                                          t.get(k, "no such field")))
                   for k, v in f["types"].items()])


def a001_25(r, f):
    t = struct_types(r, "_defer")
    missing = [k for k in f["types"] if k not in t]
    wrong = [k for k, v in f["types"].items() if k in t and t[k] != v]
    return parts((src_where(r, "_defer").startswith(f["file"]), "_defer is declared in %s (Go "
                  "%s: %s)" % (f["file"], go_version(r), src_where(r, "_defer"))),
                 (not missing and not wrong, "its fields are %s (Go's: %s; missing: %s; other "
                  "types: %s)" % (", ".join(f["types"]), ", ".join(
                      "%s %s" % kv for kv in t.items()), ", ".join(missing) or "none",
                      ", ".join("%s is %s" % (k, t[k]) for k in wrong) or "none")))


def a001_26(r, f):
    return parts((bool(src_lines(r, "DeferStack field")), "the compiler consults a DeferStack "
                  "field (cmd/compile of Go %s: %s)" % (go_version(r), src_where(
                      r, "DeferStack field"))),
                 extra="why withDefer is not inlined: %s" % inline_reason(r, "withDefer"))


def inline_reason(r, fn):
    lines = [l for l in r.go_inline if "cannot inline %s" % fn in l]
    return lines[0].split(": ", 2)[-1] if lines else "(no -m=2 line)"


def a001_27(r, f):
    lines = [l for fn in sorted(r.go_asm) for l in r.go_asm[fn] if "runtime.deferreturn" in l]
    direct = sum(1 for l in lines if "CALL\truntime.deferreturn(SB)" in l)
    lea = sum(1 for l in lines if "LEAQ" in l)
    return parts((lea > 0 and direct == 0, "deferreturn is reached through LEAQ "
                  "runtime.deferreturn(SB), AX; CALL AX (the probes' -S listings: %d direct CALL "
                  "runtime.deferreturn(SB), %d LEAQ of it)" % (direct, lea)))


def a001_28(r, f):
    t = struct_types(r, "_panic")
    have = [k for k in f["fields"] if k in t]
    return parts(("defers" in t, "_panic has a defers field (Go %s's _panic: %s)" % (
        go_version(r), ", ".join(t))),
                 (set(have) >= set(f["fields"]) - {"defers"}, "arg, recovered and aborted are "
                  "_panic fields"))


def a001_29(r, f):
    body = src_lines(r, "deferproc body")
    checks = [l.split(": ", 1)[-1] for l in body if "gp._panic" in l]
    return parts((bool(checks), "deferproc gives up when g._panic != nil (Go %s's deferproc: %s)"
                  % (go_version(r), "; ".join(checks) or "no g._panic check; it throws if the "
                     "new record's own _panic is set")))


def a001_30(r, f):
    body = src_lines(r, "gopanic")
    walk = any("gp._defer" in l for l in body)
    return parts((bool(src_lines(r, "deferproc1")), "gopanic runs the deferred calls through "
                  "deferproc1 (%s)" % src_where(r, "deferproc1")),
                 (not walk, "it walks the _panic list for them (Go %s's gopanic walks %s)" % (
                     go_version(r), "gp._defer" if walk else "no defer list")),
                 extra=gopanic_runs_defers(r)[1])


def a001_31(r, f):
    return parts(*[(bool(src_lines(r, q)), "%s (%s)" % (label, src_where(r, q))) for q, label in (
        ("newstack", "runtime.newstack grows the stack"),
        ("morestack_noctxt", "runtime.morestack_noctxt calls it"),
        ("stackcopy", "runtime.stackcopy copies it"),
        ("adjustdefers", "the defer chain is adjusted when the stack is copied"))],
                 extra="the copy is runtime.copystack (%s)" % src_where(r, "copystack"))


def a001_32(r, f):
    body = src_lines(r, "deferreturn body")
    loops = any(l.split(": ", 1)[-1].strip().startswith("for ") for l in body)
    sites = r.asm_calls("probeLoop", "runtime.deferreturn")
    return parts((not loops, "deferreturn is called once per deferred call (Go %s's deferreturn "
                  "%s; probeLoop has %d deferreturn call site(s))" % (
                      go_version(r), "loops over the frame's records itself" if loops else
                      "runs one record per call", sites)))


def a001_33(r, f):
    lines = r.gctrace["looparg"]["gc_lines"]
    gen = [l for l in lines if re.search(r"\b(minor|young|nursery)\b", l)]
    return parts((bool(gen), "Go's GC has a young generation and minor collections (the %d "
                  "gctrace lines of a loop-defer run: %d minor ones; a line: %s)" % (
                      len(lines), len(gen), lines[0] if lines else "none")))


def fds_part(r):
    c = r.probe_rt
    n, before = int(c["loop-close-files"]), int(c["loop-close-open-before-return"])
    after = int(c["loop-close-open-after-return"])
    return (before >= n and after <= 0, "file descriptors stay open until the return: after a "
            "loop of %d os.Open + defer f.Close(), %d more descriptors are open before the "
            "return, %d after it (/proc/self/fd)" % (n, before, after))


def a004_24(r, f):
    return parts(fields_item(r, f["fields"]))


def a004_25(r, f):
    t = struct_types(r, "g")
    return parts(("_defer" not in t, "each stack frame has its own _defer chain (Go %s keeps one "
                  "chain per goroutine: g._defer %s)" % (go_version(r), t.get("_defer", "absent"))))


def a004_27(r, f):
    sites = deferproc_sites(r)
    stores = [o for _, setup, _ in sites for o in setup if re.search(r",\s*(0|8)?\(SP\)$", o)]
    regs = ["%s: %s" % (fn, [o for o in setup if o.endswith(", AX")][-1]) for fn, setup, _ in sites
            if any(o.endswith(", AX") for o in setup)]
    return parts((bool(stores), "deferproc's arguments are stored at 0(SP) and 8(SP) (%d stores "
                  "there before its %d call sites; the func value is loaded into a register "
                  "instead where the listing shows it: %s)" % (
                      len(stores), len(sites), "; ".join(regs) or "-")),
                 extra="Go %s's deferproc takes one argument, fn func() (%s)" % (
                     go_version(r), first_src(r, "deferproc")))


def a004_28(r, f):
    k = kinds(r, "probeMultiReturn")
    return parts(("open-coded" not in k, "a defer in a function with two return paths keeps its "
                  "cost (-d=defer: %s)" % k))


def a004_29(r, f):
    k, loop = kinds(r, "probeLoopWrapped"), kinds(r, "probeLoop")
    return parts(("heap" not in k and k != "none reported", "a loop defer wrapped in a function "
                  "literal per iteration is not heap-allocated (-d=defer: %s; unwrapped: %s)" % (
                      k, loop)))


def a003_25(r, f):
    return parts((not src_lines(r, "netpoll parks"), "a G blocked in net.Conn.Read takes its M "
                  "off the P (Go %s parks the G in the netpoller, the M and P run on: %s)" % (
                      go_version(r), src_where(r, "netpoll parks"))))


def a003_26(r, f):
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    return parts((bool(src_lines(r, "ODEFER lowering")), "defer statements are lowered while "
                  "SSA is generated (%s)" % src_where(r, "ODEFER lowering")),
                 (n >= 1, "every defer becomes a runtime.deferproc call: a 1-defer function is "
                  "%s, %d deferproc call(s)" % (kinds(r, "probeOneDefer"), n)))


def a003_27(r, f):
    body = [l.split(": ", 1)[-1].strip() for l in src_lines(r, "deferproc body")]
    linked = "d.link = gp._defer" in body and "gp._defer = d" in body
    return parts((linked, "deferproc pushes the record on g._defer (d.link = gp._defer; "
                  "gp._defer = d in Go %s's deferproc: %s)" % (go_version(r),
                                                              "yes" if linked else "no")))


def a003_28(r, f):
    return parts((bool(src_lines(r, "deferpoolgc")), "a full deferpool triggers "
                  "runtime.deferpoolgc() (%s)" % src_where(r, "deferpoolgc")),
                 extra="Go's deferproc: %s" % first_src(r, "deferproc"))


def a003_29(r, f):
    body = src_lines(r, "runqget body")
    steals = any("runqsteal(" in l for l in body)
    atomic_load = any("runnext" in l and "atomic.Loaduintptr" in l for l in body)
    names = [(q, src_where(r, q)) for q in ("schedule", "findrunnable", "runqsteal")]
    return parts((all(src_lines(r, q) for q, _ in names), "schedule, findrunnable and runqsteal "
                  "exist (%s)" % "; ".join("%s" % w for _, w in names)),
                 (steals, "runqget leads to runqsteal (Go %s's runqget calls it: %s)" % (
                     go_version(r), "yes" if steals else "no")),
                 (atomic_load, "runqget reads p.runnext with atomic.Loaduintptr (Go's: %s)" % (
                     "; ".join(l.split(": ", 1)[-1] for l in body if "runnext" in l and
                               "//" not in l.split(": ", 1)[-1][:3]) or "no runnext read")))


def a003_30(r, f):
    lines = r.gctrace["looparg"]["gc_lines"]
    gen = [l for l in lines if re.search(r"\b(minor|young|nursery)\b", l)]
    drain = first_src(r, "gcDrain")
    return parts((bool(gen), "Go's GC is generational (old and young objects): %d of the %d "
                  "gctrace lines of a loop-defer run are minor collections" % (
                      len(gen), len(lines))),
                 ("wb *workbuf" in drain, "gcDrain(wb *workbuf) pops the mark work (Go %s: %s)" % (
                     go_version(r), drain)),
                 extra="the names it cites: gcmarknewobject %s, throw(\"workbuf is not empty\") %s "
                 "(present names alone do not make the mechanism)" % (
                     src_where(r, "gcmarknewobject"), src_where(r, "workbuf is not empty")))


def a003_31(r, f):
    sig = first_src(r, "deferproc")
    params, ret = signature(sig)
    return parts((len(params) == f["parameters"], "deferproc takes %d parameters (a size and a "
                  "pointer; Go %s: %s)" % (f["parameters"], go_version(r), sig)),
                 (ret == f["returns"], "it returns an int saying whether the record was queued "
                  "(Go's returns %s)" % (ret or "nothing")))


def signature(decl):
    """`func f(a, b T) R {` -> (the parameters, as written, split at top-level commas; R)."""
    start = decl.find("(")
    if start < 0:
        return [], ""
    depth, cur, params = 0, "", []
    for i in range(start, len(decl)):
        ch = decl[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            break
        if ch == "," and depth == 1:
            params.append(cur)
            cur = ""
        elif i > start:
            cur += ch
    params = [x.strip() for x in params + [cur] if x.strip()]
    return params, decl[i + 1:].split("{")[0].strip()


def a003_32(r, f):
    t = struct_types(r, "p")
    return parts((bool(src_lines(r, "deferCleanup")), "the patch edits runtime/proc.go's "
                  "deferCleanup (%s)" % src_where(r, "deferCleanup")),
                 ("runqhead" in t and "runqtail" in t, "p's run queue has runqhead and runqtail "
                  "(Go %s: %s, %s)" % (go_version(r), t.get("runqhead", "-"),
                                       t.get("runqtail", "-"))),
                 extra="deferPriority / runqputpriority / runqmid in Go's runtime: %s (the "
                 "patch's own names)" % src_where(r, "deferPriority"))


def a000_38(r, f):
    meaning = r.probe_recipes["compile -l"]
    return parts(("symbol" in meaning, "-gcflags=\"-l\" keeps the symbol table for perf "
                  "(go tool compile -help: -l %s)" % meaning))


def a000_39(r, f):
    n = int(r.probe_recipes["gc lines"])
    m = int(r.probe_recipes['matched by grep "gc \\d+"'])
    return parts((n > 0 and m == n, "grep \"gc \\d+\" picks the gc lines out of a gctrace log "
                  "(it matched %d of the %d gc lines of a loop-defer run%s)" % (
                      m, n, ": grep's basic regex has no \\d" if m < n else "")))


def a000_40(r, f):
    t = struct_types(r, "g")
    have = [k for k in f["fields"] if k in t]
    return parts((len(have) == len(f["fields"]), "g holds the defer list in %s (Go %s's g: %s; "
                  "the chain head is g._defer %s)" % (
                      " and ".join(f["fields"]), go_version(r), ", ".join(have) or "neither",
                      t.get("_defer", "absent"))))


def a000_41(r, f):
    size, offs = defer_layout(r)
    n = len(struct_fields(r, "_defer"))
    return parts((n == f["fields"], "a _defer has %d fields (Go %s's: %d)" % (
        f["fields"], go_version(r), n)), layout_part(r, f))


def a000_42(r, f):
    body = [l.split(": ", 1)[-1].strip() for l in src_lines(r, "deferreturn body")]
    return parts(("gp._defer = d.link" in body, "deferreturn moves gp._defer to d.link"),
                 (any(l.startswith("freedefer(d)") for l in body), "and frees the record with "
                  "freedefer"),
                 (any("reflectcall(" in l for l in body), "it calls the deferred function "
                  "through reflectcall (Go %s's deferreturn: %s)" % (
                      go_version(r), "; ".join(l for l in body if l.endswith("fn()"))
                      or "no direct call")))


def a000_43(r, f):
    names = set(re.findall(r"traceEv(\w+)\s*=", " ".join(src_lines(r, "trace events"))))
    names |= set(k for k in r.trace_events if r.trace_events[k])
    missing = [e for e in f["events"] if e not in names]
    return parts((bool(src_lines(r, "GoSched")), "runtime.GoSched() exists (Go %s: %s; "
                  "Gosched: %s)" % (go_version(r), src_where(r, "GoSched"),
                                    src_where(r, "Gosched"))),
                 (not missing, "the trace has events %s (missing: %s; Go's goroutine events: %s)"
                  % (", ".join(f["events"]), ", ".join(missing) or "none",
                     ", ".join(sorted(n for n in names if n.startswith("Go")))[:300])))


# --- the line-by-line pass of articles 000, 002 and 003 (claims without rows before) ----------

def skeleton(line):
    """A gctrace line with every number replaced by N: its field layout."""
    return re.sub(r"\d+(?:\.\d+)?", "N", line.strip())


def a000_44(r, f):
    decl = src_lines(r, "syntax DeferStmt")
    call = [l.split(": ", 1)[-1] for l in src_lines(r, "syntax CallStmt")]
    return parts((bool(decl), "the AST models a defer statement as a *syntax.DeferStmt node (Go "
                  "%s's syntax package: %s; a defer statement is %s)" % (
                      go_version(r), src_where(r, "syntax DeferStmt"),
                      " ".join(call) or "no CallStmt either")))


def a000_45(r, f):
    lines = r.gctrace["looparg"]["gc_lines"]
    theirs = skeleton(f["line"]).replace(" (forced)", "")
    ours = [skeleton(l).replace(" (forced)", "") for l in lines]
    head = theirs.split(" MB goal")[0]
    return parts((bool(ours) and all(o.startswith(head) for o in ours),
                  "its fields up to the heap goal (`%s MB goal`) are those of Go %s's lines" % (
                      head, go_version(r))),
                 (bool(ours) and all(o == theirs for o in ours),
                  "the whole line: theirs `%s`, Go %s `%s`" % (
                      theirs, go_version(r), ours[0] if ours else "(no GC in the run)")))


def a000_46(r, f):
    off = r.go_asmhdr["g__defer"]
    return parts((off == f["offset"], "gp._defer is reached at offset %d of g (go_asm.h of the "
                  "installed runtime: g__defer = %d)" % (f["offset"], off)))


def a000_47(r, f):
    body = " ".join(src_lines(r, "gopanic"))
    return parts(("gp._defer" in body, "gopanic walks the records from the head g._defer"),
                 fields_item(r, f["fields"]),
                 ("fatalpanic(" in body, "a panic nobody recovers ends in runtime.fatalpanic "
                  "(Go %s's gopanic: %s)" % (go_version(r), "calls it" if "fatalpanic(" in body
                                             else "does not call it")))


def a000_48(r, f):
    names = [m.group(1) for l in src_lines(r, "Mutex methods")
             for m in [re.search(r"\(m \*Mutex\) (\w+)\(", l)] if m]
    return parts(("Close" in names, "an itab *sync.Mutex,io.Closer needs a Close method on "
                  "*sync.Mutex (Go %s's methods: %s)" % (go_version(r),
                                                         ", ".join(names) or "none found")))


def a000_49(r, f):
    decl = first_src(r, "deferreturn")
    n = param_count(decl)
    return parts((n == f["parameters"], "deferreturn takes one argument (Go %s declares `%s`: "
                  "%d)" % (go_version(r), decl.rstrip(" {"), n)))


def a000_50(r, f):
    found = [l.split(": ", 1)[-1].rstrip(" {") for l in src_lines(r, "traceDefer functions")]
    return parts((bool(found), "deferproc/deferreturn call traceDeferStart/traceDeferDone/"
                  "traceDeferExec (Go %s's runtime declares %s)" % (
                      go_version(r), "; ".join(found) or "no traceDefer* function")),
                 extra="trace event types: %d, none about defers" % len(
                     src_lines(r, "trace events")) if not src_lines(r, "trace defer events")
                 else "")


def a002_23(r, f):
    line = inline_line(r, "probeOneDefer")
    blocked = line.startswith("cannot inline") and "DEFER" in line
    return parts((blocked, "a defer (here `defer cleanup()`) keeps the function from inlining "
                  "(go build -gcflags=-m=2: %s)" % line))


def a002_24(r, f):
    limit = (float("inf") if r.probe_recipes["open files limit"].strip() == "unlimited"
             else recipe_int(r, "open files limit"))
    return parts(fds_part(r),
                 (f["files"] > limit, "%d files held open exceed the descriptor limit (ulimit -n "
                  "here: %s)" % (f["files"], r.probe_recipes["open files limit"].strip())))


def a002_25(r, f):
    before = int(r.probe_rt["loop-close-open-before-return"])
    n = int(r.probe_rt["loop-close-files"])
    return parts((before <= 1, "a defer inside a range loop registers once (a loop of %d os.Open "
                  "+ defer f.Close() holds %d descriptors open, one record per iteration, until "
                  "the return)" % (n, before)))


def a002_scoped_loop(r, f):
    k_loop, k_wrap = kinds(r, "probeLoop"), kinds(r, "probeLoopWrapped")
    return parts(("heap" in k_loop, "a loop defer leaves one record per iteration (%s)" % k_loop),
                 ("open-coded" in k_wrap, "a defer in a function literal called per iteration "
                  "keeps none pending (%s)" % k_wrap),
                 extra="descriptors: %s" % fds_part(r)[1])


def a003_33(r, f):
    t = struct_types(r, "_defer")
    return parts(*[(t.get(k) == v, "%s %s (Go %s: %s)" % (k, v, go_version(r),
                                                          t.get(k, "no such field")))
                   for k, v in f["types"].items()])


def a003_34(r, f):
    put = src_lines(r, "newproc runqput")
    return parts((bool(put), "a goroutine started with go goes to its P's runnext (Go %s's "
                  "newproc: %s)" % (go_version(r), put[0].split(": ", 1)[-1] if put else
                                    "no runqput(..., true)")))


def a003_35(r, f):
    where = src_where(r, "gcDrain")
    return parts((where.startswith(f["file"]), "gcDrain is in %s (Go %s: %s)" % (
        f["file"], go_version(r), first_src(r, "gcDrain").rstrip(" {"))),
                 extra="at %s" % where)


def a003_36(r, f):
    text = " ".join(src_lines(r, "trace viewer pages"))
    return parts(*[(v in text, "go tool trace has a %r view (Go %s's cmd/trace)" % (
        v, go_version(r))) for v in f["views"]])


def a003_37(r, f):
    p = r.asm_calls("probeLoop", "runtime.deferproc")
    q = r.asm_calls("probeLoop", "runtime.deferreturn")
    return parts((p > 0, "a loop defer compiles to a deferproc call (%d in the loop function's "
                  "-S listing)" % p),
                 (q > 0, "and a deferreturn call (%d)" % q),
                 extra="kind: %s" % kinds(r, "probeLoop"))


def a003_38(r, f):
    decl = first_src(r, "deferproc")
    body = [l.split(": ", 1)[-1].strip() for l in src_lines(r, "deferproc body")]
    nd = first_src(r, "newdefer")
    return parts((param_count(decl) == f["parameters"], "deferproc(fn *funcval, argp uintptr) "
                  "takes %d parameters (Go %s: `%s`)" % (f["parameters"], go_version(r),
                                                        decl.rstrip(" {"))),
                 (param_count(nd) == 1, "newdefer is given the caller's sp (`%s`)" %
                  nd.rstrip(" {")),
                 (any(l.startswith("d.sp = getcallersp()") for l in body),
                  "deferproc records d.sp = getcallersp()"),
                 (any(l.startswith("d.argp") for l in body), "and d.argp = argp"))


def a003_39(r, f):
    meaning = r.probe_recipes["compile -l"]
    fl = r.probe_recipes["trace flags"].split()
    pf = r.probe_recipes["pprof flags"].split()
    return parts(("inlin" in meaning, "-gcflags=\"-l\" disables inlining (go tool compile "
                  "-help: -l %s)" % meaning),
                 ("-http" in fl, "go tool trace takes -http=:8080 (its flags: %s)" % (
                     " ".join(fl) or "none found")),
                 (all(x in pf for x in ("-http", "-seconds")), "go tool pprof takes -http and "
                  "-seconds (found: %s)" % (" ".join(pf) or "none")))


def recipe_int(r, key):
    """An integer line of article-recipes.txt; an empty or garbled one is a missing result."""
    v = r.probe_recipes[key].strip()
    if not v.isdigit():
        raise KeyError_missing("article recipe: %s (an integer; got %r)" % (key, v))
    return int(v)


def a000_52(r, f):
    body = [l.split(": ", 1)[-1].strip() for l in src_lines(r, "buildssa body")]
    stmts = next((i for i, l in enumerate(body) if l.startswith("s.stmtList(fn.Body)")), None)
    comp = next((i for i, l in enumerate(body) if l.startswith("ssa.Compile(")), None)
    after = stmts is not None and comp is not None and stmts > comp
    return parts((after, "the deferproc/deferreturn calls are decided after ssa.Compile (Go %s's "
                  "buildssa lowers the body's statements, ODEFER among them (%s), %s "
                  "ssa.Compile(s.f))" % (
                      go_version(r), src_where(r, "ODEFER lowering"),
                      "after" if after else "before" if stmts is not None and comp is not None
                      else "(order not found) relative to")))


def a003_40(r, f):
    listing = r.go_asm["lockDefer"]
    k = kinds(r, "lockDefer")
    ret = next((i for i, l in enumerate(listing) if "\tRET" in l), len(listing))
    call = next((l.split("\t")[-1] for l in reversed(listing[:ret]) if "\tCALL\t" in l),
                "no call")
    return parts(("open-coded" in k, "a defer of an Unlock method is open-coded, no defer chain "
                  "(mu.Lock(); defer mu.Unlock(): %s)" % k),
                 (r.asm_calls("lockDefer", "runtime.unlock") > 0,
                  "the deferred call is a direct CALL runtime.unlock before RET (-S: the call "
                  "before the first RET is `CALL %s`)" % call),
                 extra="the probe is article 002's mu.Lock(); defer mu.Unlock() (a method of "
                 "sync.Mutex where the article's o.Unlock() is its own type's); the run does not "
                 "pass -d=ssa/deadcode/debug=1")


def a003_41(r, f):
    body = " ".join(src_lines(r, "Gosched to global queue"))
    return parts(("schedule()" in body, "runtime.Gosched() goes straight to schedule() (Go %s's "
                  "goschedImpl: %s)" % (go_version(r), "calls schedule()" if "schedule()" in body
                                        else "no schedule() call")))


def a003_42(r, f):
    body = " ".join(src_lines(r, "newdefer"))
    return parts(("pp.deferpool" in body, "newdefer takes records from the P's local pool "
                  "p.deferpool"),
                 ("new(_defer)" in body, "and allocates (mallocgc) when the pool is empty"),
                 ("systemstack(" in body, "it switches to the system stack for that (Go %s's "
                  "newdefer: %s)" % (go_version(r), "it does" if "systemstack(" in body
                                     else "no systemstack call")))


def a003_43(r, f):
    n = recipe_int(r, "deferproc bytes")
    return parts((n > f["offset"], "a PC at runtime.deferproc+%#x lies inside deferproc (Go %s's "
                  "deferproc is %d = %#x bytes long, go tool nm -size)" % (
                      f["offset"], go_version(r), n, n)),
                 (GO_VERSION, "the article does not say which Go version it stopped"))


def a000_53(r, f):
    lines = r.gctrace["looparg"]["gc_lines"]
    minor = [l for l in lines if re.search(r"\b(minor|young|nursery)\b", l)]
    return parts((bool(minor), "Go runs minor GCs (%d of the %d gctrace lines of a loop-defer "
                  "run are minor collections; Go %s's lines: %s)" % (
                      len(minor), len(lines), go_version(r),
                      lines[0].split(":")[0] if lines else "no GC")))


def a000_54(r, f):
    k = kinds(r, "probeNine")
    n = r.asm_calls("probeNine", "runtime.deferprocStack")
    size, _ = defer_layout(r)
    loc = frame_locals(r, "probeNine")
    return parts((n > 0 and "stack" in k, "a stack-allocated defer calls runtime.deferprocStack "
                  "(9 defers: %s, %d call(s))" % (k, n)),
                 (loc >= 9 * size, "and its _defer is written into the function's frame (locals "
                  "%d B for 9 records of %d B)" % (loc, size)))


def call_before_ret(listing):
    ret = next((i for i, l in enumerate(listing) if "\tRET" in l), len(listing))
    return next((l.split("\t")[-1] for l in reversed(listing[:ret]) if "\tCALL\t" in l), "no call")


def a000_55(r, f):
    k = kinds(r, "probeOneDefer")
    call = call_before_ret(r.go_asm["probeOneDefer"])
    n = r.asm_calls("probeOneDefer", "runtime.deferproc")
    return parts(("open-coded" in k and n == 0, "an open-coded defer needs no runtime "
                  "registration (1 defer: %s, %d deferproc call(s))" % (k, n)),
                 (call.startswith("main.cleanup"), "the deferred call is a direct CALL inserted "
                  "before the return (-S: `CALL %s` before the first RET)" % call))


def a000_56(r, f):
    listing = r.go_asm["printLiteral"]
    k = kinds(r, "printLiteral")
    stack_arg = any("$42" in l and "(SP)" in l for l in listing)
    call = call_before_ret(listing)
    return parts(("open-coded" in k, "defer fmt.Println(42) is open-coded (%s)" % k),
                 (stack_arg, "its argument is stored with MOVQ $42, (SP) (the -S listing "
                  "%s)" % ("has it" if stack_arg else "has no $42 store to the stack")),
                 (call.startswith("fmt.Println"), "and called with CALL fmt.Println(SB) before "
                  "the return (-S: `CALL %s`)" % call))


def linear_judge(r, f):
    return parts(ratio_part(r, "per-defer cost with 50 defers over with 10 (1.0x: linear)",
                            f["ratio"], lambda v: v.go_per_defer(50) / v.go_per_defer(10)),
                 extra="Go per defer: %s (10), %s (50)" % (ns(r.go_per_defer(10)),
                                                         ns(r.go_per_defer(50))))


def a002_27(r, f):
    x, tol = r.go_loop_arg_per_defer(100), r.spread(lambda v: v.go_loop_arg_per_defer(100))
    ok = above(x, tol, f["ns"])
    return parts((ok, "a defer can cost microseconds: Go's costliest defer here (a loop `defer "
                  "cleanupI(i)`, closure allocated) costs %s (±%.0f%%)" % (ns(x), 100 * tol)),
                 extra="a record defer: %s, an open-coded one: %s" % (
                     ns(r.go_per_defer(10)), ns(r.go_per_defer(8))))


def a003_44(r, f):
    found = src_lines(r, "deferArgs")
    return parts((bool(found), "the runtime copies arguments from argp with deferargs (Go %s: "
                  "%s)" % (go_version(r), src_where(r, "deferArgs"))))


def a003_45(r, f):
    k9, kl = kinds(r, "probeNine"), kinds(r, "probeLoop")
    body = " ".join(src_lines(r, "adjustdefers body"))
    moved = "&d.link)" in body or "&d.sp)" in body
    return parts(("stack" in k9, "defer records sit on the stack (9 defers: %s)" % k9),
                 ("heap" in kl, "escaping ones (a loop defer) go to the heap (%s)" % kl),
                 (not moved, "a stack growth sends them to the heap (Go %s's adjustdefers %s the "
                  "records' pointers when the stack is copied: they move with it)" % (
                      go_version(r), "adjusts" if moved else "does not adjust")))


def a003_46(r, f):
    return parts(*[fields_item(r, [x]) for x in f["fields"]])


def a003_47(r, f):
    lines = src_lines(r, "deferproc")
    m = re.match(r"^([\w/.]+):(\d+):", lines[0]) if lines else None
    where = "%s:%s" % (m.group(1), m.group(2)) if m else "nowhere"
    here = bool(m) and m.group(1) == f["file"] and int(m.group(2)) == f["line"]
    return parts((True if here else GO_VERSION,
                  "deferproc at %s:%d (Go %s: %s; line numbers move between versions, the "
                  "article's listing names none)" % (f["file"], f["line"], go_version(r), where)))


def gc_pauses_ms(lines):
    """Stop-the-world pauses (ms) of gctrace lines: the first and third clock phases."""
    out = []
    for l in lines:
        m = re.search(r": ([\d.]+)\+[\d.]+\+([\d.]+) ms clock", l)
        if m:
            out.append(float(m.group(1)) + float(m.group(2)))
    return out


def a000_58(r, f):
    c, n = r.gctrace["closure"], r.gctrace["nodefer"]
    pc, pn = gc_pauses_ms(c["gc_lines"]), gc_pauses_ms(n["gc_lines"])
    theirs = f["with ms"] / f["without ms"]
    if not pc:
        ok, text = False, "no GC ran during %d capturing-defer calls: no pause to lengthen" % (
            c["calls"])
    elif not pn:
        ok, text = True, "GCs (pauses of %.3f ms on average) ran only with the capturing defer" % (
            sum(pc) / len(pc))
    else:
        lo, hi = min(pc) / max(pn), max(pc) / min(pn)
        ok = lo <= theirs <= hi
        text = "pauses with / without: theirs %.1fx, ours %.2f / %.2f ms on average (the GCs' " \
            "ratios span %.2fx-%.2fx)" % (theirs, sum(pc) / len(pc), sum(pn) / len(pn), lo, hi)
    return parts((ok, "a capturing defer lengthens the average GC pause (%g ms to %g ms): %s" % (
        f["without ms"], f["with ms"], text)),
                 (HARDWARE, "the absolute pauses (%g / %g ms)" % (f["without ms"], f["with ms"])))


def a000_60(r, f):
    e, line = escapes(r, "make([]int, 1000)")
    return parts((e, "both remedies (passing len(x) as an argument, x = nil before the defer) "
                  "undo a heap escape of x that the capturing closure causes (go -m -l on the "
                  "article's withDefer: %s)" % line))


def a000_61(r, f):
    scan = " ".join(src_lines(r, "scanstack defers"))
    ret = " ".join(src_lines(r, "deferreturn body"))
    return parts(("d.fn != nil" in scan, "the scan of a goroutine's defer records checks "
                  "d.fn != nil (Go %s's scanstack, runtime/mgcmark.go)" % go_version(r)),
                 ("d.sp == sp" in scan or "d.sp != sp" in scan,
                  "and d.sp == sp (Go %s's scanstack compares no d.sp; %s)" % (
                      go_version(r), "deferreturn does, for its own frame" if "d.sp != sp" in ret
                      else "nor does deferreturn")))


def a000_63(r, f):
    body = " ".join(src_lines(r, "gopanic"))
    wb = "writeBarrier" in body or "gcWriteBarrier" in body
    return parts((wb, "gopanic triggers a write barrier before each deferred call (Go %s's "
                  "gopanic %s; the compiler's barriers on its pointer stores run only while the "
                  "GC marks)" % (go_version(r), "names writeBarrier" if wb
                                 else "holds no write-barrier call of its own")))


def g_states(r):
    return [m.group(1) for l in src_lines(r, "g status names")
            for m in [re.search(r": (_G\w+)", l)] if m]


def a000_64(r, f):
    st = g_states(r)
    named = [n for n in f["names"] if n in st]
    same = [n for n in f["names"] if "_G" + n[1:].lower() in st]
    return parts((len(same) == len(f["names"]), "the goroutine states running and waiting exist "
                  "(Go %s's runtime2.go: %s)" % (go_version(r), ", ".join(
                      "_G" + n[1:].lower() for n in f["names"] if "_G" + n[1:].lower() in st)
                      or "neither state")),
                 (len(named) == len(f["names"]), "named %s (%s)" % (
                     "/".join(f["names"]), "so spelled" if len(named) == len(f["names"]) else
                     "Go spells them " + "/".join("_G" + n[1:].lower() for n in f["names"]))))


def a002_28(r, f):
    n = r.go_allocs["BenchmarkDefer"]
    return parts((n == 0, "a defer of a no-argument function (`defer cleanup()`) does not move "
                  "anything to the heap: BenchmarkDefer allocates %g times per call (go -m prints "
                  "no line for it)" % n))


def a003_49(r, f):
    w, wo = r.probe_recipes["files with -tags=debug"], r.probe_recipes["files without tags"]
    ok = "debug.go" in w.split() and "debug.go" not in wo.split()
    return parts((ok, "a file headed //go:build debug (with // +build debug) is compiled only with "
                  "-tags=debug (go list of its package, Go %s: %s with the tag, %s without)" % (
                      go_version(r), w or "no files", wo or "no files")))


def a003_50(r, f):
    scan = " ".join(src_lines(r, "scanstack defers"))
    return parts(("d.fn != nil" not in scan, "a GC stack scan while a goroutine is parked "
                  "(gopark/goready) can misjudge what a deferred closure references (Go %s's "
                  "scanstack %s)" % (go_version(r), "scans every record's d.fn, the closure "
                                     "included, whatever the goroutine's state"
                                     if "d.fn != nil" in scan else "does not scan d.fn")))


def a003_51(r, f):
    st = g_states(r)
    m_fields = " ".join(src_lines(r, "m"))
    return parts(("_Gpreempted" in st, "a preempted goroutine is marked _Gpreempted (Go %s: %s)" % (
        go_version(r), "declared" if "_Gpreempted" in st else "no such state")),
                 ("deferpool" in m_fields, "a new M preallocates the chain's records from "
                  "m.deferpool (Go %s's m %s)" % (go_version(r), "has a deferpool" if "deferpool"
                                                 in m_fields else "has no deferpool; the pool "
                                                 "is p.deferpool")))


def a003_52(r, f):
    line = next((l.split(": ", 1)[-1] for l in src_lines(r, "m") if "nextwaitm" in l), "")
    lock = "lock" in line.partition("//")[2]
    return parts((bool(line), "m.nextwaitm exists (Go %s: %s)" % (
        go_version(r), line or "no such field")),
                 (bool(line) and not lock, "as a wait source for JS event-loop callbacks (in Go "
                  "%s it is %s)" % (go_version(r), "the next M waiting for a lock (lock_sema.go)"
                                    if lock else "not commented as a lock queue")),
                 (GO_VERSION, "its use by Go 1.22's syscall/js.Defer"))


# --- the attribution half: judged on CPU profiles and execution traces (attribution.sh) -------

def profile_share(r, side):
    """(share of the profile's CPU in the defer machinery, its relative tolerance): one profile,
    no rounds, so the tolerance is the sampling error, two binomial standard deviations of the
    share over the share."""
    p = r.s0_profile
    share = p[side + " machinery s"] / p[side + " samples s"]
    if not 0 <= share <= 1:
        raise ValueError("%s profile: %g s in the machinery of %g s sampled" % (
            side, p[side + " machinery s"], p[side + " samples s"]))
    n = max(p[side + " sample count"], 1)
    # (a quarter over n keeps a window when every sample, or none, is in the machinery)
    # (no sample in the machinery: a share of 0 whose window is the point itself)
    tol = 2 * ((share * (1 - share) + 0.25 / n) / n) ** 0.5 / share if share > 0 else 0.0
    return share, tol


def a000_1p(r, f):
    # "the flame graph shows deferproc/deferreturn at 8-12% of the CPU, at ~10^4 defers/s":
    # the profile of a loop of defers (saturated: nothing but defers) gives the machinery's CPU
    # per defer; at the claimed rate that is share * rate_claimed / rate_profiled of one core.
    def at_rate(side):
        share, tol = profile_share(r, side)
        return 100 * share * f["rate"] / r.s0_profile[side + " defers/s"], share, tol
    go, go_share, go_tol = at_rate("go")
    gort, gort_share, gort_tol = at_rate("gort")
    ok = decided(agree(go, go_tol, f["lo%"], f["hi%"]), go_tol)
    gort_ok = agree(gort, gort_tol, f["lo%"], f["hi%"])
    return parts(
        (ok, "Go's CPU profile (go test -cpuprofile, BenchmarkLoopDeferPlain/100): %.0f%% of "
         "%d samples in deferproc/deferreturn/newdefer/freedefer (±%.0f%%) at %.3g defers/s, so "
         "%.4f%% of one core at %g defers/s" % (100 * go_share, r.s0_profile["go sample count"],
                                                100 * go_tol, r.s0_profile["go defers/s"], go,
                                                f["rate"])),
        extra="gort's own profiler (GORT_DEBUG=cpuprofile, gort_loop_plain(100)): %.0f%% of %d "
        "samples in the frame core (±%.0f%%) at %.3g defers/s, %.5f%% of one core at %g "
        "defers/s: %s the claimed %g-%g%%" % (
            100 * gort_share, r.s0_profile["gort sample count"], 100 * gort_tol,
            r.s0_profile["gort defers/s"], gort, f["rate"],
            "within" if gort_ok else "outside", f["lo%"], f["hi%"]))


def s3_trace_tol(r, impl, background, kind):
    """The tolerance of a latency read from one trace: the S3 rounds' spread of the same
    distribution's median measured by the program itself (run.sh's untraced rounds)."""
    key = "wake_ns" if kind == "wakeup" else "yield_ns"
    return r.s3_spread(lambda x: x[key]["p50"], [(impl, 2, background)])


def a003_3t(r, f):
    t = r.s3_trace
    theirs = f["p50 µs"] / f["base p50 µs"]
    ours = t["go defer wakeup p50"] / t["go none wakeup p50"]
    tol = s3_trace_tol(r, "go", "defer", "wakeup")
    ok = decided(agree(ours, tol, theirs), tol)
    slower = above(ours, tol, 1.0)
    return parts(
        (slower, "the defer-heavy background slows the wake-up (GoUnblock -> GoStart) in Go's "
         "trace: p50 %s -> %s (P=2, 1000 goroutines)" % (us(t["go none wakeup p50"]),
                                                        us(t["go defer wakeup p50"]))),
        (ok, "by theirs %.2fx (P50 %g -> %g µs): ours %.2fx (±%.0f%%)" % (
            theirs, f["base p50 µs"], f["p50 µs"], ours, 100 * tol)),
        extra="gort's trace: wake-up p50 %s -> %s, p99 %s -> %s; Go p99 %s -> %s" % (
            us(t["gort none wakeup p50"]), us(t["gort defer wakeup p50"]),
            us(t["gort none wakeup p99"]), us(t["gort defer wakeup p99"]),
            us(t["go none wakeup p99"]), us(t["go defer wakeup p99"])))


def a003_23t(r, f):
    t = r.s3_trace
    bound = f["ms"] * 1e6
    mx, p90 = t["go defer all max"], t["go defer all p90"]
    return parts(
        (mx > bound, "some goroutines stay Runnable over %g ms in Go's trace with the "
         "defer-heavy background (longest %s of %d runnable spells)" % (
             f["ms"], us(mx), t["go defer all count"])),
        (p90 > bound, "many do (at least a tenth of the spells): p90 %s, p99 %s" % (
            us(p90), us(t["go defer all p99"]))),
        extra="without the background Go's longest runnable spell is %s; gort's trace: longest "
        "%s, p90 %s with the background" % (us(t["go none all max"]), us(t["gort defer all max"]),
                                             us(t["gort defer all p90"])))


def a003_10t(r, f):
    t = r.s3_trace
    mean = t["go defer all mean"]
    tol = s3_trace_tol(r, "go", "defer", "yield")
    ok = above(mean, tol, f["heavy ms"] * 1e6)
    return parts(
        (ok, "the mean runnable delay (every runnable -> running transition) in Go's trace with "
         "the defer-heavy background is %s (±%.0f%%; %s without)" % (
             us(mean), 100 * tol, us(t["go none all mean"]))),
        (PRIVATE, "their service's delays"),
        extra="gort's trace: %s with the background, %s without" % (
            us(t["gort defer all mean"]), us(t["gort none all mean"])))


INTERNAL_WHY = "a claim about Go's runtime internals"

CLAIMS = {
    "000": [
        Claim("A000-1", "deferproc+deferreturn take 8-12% of CPU at ~10^4 defers/s",
              {"rate": 1e4, "lo%": 8, "hi%": 12}, a000_1),
        Claim("A000-1p", "the flame graph shows deferproc+deferreturn at 8-12% of CPU at ~10^4 "
              "defers/s (judged on CPU profiles)", {"rate": 1e4, "lo%": 8, "hi%": 12}, a000_1p),
        Claim("A000-2", "no defer: 12.3 ns, 0 B, 0 GC", {"ns": 12.3, "B": 0}, a000_2),
        Claim("A000-3", "one defer: 48.7 ns, 24 B (3.96x)", {"ns": 48.7, "base ns": 12.3, "B": 24},
              a000_3),
        Claim("A000-4", "defer + capturing closure: 116.5 ns, 48 B, 1 GC (9.47x)",
              {"ns": 116.5, "base ns": 12.3, "B": 48, "GCs": 1}, a000_4),
        Claim("A000-5", "defer cost is not linear", "non-linear", a000_5),
        Claim("A000-6", "defers in loops raise GC frequency 3.2x; _defer is on the heap by default",
              {"GC x": 3.2}, a000_6b),
        Claim("A000-7", "`MOVQ.*runtime..defer` in -S output means a heap allocation",
              {"regex": r"MOVQ.*runtime..defer"}, a000_7),
        Claim("A000-8", "the second defer (b) runs first", {"prints": "third second first"},
              probe_eq("lifo")),
        Claim("A000-9", "open-coded defers came with Go 1.22", {"since": "1.22"}, a000_9),
        Claim("A000-10", "stack-allocated defer ~30 ns vs open-coded ~3 ns",
              {"stack ns": 30, "open ns": 3}, a000_10),
        Claim("A000-11", "open coding needs <=8 defers, no closures, no escape", {"max": 8},
              a000_11),
        Claim("A000-11b", "the compiler's open-coding limit is 8 defers per function", {"max": 8},
              lambda r, f: parts((lambda m: (bool(m) and int(m.group(1)) == f["max"],
                                             "Go's compiler: " + first_src(r, "open-coded defer "
                                                                            "limit")))(
                  re.search(r"=\s*(\d+)", first_src(r, "open-coded defer limit"))))),
        Claim("A000-12", "a _defer has fn/args/siz/link, 48 B",
              {"fields": ["fn", "args", "siz", "link"], "B": 48}, fields_layout_judge()),
        Claim("A000-13", "d.link is at offset 40", {"offset": 40}, a000_13),
        Claim("A000-14", "each chain hop is one cache-line load, 1-3 ns", {"ns": "1-3"},
              reason=COUNTERS, why="a hop's cache behaviour needs cache-miss counters (perf stat "
              "reports cache-misses <not supported> on this virtual machine)"),
        Claim("A000-15", "100-node chain traversal: ~2.1M ops/s at 3.2 GHz",
              {"M/s": 2.1, "GHz": 3.2}, a000_15),
        Claim("A000-16", "each defer adds ~4 instructions at entry; one deferreturn at exit",
              {"instr": 4, "deferreturn": 1}, a000_16),
        Claim("A000-17", "entry/exit instructions: 1: 4/7, 3: 12/11, 10: 40/26, 50: 200/106",
              {"per defer": 4}, a000_17),
        Claim("A000-18", "`$3` passed to deferproc is the chain length", {"$": 3}, a000_18),
        Claim("A000-19", "a deferred call costs 50-200+ cycles (reflectcall)", {"cycles lo": 50},
              a000_19),
        Claim("A000-20", "each defer node is a 16-32 B allocation", {"B lo": 16, "B hi": 32},
              a000_20),
        Claim("A000-21", "link deref 1-3 cycles, 8 B argument copy ~8, reflectcall >=40",
              {"cycles": "1-3 / 8 / 40"}, reason=COUNTERS,
              why="per-instruction cycle costs need cycle counters", waits=None),
        Claim("A000-22", "x := make([]int, 1000) captured by a deferred closure escapes",
              {"escapes": True}, esc("make([]int, 1000)")),
        Claim("A000-23", "GC: 80 MB/2 GCs without, 1.2 GB/47 GCs with a capturing defer",
              {"GCs without": 2, "GCs with": 47}, a000_23b),
        Claim("A000-24", "~83 ns per defer while a panic unwinds (Go 1.22, EPYC)",
              {"ns": 83, "panic5 ns": 410, "Go": "1.22"}, a000_24),
        Claim("A000-25", "panic with 5 defers: 410 ns plain, 690 ns capturing",
              {"plain ns": 410, "capturing ns": 690}, a000_25),
        Claim("A000-26", "Go 1.22+ gctrace has a defer:<ns> field", {"Go": "1.22"}, a000_26),
        Claim("A000-27", "STW 0.045 ms of which defer scanning 0.012 ms",
              {"STW µs": 45, "defer µs": 12}, a000_27),
        Claim("A000-28", "10k goroutines: STW share 12% (3 defers), 38% (10 defers)",
              {"3 defers %": 12, "10 defers %": 38}, a000_28),
        Claim("A000-29", "trace events DeferStart/DeferDone/DeferExec", "event names", a000_29),
        Claim("A000-30", "127 services sampled for 7 days", {"services": 127}, reason=PRIVATE,
              why="production data of the author's services"),
        Claim("A000-31", "defer density vs P99 correlation 0.83 / 0.12 / 0.67", "r",
              reason=PRIVATE, why="production data of the author's services"),
        Claim("A000-32", "P99 grows exponentially above density 5.2 (beta 1.84)", {"density": 5.2},
              reason=PRIVATE, why="production data of the author's services"),
        Claim("A000-33", "deferproc(fn, argp, siz) takes three parameters", {"parameters": 3},
              params_judge("deferproc")),
        Claim("A000-34", "defer nodes live on the goroutine stack", "stack", a000_34),
        Claim("A000-35", "perf --call-graph dwarf,8192: 8192 is a depth limit", {"8192": "depth"},
              a000_35),
        Claim("A000-36", "SSA turns every defer into deferproc + deferprocStack calls",
              "calls", a000_36),
        Claim("A000-37", "deferreturn's list walk raises the branch misprediction rate",
              "mispredictions", reason=COUNTERS, why="needs branch-miss counters"),
        Claim("A000-40", "the defer list sits in g's deferpool and deferptr fields, at the end "
              "of g", {"fields": ["deferpool", "deferptr"]}, a000_40),
        Claim("A000-41", "a _defer has 8 fields, 48 B, 8-byte aligned", {"fields": 8, "B": 48},
              a000_41),
        Claim("A000-42", "deferreturn: for d := gp._defer; d != nil; d = d.link { reflectcall(...) "
              "}, then gp._defer = d.link and freedefer(d)", "reflectcall", a000_42),
        Claim("A000-43", "trace example: runtime.GoSched(); the defer events line up with "
              "GoroutineCreate / GoroutineSleep / GoroutinePreempt events",
              {"events": ["GoroutineCreate", "GoroutineSleep", "GoroutinePreempt"]}, a000_43),
        Claim("A000-38", "go build -gcflags=\"-l\" keeps the symbol table for perf",
              "symbols", a000_38),
        Claim("A000-39", "GODEBUG=gctrace=1 ./defer_bench 2>&1 | grep \"gc \\d+\" > gc.log "
              "collects the gc lines", "gc.log", a000_39),
        Claim("A000-44", "the AST models each defer as a *syntax.DeferStmt node",
              "DeferStmt", a000_44),
        Claim("A000-45", "a gctrace line reads `gc 1 @0.024s 0%: 0.021+0.36+0.027 ms clock, "
              "0.17+0.041/0.18/0.39+0.22 ms cpu, 4->4->2 MB, 5 MB goal, 8 P (forced)`",
              {"line": "gc 1 @0.024s 0%: 0.021+0.36+0.027 ms clock, 0.17+0.041/0.18/0.39+0.22 "
               "ms cpu, 4->4->2 MB, 5 MB goal, 8 P (forced)"}, a000_45),
        Claim("A000-46", "gp._defer is a zero-offset field access in g", {"offset": 0}, a000_46),
        Claim("A000-47", "in a panic, gopanic walks g._defer from its head; each record has fn, "
              "args and framep; an unrecovered panic ends in runtime.fatalpanic",
              {"fields": ["fn", "args", "framep"]}, a000_47),
        Claim("A000-48", "the 3-defer listing loads go.itab.*sync.Mutex,io.Closer (a *sync.Mutex "
              "deferred as an io.Closer)", "itab", a000_48),
        Claim("A000-49", "deferreturn(arg0 uintptr) takes one argument", {"parameters": 1},
              a000_49),
        Claim("A000-50", "runtime.deferproc calls traceDeferStart/traceDeferDone and "
              "runtime.deferreturn traceDeferExec", "traceDefer*", a000_50),
        Claim("A000-51", "perf record -e cycles,instructions[,cache-misses]: cycles and "
              "cache-misses rise on defer-heavy paths", "cycles/cache-misses", reason=COUNTERS,
              why="hardware events: perf on this virtual machine has no cycles, instructions "
              "or cache-misses counters (the run samples cpu-clock instead)"),
        Claim("A000-52", "the compiler decides on deferproc/deferreturn at code generation, after "
              "ssa.Compile and before the object file is written", "after ssa.Compile", a000_52),
        Claim("A000-53", "the capturing defer's GC is a minor GC; loop defers raise the minor GC "
              "frequency", "minor", a000_53),
        Claim("A000-54", "a stack-allocated defer calls runtime.deferprocStack and writes its "
              "_defer into the goroutine's stack frame", "deferprocStack", a000_54),
        Claim("A000-55", "an open-coded defer inserts the cleanup call before the return, with "
              "no runtime registration", "direct call", a000_55),
        Claim("A000-56", "open-coded listing: MOVQ $42, (SP) then CALL fmt.Println(SB) before "
              "the return", "MOVQ $42, (SP)", a000_56),
        Claim("A000-57", "the chain's depth raises the return latency linearly", {"ratio": 1.0},
              linear_judge),
        Claim("A000-58", "GC pauses: 0.03 ms on average without, 0.21 ms with a defer capturing a "
              "slice", {"without ms": 0.03, "with ms": 0.21}, a000_58),
        Claim("A000-59", "a panic through 5 defers copies 120 B (plain) / 380 B (capturing)",
              {"B": "120/380"}, reason=WAITS, why="bytes copied while a panic unwinds",
              waits="a runtime instrumented to count what gopanic copies per deferred call",
              context=lambda r: fields_item(r, ["args"])[1]),
        Claim("A000-60", "remedies: defer func(n int){...}(len(x)) instead of capturing x; x = "
              "nil before the defer", "escape of x", a000_60),
        Claim("A000-61", "the STW defer-chain scan checks d.fn != nil && d.sp == sp", "d.fn/d.sp",
              a000_61),
        Claim("A000-62", "10k goroutines: defer scan 8.2 µs (3 defers), 27.6 µs (10 defers) per "
              "STW", {"3 defers µs": 8.2, "10 defers µs": 27.6}, reason=HARDWARE,
              why="absolute times on the author's machine, with no baseline to scale by (0 defers: "
              "0 µs); Go 1.19 prints no defer scan time (A000-28 judges the shares)"),
        Claim("A000-63", "a panic triggers a write barrier (GC checkpoint) before each deferred "
              "call", "write barrier", a000_63),
        Claim("A000-64", "the trace example's goroutine states GRunning / GWaiting",
              {"names": ["GRunning", "GWaiting"]}, a000_64),
        offtopic("A000-X", "closing chapters: industry deployments (customers, AUC, Flink, ETL, "
                 "OEE figures)"),
    ],
    "001": [
        Claim("A001-1", "each defer compiles to a runtime.deferproc call", "1 call/defer", a001_1),
        Claim("A001-2", "deferreturn at the end walks the list and runs each entry", "1 call",
              a001_2),
        Claim("A001-3", "O(1) insertion, O(n) traversal", "linear", a001_3),
        Claim("A001-4", "_defer = fn, sp, pc, argp, link, 8 B each",
              {"fields": ["fn", "sp", "pc", "argp", "link"], "B": 40}, fields_layout_judge()),
        Claim("A001-5", "100 defers add ~300 ns, linearly", {"ns": 300, "defers": 100}, a001_5),
        Claim("A001-6", "in a panic deferreturn scans two lists, amplifying latency", "mechanism",
              a001_6),
        Claim("A001-7", "layout link@0, fn@8, pc/sp/fp@16, siz@40 (48 B)",
              {"fields": ["link", "fn", "pc", "sp", "siz"], "B": 48,
               "offsets": {"link": 0, "fn": 8, "pc": 16, "sp": 16, "siz": 40}},
              fields_layout_judge()),
        Claim("A001-8", "deferproc takes two parameters", {"parameters": 2},
              params_judge("deferproc")),
        Claim("A001-9", "deferinit at entry, deferreturn(0)", {"argument": 0}, a001_9),
        Claim("A001-10", "recover skips the remaining defers", "skips", a001_10),
        Claim("A001-11", "no defer 2.1 ns, one defer 8.7 ns, three closure defers 24.3 ns",
              {"none ns": 2.1, "one ns": 8.7, "three ns": 24.3}, a001_11),
        Claim("A001-12", "every defer is heap-allocated by newdefer", "heap", a001_12),
        Claim("A001-13", "x := make([]int, 10) captured by a defer escapes", {"escapes": True},
              esc("make([]int, 10)")),
        Claim("A001-14", "defer fmt.Println(42) does not escape", "no escape", a001_14),
        Claim("A001-15", "stack growth (>2 KB) moves defer records", {"KB": 2}, a001_15),
        Claim("A001-16", "a loop defer sees the loop's final value", {"prints": "30 30 30"},
              a001_16),
        Claim("A001-17", "in a loop deferproc runs once per iteration", "N calls", a001_17),
        Claim("A001-18", "s := make([]int, 1000) is moved to heap (Go 1.22+)", {"escapes": True},
              esc("make([]int, 1000)")),
        Claim("A001-19", "the closure environment is allocated with runtime.newobject",
              "newobject", a001_19),
        Claim("A001-20", "functions with defer are not inlined (Go 1.21+)", {"since": "1.21"},
              a001_20),
        Claim("A001-21", "withDefer is TEXT NOSPLIT, $32-24 (32-byte frame)",
              {"frame": 32, "args": 24},
              a001_21),
        Claim("A001-22", "defers at a cgo boundary may not run", "fault", a001_22),
        Claim("A001-23", "each defer becomes an ODefer node, which SSA turns into a deferproc "
              "call plus a deferreturn", "ODEFER -> deferproc", a001_23),
        Claim("A001-24", "field table: fn func(), link *_defer, siz uintptr",
              {"types": {"fn": "func()", "link": "*_defer", "siz": "uintptr"}}, a001_24),
        Claim("A001-25", "runtime/panic.go defines _defer as link, fn *funcval, framepc, framesp, "
              "framefp, argp, argc int32, newstack bool",
              {"file": "runtime/panic.go",
               "types": {"link": "*_defer", "fn": "*funcval", "framepc": "uintptr",
                         "framesp": "uintptr", "framefp": "uintptr", "argp": "unsafe.Pointer",
                         "argc": "int32", "newstack": "bool"}}, a001_25),
        Claim("A001-26", "the compiler inserts the defer calls depending on fn.Pragma&NoInline and "
              "fn.DeferStack", "DeferStack", a001_26),
        Claim("A001-27", "deferreturn is reached by LEAQ runtime.deferreturn(SB), AX; CALL AX",
              "LEAQ + CALL AX", a001_27),
        Claim("A001-28", "_panic carries the defer list (_panic.defers) and arg, recovered, "
              "aborted", {"fields": ["defers", "arg", "recovered", "aborted"]}, a001_28),
        Claim("A001-29", "deferproc returns failure when g._panic != nil (no new defers during a "
              "panic)", "check", a001_29),
        Claim("A001-30", "gopanic walks the _panic list, running defers through deferproc1",
              "deferproc1", a001_30),
        Claim("A001-31", "stack growth: runtime.newstack (via morestack_noctxt) and "
              "runtime.stackcopy migrate the defer chain", "names", a001_31),
        Claim("A001-32", "a loop's N defers make deferreturn run N times at the end",
              "N calls", a001_32),
        Claim("A001-33", "capturing defers add young-generation objects: more frequent minor GCs",
              "minor GC", a001_33),
        offtopic("A001-X", "closing chapters: gateway, sidecar and bank case studies"),
    ],
    "002": [
        Claim("A002-1", "handler with a GC-calling defer at 100k req/s: P99 +38%, CPU spikes, 502s",
              {"P99 %": 38}, a002_1),
        Claim("A002-2", "defer 412 µs / 89 GC/s, manual 267 / 52, pool 210 / 31",
              {"µs": (412, 267, 210), "GC/s": (89, 52, 31)}, a002_2),
        Claim("A002-3", "each defer pushes onto the goroutine's defer stack, allocating",
              "allocation + list", a002_3),
        Claim("A002-4", "go test -cpuprofile + go tool pprof show defer's share of the stacks",
              "pprof", a002_4),
        Claim("A002-5", "a gateway gained 27% QPS removing defers, 502s near zero",
              {"QPS %": 27}, reason=PRIVATE, why="the author's gateway",
              context=a002_5_context),
        Claim("A002-6", "defer fmt.Println(x): arguments evaluated at the defer statement",
              {"prints": "30 20 10"}, a002_6),
        Claim("A002-7", "deferreturn inserted at the end walks the _defer list; gopanic runs them",
              "mechanism", a002_7),
        Claim("A002-8", "for i<3 { defer fmt.Println(i) } prints 3 3 3", {"prints": "3 3 3"},
              a002_8),
        Claim("A002-9", "defers run LIFO (B before A)", {"prints": "third second first"}, a002_9),
        Claim("A002-10", "mu.Lock(); defer mu.Unlock() adds ~15% at millions of calls/s",
              {"%": 15}, a002_10),
        Claim("A002-11", "closing connections: defer 480 ns/64 B vs manual 410 ns/48 B",
              {"ns": (480, 410), "B": (64, 48)}, a002_11),
        Claim("A002-12", "manual unlocking shrinks the frame and lets the function inline",
              "inlining", a002_13),
        Claim("A002-13", "each defer allocates; loop defers create many temporary objects",
              "allocation", a002_14),
        Claim("A002-14", "loop defer file.Close() runs all closes at return; records extend "
              "lifetimes", "pile-up", a002_15),
        Claim("A002-15", "loop defer: high GC pressure, low efficiency; function-level: low",
              "table", a002_16),
        Claim("A002-16", "1000 goroutines 1250 vs 980 ns (+27.6%), 5000: 2100 vs 1020 (+105.9%); "
              "defer lengthens the critical section",
              {"G1000 ns": (1250, 980), "G5000 ns": (2100, 1020)}, a002_contended),
        Claim("A002-17", "multiple defers run LIFO; recover in a deferred closure stops a panic",
              {"lifo": "third second first"}, a002_19),
        Claim("A002-18", "P99 trace table: order service 15 ms, 60% defer, 98 ms P99",
              {"ms": "15/98"}, reason=PRIVATE, why="the author's services"),
        Claim("A002-19", "incident: defer conn.Close() closed the connection before a later write "
              "(panic)", "mechanism", a002_20b),
        Claim("A002-20", "a defer closure referencing locals makes them escape", "escapes",
              a002_22),
        Claim("A002-21", "runtime.ReadMemStats monitors stack growth; sync.Pool is cleared each "
              "GC cycle", "API", a002_21),
        Claim("A002-22", "loop defers pile up and can overflow the stack", "stack", a002_26),
        Claim("A002-23", "defer wg.Done() may keep the function from inlining", "inlining",
              a002_23),
        Claim("A002-24", "10,000 os.Open + defer file.Close() in a loop keep the files open and "
              "may exceed the descriptor limit", {"files": 10000}, a002_24),
        Claim("A002-25", "goodFileHandling: a defer file.Close() inside a range loop is a single "
              "registration", "once", a002_25),
        Claim("A002-26", "a defer inside a function literal called per iteration keeps O(1) "
              "deferred calls pending, the loop defer O(n)", "O(1)/O(n)", a002_scoped_loop),
        Claim("A002-27", "each defer may add a microsecond-scale delay", {"ns": 1000}, a002_27),
        Claim("A002-28", "a defer of a no-argument function does not escape (no capture)",
              "no escape", a002_28),
        offtopic("A002-X", "closing chapter: microservice migration (throughput 4.7x, Sentinel, "
                 "SkyWalking, Istio, LSTM figures)"),
    ],
    "003": [
        Claim("A003-1", "without defers the P.runnext hit rate is > 92% (Go 1.22.5, GOMAXPROCS=4, "
              "10k goroutines calling Gosched)", {"%": 92}, a003_1),
        Claim("A003-2", "without defers the runnext latency is 1.3 µs mean, P50 1.3 µs, P95 "
              "2.1 µs", {"p50 µs": 1.3, "p95 µs": 2.1}, a003_2),
        Claim("A003-3", "with high defer density the latency is P50 3.2 µs, P95 4.8 µs",
              {"p50 µs": 3.2, "p95 µs": 4.8, "base p50 µs": 1.3, "base p95 µs": 2.1}, a003_3),
        Claim("A003-3t", "high defer density raises the wake-up latency from P50 1.3 µs to 3.2 µs "
              "(judged on execution traces)", {"p50 µs": 3.2, "base p50 µs": 1.3}, a003_3t),
        Claim("A003-4", "defer frame setup raises the probability that the runnext load misses "
              "by 37%", {"more misses %": 37}, a003_4),
        Claim("A003-5", "flame-graph top width 86 px without defers, 142 px with", {"px": "86/142"},
              reason=PRIVATE, why="pixel widths of the article's own flame graphs"),
        Claim("A003-6", "deferproc takes three parameters (siz, argp, fn)", {"parameters": 3},
              params_judge("deferproc")),
        Claim("A003-7", "walking the defer chain at goroutine exit costs 8.2 ns per node (48 B "
              "nodes, Xeon Gold 6248R)", {"ns": 8.2, "GHz": (3.0, 4.0), "node B": 48}, a003_7),
        Claim("A003-8", "a goroutine registering 10^4 defers holds its P for milliseconds",
              {"defers": 1e4, "ms": 1}, a003_8),
        Claim("A003-9", "debug/bench/prod builds: 12.8/8.3/7.1 ms mean, 41.2/22.6/18.9 ms P99 at "
              "10k QPS", "table", reason=PRIVATE, why="the author's service"),
        Claim("A003-10", "the average runnable delay of a G exceeds 3 ms in a defer-heavy service "
              "(the table's normal value is lost from the article's text)", {"heavy ms": 3},
              a003_10),
        Claim("A003-10t", "the average runnable delay exceeds 3 ms with defer-heavy goroutines "
              "(judged on S3's execution traces)", {"heavy ms": 3}, a003_10t),
        Claim("A003-11", "deferproc > 92% of CPU samples; > 5*10^4 defers/s per G; P idle > 40% "
              "during load",
              {"%": 92}, reason=PRIVATE, why="the author's service profile"),
        Claim("A003-12", "old defer code added 12-18 ns of stack scanning per goroutine switch; "
              "Go 1.21's runtime.SetDeferStack", {"ns": "12-18"}, reason=PRIVATE,
              why="the service figures are the author's; SetDeferStack would be a Go 1.21 API "
              "(not in Go's API here: %s)" % "see A003-22"),
        Claim("A003-13", "since Go 1.19 defer records sit in a two-level m.deferpool cache; P99 "
              "217 -> 89 ns on a 64-core ARM server", {"ns": "217/89"}, a003_13),
        Claim("A003-14", "Go 1.18: 43 ns per defer allocation (malloc + GC scan), +17% GC load",
              {"ns": 43, "Go": "1.18", "GC %": 17}, a003_14),
        Claim("A003-15", "Go 1.21: 3.2 ns per defer (8.4% -> 0.9% of the time); 1.23-dev: "
              "0.7 ns", {"ns": "3.2/0.7"}, reason=GO_VERSION,
              why="needs Go 1.21 and a 1.23 development build; Go here is 1.19"),
        Claim("A003-16", "Go 1.22 adds syscall/js.Defer for WebAssembly", {"Go": "1.22"},
              reason=GO_VERSION, why="an API of a later Go version; Go here is 1.19"),
        Claim("A003-17", "deferproc allocates every _defer with mallocgc, never on the stack",
              "heap", a003_17),
        Claim("A003-18", "newdefer allocates from g.pcache or the mcache", "pcache/mcache",
              a003_18),
        Claim("A003-19", "deferproc's allocation can park the G onto the global queue, "
              "bypassing runnext", "global queue", a003_19),
        Claim("A003-20", "g.sched is at offset 0 of g, g._defer at 56, g.stack at 120 (Go 1.22+)",
              {"sched": 0, "_defer": 56, "stack": 120, "Go": "1.22+"}, a003_20),
        Claim("A003-21", "closures of deferproc can read reused stack memory after preemption",
              "dirty data", a003_21),
        Claim("A003-22", "SSA pass deferinline; GODEBUG=defertrace; GOEXPERIMENT=deferstack",
              "names", a003_22),
        Claim("A003-23", "go tool trace shows G starvation (Runnable > 2 ms); its network "
              "blocking profile shows deferproc > 92% of the samples", {"%": 92}, a003_23),
        Claim("A003-23t", "the trace shows G starvation: many Gs Runnable over 2 ms without "
              "running (judged on S3's execution traces)", {"ms": 2}, a003_23t),
        Claim("A003-24", "GMP schedules cooperatively, without preemption: a G gives up its P "
              "only at yield points (channels, syscalls, GC), not on time slices",
              "cooperative", a003_24),
        Claim("A003-25", "a G blocked in net.Conn.Read makes its M leave the P and sleep",
              "M unbinds", a003_25),
        Claim("A003-26", "the compiler lowers every defer to runtime.deferproc during SSA "
              "generation", "SSA -> deferproc", a003_26),
        Claim("A003-27", "deferproc attaches the chain to g._defer (d.link = gp._defer; "
              "gp._defer = d), on the first defer", "g._defer", a003_27),
        Claim("A003-28", "deferproc calls runtime.deferpoolgc() when the P's pool is full",
              "deferpoolgc", a003_28),
        Claim("A003-29", "the runnext path: schedule -> findrunnable -> runqget -> runqsteal; "
              "runqget reads p.runnext with atomic.Loaduintptr", "names", a003_29),
        Claim("A003-30", "GC marking misses _defer records' cross-generation references "
              "(gcmarknewobject, gcDrain(wb *workbuf), throw \"workbuf is not empty\")",
              "generational", a003_30),
        Claim("A003-31", "go:linkname deferproc(uintptr, unsafe.Pointer) int: a size, a pointer "
              "and a queued flag", {"parameters": 2, "returns": "int"}, a003_31),
        Claim("A003-32", "a patch of runtime/proc.go's deferCleanup adds g.deferPriority and "
              "runqputpriority (p.runq split into runqhead/runqmid/runqtail)", "patch",
              a003_32),
        Claim("A003-33", "_defer fields: fn *funcval, link *_defer, sp uintptr, argp uintptr",
              {"types": {"fn": "*funcval", "link": "*_defer", "sp": "uintptr",
                         "argp": "uintptr"}}, a003_33),
        Claim("A003-34", "a newly started goroutine is queued in P.runnext", "runnext", a003_34),
        Claim("A003-35", "gcDrain is in src/runtime/proc.go", {"file": "runtime/proc.go"},
              a003_35),
        Claim("A003-36", "go tool trace has Goroutine analysis, Scheduler latency and Network "
              "blocking profile views", {"views": ["Goroutine analysis", "Scheduler latency",
                                                   "Network blocking profile"]}, a003_36),
        Claim("A003-37", "hotLoopWithDefer: a loop defer func(){}() inserts deferproc + "
              "deferreturn", "calls", a003_37),
        Claim("A003-38", "deferproc(fn *funcval, argp uintptr): d := newdefer(getcallersp()), "
              "d.sp = getcallersp(), d.argp = argp", {"parameters": 2}, a003_38),
        Claim("A003-39", "go run -gcflags=\"-l\" disables inlining; go tool trace -http=:8080; "
              "go tool pprof -http=:8080 -seconds=30", "flags", a003_39),
        Claim("A003-40", "defer o.Unlock() in processOrder is compiled (checked with "
              "-gcflags=\"-d=ssa/deadcode/debug=1\") to a CALL runtime.unlock just before RET, "
              "with no defer chain", "CALL runtime.unlock", a003_40),
        Claim("A003-41", "runtime.Gosched() triggers schedule() directly", "schedule()", a003_41),
        Claim("A003-42", "deferproc draws records from p.deferpool; when the P's cache is empty it "
              "switches to systemstack and calls mallocgc", "systemstack -> mallocgc", a003_42),
        Claim("A003-43", "gdb snapshot: G 17 _Grunnable at PC runtime.deferproc+0x1a2",
              {"offset": 0x1a2}, a003_43),
        Claim("A003-44", "argp is kept for a later deferargs copy of the arguments", "deferargs",
              a003_44),
        Claim("A003-45", "defer records are on the stack; a stack growth or an escape puts them "
              "on the heap", "stack -> heap", a003_45),
        Claim("A003-46", "_defer has fn and args fields (the GC marks them)",
              {"fields": ["fn", "args"]}, a003_46),
        Claim("A003-47", "deferproc's listing is src/runtime/panic.go#L472",
              {"file": "runtime/panic.go", "line": 472}, a003_47),
        Claim("A003-48", "a goroutine's exit cost is linear in its defer chain's length (T = D * "
              "tau + O(1))", {"ratio": 1.0}, linear_judge),
        Claim("A003-49", "//go:build debug (// +build debug) compiles the logging defer only with "
              "go build -tags=debug", "build tags", a003_49),
        Claim("A003-50", "a GC stack scan during gopark/goready may misjudge a deferred closure's "
              "references", "GC misjudgment", a003_50),
        Claim("A003-51", "a preempted G's chain is kept in g._defer and marked Gpreempted; a new M "
              "preallocates its records from m.deferpool", "Gpreempted/m.deferpool", a003_51),
        Claim("A003-52", "Go 1.22's syscall/js.Defer registers JS event-loop callbacks as "
              "m.nextwaitm wait sources", "m.nextwaitm", a003_52),
        Claim("A003-53", "after the fix (explicit pooled defers), Runnable latency in the trace "
              "drops by >= 90%", {"%": 90}, reason=PRIVATE,
              why="the author's fixed handler and its trace are not in the text"),
    ],
    "004": [
        Claim("A004-1", "closures capturing the loop variable print 3 3 3", {"prints": "3 3 3"},
              probe_eq("capture-by-reference")),
        Claim("A004-2", "passing i as a parameter prints 2 1 0", {"prints": "2 1 0"},
              probe_eq("capture-by-value")),
        Claim("A004-3", "escape table: basic local no, big struct/pointer yes, loop closures maybe",
              "table", a004_3),
        Claim("A004-4", "each defer becomes deferproc + deferreturn at the AST stage", "deferproc",
              a004_4),
        Claim("A004-5", "a conditional defer runs at function return, not block end",
              {"prints": "after-if deferred"}, probe_eq("conditional-true")),
        Claim("A004-6", "defer first; defer second prints second, first",
              {"prints": "third second first"}, probe_eq("lifo")),
        Claim("A004-7", "list_add_tail gives FIFO order (C code)", "FIFO",
              na="C kernel-style list code, no claim about Go's defer"),
        Claim("A004-8", "three defers print third, second, first", {"prints": "third second first"},
              probe_eq("lifo")),
        Claim("A004-9", "asm: deferproc, TESTL AX, length $7", {"$": 7}, a004_9b),
        Claim("A004-10", "defer: 3, 3, 3 and capture: 2, 1, 0", {"prints": "3 3 3"},
              probe_eq("capture-by-reference")),
        Claim("A004-11", "loop defers pile up until the function ends", "N pending", a004_11),
        Claim("A004-12", "the fixed version prints 0 1 2", {"prints": "0 1 2"},
              probe_eq("capture-by-value")),
        Claim("A004-13", "referencing the outer variable is a data race", "race", a004_13),
        Claim("A004-14", "i := i inside the loop fixes it", {"prints": "2 1 0"},
              probe_eq("capture-redeclare")),
        Claim("A004-15", "x := new(int) captured by a defer is forced to the heap",
              {"escapes": True}, esc("new(int)")),
        Claim("A004-16", "a defer capturing a stack variable escapes; defer recover() no escape",
              "table", a004_16),
        Claim("A004-17", "x := 42 captured stays on the stack", {"prints": "43"}, a004_17),
        Claim("A004-18", "x := &struct{data [1024]int}{} escapes (8 KB)", {"escapes": True},
              esc("&struct { data [1024]int }{}")),
        Claim("A004-19", "heap-escaping defers cost more and load the GC", "higher", a004_19),
        Claim("A004-20", "a simple defer becomes a direct call before return", {"returns": "42"},
              a004_20),
        Claim("A004-21", "multiple or conditional defers cannot be optimized", "not optimized",
              a004_21),
        Claim("A004-22", "a loop defer 1000 times goes through the heap", "heap", a004_22),
        Claim("A004-23", "each defer creates a _defer record in the current stack frame",
              "stack", a000_34),
        Claim("A004-24", "a _defer holds the function, its arguments, an execution flag and "
              "the link", {"fields": ["fn", "args", "started", "link"]}, a004_24),
        Claim("A004-25", "each stack frame starts an empty _defer chain of its own", "per frame",
              a004_25),
        Claim("A004-26", "a defer's arguments are evaluated when the defer statement runs",
              {"prints": "30 20 10"}, probe_eq("loop-arguments")),
        Claim("A004-27", "deferproc's arguments go on the stack: MOVQ AX, 0(SP); MOVQ $7, 8(SP)",
              "0(SP)/8(SP)", a004_27),
        Claim("A004-28", "with several return paths the defer overhead stays (not optimized)",
              "not optimized", a004_28),
        Claim("A004-29", "wrapping each iteration's defer in a closure keeps it off the heap",
              "not heap", a004_29),
        offtopic("A004-X", "closing chapter: monitoring case (MTTR, 3 sigma, load-level latency "
                 "table)"),
    ],
}
