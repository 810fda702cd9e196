#!/usr/bin/env python3
"""Unit test of the claim judges (tools/bench/claims.py), without a bench run.

The judges read a snapshot of one run's results (tools/bench/testdata/results.json: the parsed
figures, not raw files; refresh it with `python3 tools/bench/test_claims.py --snapshot report`
after a `make bench`). Each judge is run on the snapshot with one piece of its evidence altered
at a time (a figure scaled, a probe's output, a kind of defer, an assembly listing, an escape
line, the tolerance, ...); the test fails for a judge whose verdict never changes: a rule that
cannot come out two ways is a constant, not a verdict. Run: python3 -m unittest test_claims
(from tools/bench), or `make test` / ctest -R bench_claims.
"""
import copy
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import claims  # noqa: E402
from results import MissingResult, Results, Strict  # noqa: E402

SNAPSHOT = os.path.join(HERE, "testdata", "results.json")
DICTS = ("gort_ns", "go_ns", "go_bytes", "go_allocs", "callgrind", "probe_gort", "probe_go",
         "machine", "go_defer_kinds", "go_asm", "gort_counters", "go_metrics", "go_source",
         "probe_rt", "gctrace", "probe_cgo", "pprof", "stw",
         "trace_events", "go_noopen", "trace_views", "trace_runnable", "probe_spin",
         "go_asmhdr", "probe_perf", "probe_recipes", "s0_profile", "s3_trace")
LISTS = ("go_escape", "go_inline", "go_race", "s3_runs", "s2_runs")


def snapshot(out_dir, root):
    r = Results(out_dir, root)
    data = {k: getattr(r, k) for k in DICTS + LISTS}
    data["func_at"] = {str(k): v for k, v in r.func_at.items()}
    data["s3_runs"] = [r.s3(i, p, b) for i in ("gort", "go") for p in (1, 2)
                       for b in ("none", "plain", "defer")]
    for x, (i, p, b) in zip(data["s3_runs"], [(i, p, b) for i in ("gort", "go") for p in (1, 2)
                                              for b in ("none", "plain", "defer")]):
        x.update(impl=i, procs=p, background=b)
    os.makedirs(os.path.dirname(SNAPSHOT), exist_ok=True)
    with open(SNAPSHOT, "w") as f:
        json.dump(data, f, indent=0, sort_keys=True, ensure_ascii=False)


class Tracked(Strict):
    """A Strict dict that records which keys a judge read (into the shared set `seen`)."""

    def __init__(self, label, data, seen):
        super().__init__(label, data)
        self.seen = seen

    def __getitem__(self, k):
        self.seen.add((self.label, k))
        return super().__getitem__(k)

    def get(self, k, default=None):
        self.seen.add((self.label, k))
        return super().get(k, default)

    def __contains__(self, k):
        self.seen.add((self.label, k))
        return super().__contains__(k)


class Fake(Results):
    """Results from a snapshot; the rounds' spread is the fixed tolerance `tol`."""

    def __init__(self, data, seen, tol=0.05):
        self.seen, self.tol = seen, tol
        for k in DICTS:
            v = data[k]
            if k == "gort_counters":
                v = {n: Tracked("%s/%s" % (k, n), c, seen) for n, c in v.items()}
            setattr(self, k, Tracked(k, v, seen))
        for k in LISTS:
            setattr(self, k, data[k])
        self.func_at = {int(k): v for k, v in data["func_at"].items()}

    def spread(self, expr):
        expr(self)
        return self.tol

    def s3_spread(self, expr, impl_configs):
        return self.tol

    def s2_spread(self, expr, configs):
        expr(*[self.s2(*c) for c in configs])
        return self.tol


SCALES = (0.01, 0.3, 0.5, 0.8, 1.1, 1.25, 1.4, 1.5, 1.75, 2.0, 2.5, 3.0, 100.0)
STRINGS = ("3 3 3", "30 30 30", "30 20 10", "0 1 2", "2 1 0", "first second third",
           "third second first", "deferred after-if", "recovered-p", "true", "false", "7",
           "keep the symbol table")
KINDS = (["heap-allocated"], ["stack-allocated"], ["open-coded"], [])
ASM_EXTRA = ("\t0x0000 00000 (./probes.go:1)\tCALL\truntime.deferproc(SB)",
             "\t0x0000 00000 (./probes.go:1)\tCALL\truntime.deferreturn(SB)",
             "\t0x0000 00000 (./probes.go:1)\tCALL\tmain.cleanup(SB)",
             "\t0x0000 00000 (./probes.go:1)\tCALL\truntime.newobject(SB)",
             "\t0x0000 00000 (./probes.go:1)\tMOVQ\truntime::deferx(SB), AX",
             "\t0x0000 00000 (./probes.go:1)\tCALL\truntime.reflectcall(SB)")


SOURCE_LINES = ("deferpool []*_defer", "pcache", "mcache", "m.deferpool", "globrunqput(gp)",
                "runqput(pp, gp, true)", "siz int32", "argp uintptr", "link *_defer",
                "fn *funcval", "const maxOpenDefers = 8", "adjustdefers", "p := gp._panic",
                "func (m *Mutex) Close() error {",
                # a gopanic that runs a write barrier of its own (article 000)
                "if writeBarrier.enabled {")


STRUCT_ALT = ("type _defer struct {", "started bool", "link *_defer", "fn *funcval",
              "args unsafe.Pointer", "siz int32", "sp uintptr", "pc uintptr", "argp uintptr",
              "fp uintptr", "}")
# a g holding its defers the way article 000 says
STRUCT_G_ALT = ("type g struct {", "_defer *_defer", "deferpool []*_defer", "deferptr *_defer",
                "}")
# the _defer article 001 describes, declared where it says (runtime/panic.go)
STRUCT_PANIC_GO = ("type _defer struct {", "link *_defer", "fn *funcval", "framepc uintptr",
                   "framesp uintptr", "framefp uintptr", "argp unsafe.Pointer", "argc int32",
                   "newstack bool", "}")


# a gctrace line of Go 1.19's format, with a stop-the-world pause of 0.21 ms
GC_LINE = ("gc 9 @0.100s 1%: 0.200+0.10+0.010 ms clock, 0.40+0/0/0+0.020 ms cpu, 4->4->0 MB, "
           "5 MB goal, 0 MB stacks, 0 MB globals, 2 P")


def toggle_line(line):
    for a, b in (("does not escape", "escapes to heap"), ("escapes to heap", "does not escape"),
                 ("moved to heap", "kept on stack"), ("cannot inline", "can inline")):
        if a in line:
            return line.replace(a, b)
    return line


def variants(data, seen):
    """Copies of the snapshot, each with one piece of what a judge read altered."""
    for label, key in sorted(seen, key=str):
        top, _, sub = label.partition("/")
        table = data[top][sub] if sub else data[top]
        if key not in table:
            continue
        v = table[key]
        alts = []
        if isinstance(v, bool):
            alts = [not v]
        elif isinstance(v, (int, float)):
            alts = [v * s for s in SCALES] + ([1.0, 50.0, 2400.0] if v == 0 else [0])
            if top in ("s0_profile", "s3_trace"):  # rates and latencies span decades
                alts += [v * 10 ** (k / 4) for k in range(-16, 17) if k]
        elif isinstance(v, str) and top == "machine":
            alts = ["go version go1.23.0 linux/amd64"] if key == "go" else [
                str(float(v) * s) for s in (0.2, 5.0)]
        elif isinstance(v, str):
            alts = [s for s in STRINGS if s != v] + sorted(
                set(x for x in data[top].values() if isinstance(x, str)) - {v})
        elif top == "go_defer_kinds":
            alts = [k for k in KINDS if k != v]
        elif top == "go_source":
            alts = [[], ["x.go:1: func %s(siz int32, fn *funcval) {" % key.split()[0]],
                    ["x.go:1: func %s(a, b, c int) {" % key.split()[0]],
                    # one parameter (article 000's deferreturn(arg0 uintptr)), and a function
                    # declared in runtime/proc.go (article 003's gcDrain)
                    ["x.go:1: func %s(arg0 uintptr) {" % key.split()[0]],
                    ["runtime/proc.go:1: func %s(wb *workbuf) {" % key.split()[0]],
                    # declared at the line article 003 cites (panic.go#L472)
                    ["runtime/panic.go:472: func %s(fn func()) {" % key.split()[0]],
                    # a compiler that lowers the statements after its SSA passes (article 000)
                    ["x.go:%d: %s" % (i, l) for i, l in enumerate(
                        ("func buildssa() {", "ssa.Compile(s.f)", "s.stmtList(fn.Body)", "}"))],
                    ["x.go:1: " + l for l in SOURCE_LINES],
                    ["x.go:%d: %s" % (i, l) for i, l in enumerate(STRUCT_ALT)],
                    ["runtime/panic.go:%d: %s" % (i, l) for i, l in enumerate(STRUCT_PANIC_GO)],
                    ["x.go:%d: %s" % (i, l) for i, l in enumerate(STRUCT_G_ALT)]]
        elif top == "go_asm":
            alts = [["main.%s STEXT size=1 args=0x18 locals=0x20" % key]]
            alts += [v + [e] for e in ASM_EXTRA] + [v + [e, e] for e in ASM_EXTRA]
            alts += [v[:n] for n in range(1, len(v), 3)]
            # an immediate loaded, or a store to the stack, just before each deferproc call
            for imm in ("$3, BX", "$7, BX", "AX, (SP)"):
                alts.append(sum(([("\t0x0000 00000 (x.go:1)\tMOVQ\t%s" % imm), l]
                                 if "runtime.deferproc(SB)" in l else [l] for l in v), []))
        elif isinstance(v, list) and v and all(isinstance(x, (int, float)) for x in v):
            alts = [[x * sc for x in v] for sc in SCALES]
        elif isinstance(v, dict):
            alts = [dict(v, **{ck: cv * s if cv else s}) for ck, cv in v.items()
                    if isinstance(cv, (int, float)) and not isinstance(cv, bool)
                    for s in (SCALES + (0,) if cv else (1, 50))]
            alts += [dict(v, **{ck: alt}) for ck, cv in v.items() if isinstance(cv, list)
                     for alt in ([], cv + [(cv[0] if cv else "") + " defer: 1 ns"],
                                 cv + ["minor gc 1 @0.001s"], cv + [GC_LINE])]
        for a in alts:
            d = copy.deepcopy(data)
            (d[top][sub] if sub else d[top])[key] = a
            yield d
    # the lists, whole: emptied, lines toggled, a race report added
    for k in ("go_escape", "go_inline"):
        alts = [[], [toggle_line(l) for l in data[k]]]
        alts += [data[k][:i] + [toggle_line(l)] + data[k][i + 1:]
                 for i, l in enumerate(data[k]) if toggle_line(l) != l]
        for alt in alts:
            d = copy.deepcopy(data)
            d[k] = alt
            yield d
    # every listing at once: deferreturn reached through a register instead of a direct call
    d = copy.deepcopy(data)
    for fn, listing in d["go_asm"].items():
        d["go_asm"][fn] = sum(([l.replace("CALL\truntime.deferreturn(SB)",
                                          "LEAQ\truntime.deferreturn(SB), AX"),
                                "\t0x0000 00000 (x.go:1)\tCALL\tAX"]
                               if "CALL\truntime.deferreturn(SB)" in l else [l]
                               for l in listing), [])
    yield d
    for alt in (["WARNING: DATA RACE"], []):
        d = copy.deepcopy(data)
        d["go_race"] = alt
        yield d
    # every numeric figure of every S3 configuration, scaled
    for i, run in enumerate(data["s3_runs"]):
        for k, v in run.items():
            leaves = v.items() if isinstance(v, dict) else [(None, v)]
            for q, x in leaves:
                if not isinstance(x, (int, float)) or isinstance(x, bool):
                    continue
                for s in (0.01, 100.0):
                    d = copy.deepcopy(data)
                    if q is None:
                        d["s3_runs"][i][k] = x * s
                    else:
                        d["s3_runs"][i][k][q] = x * s
                    yield d
    yield from s2_variants(data)


def s2_variants(data):
    """S2 runs of Go at P=2 under 100 connections (the judges' configuration) with one figure
    scaled, and every Go run given errors."""
    for i, run in enumerate(data.get("s2_runs", [])):
        if run.get("failed") or run["server"] != "go":
            continue
        if run["procs"] == 2 and run["conns"] == 100:
            for k in ("requests", "p99_us", "mean_us"):
                for s in (0.01, 100.0):
                    d = copy.deepcopy(data)
                    d["s2_runs"][i][k] = run[k] * s
                    yield d
        d = copy.deepcopy(data)
        d["s2_runs"][i]["err_status"] = run["err_status"] + 1000
        yield d


def verdicts_of(claim, data):
    seen = set()
    base = claim.evaluate(Fake(data, seen))[0]
    out = {base}
    for d in variants(data, seen):
        for tol in (0.05, 0.0, 0.3, 3.0):
            try:
                out.add(claim.evaluate(Fake(d, set(), tol))[0])
            except (MissingResult, ZeroDivisionError, ValueError, IndexError):
                pass
        if len(out) >= 2:
            break
    return base, out


class _Noisy:
    """A run whose rounds disagree by ±80%."""

    def spread(self, expr):
        return 0.8


NOISY_RUN = _Noisy()


class JudgesCanFail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SNAPSHOT) as f:
            cls.data = json.load(f)

    def test_every_judge_has_two_outcomes(self):
        constant = []
        for article, cs in claims.CLAIMS.items():
            for c in cs:
                if c.judge is None:
                    continue
                with self.subTest(claim=c.cid):
                    base, out = verdicts_of(c, self.data)
                    if len(out) < 2:
                        constant.append("%s (always %s)" % (c.cid, base))
        self.assertEqual(constant, [], "judges whose verdict never changes")

    def test_missing_result_is_named(self):
        c = next(c for c in claims.CLAIMS["000"] if c.cid == "A000-3")
        d = copy.deepcopy(self.data)
        del d["go_bytes"]["BenchmarkDefer"]
        with self.assertRaises(MissingResult) as e:
            c.evaluate(Fake(d, set()))
        self.assertIn("BenchmarkDefer", str(e.exception))

    def test_rows_without_judge_say_why(self):
        for article in ("000", "001", "002", "003", "004"):
            self.assertTrue(claims.CLAIMS.get(article), "article %s has no rows" % article)
            for c in claims.CLAIMS[article]:
                if c.judge is None and c.na is None:
                    self.assertIn(c.reason, claims.REASONS, c.cid)
                    self.assertTrue(c.why, c.cid)

    def test_no_judge_is_defined_twice(self):
        # a second def of a judge's name silently replaces the first for every row using it
        import re
        with open(os.path.join(HERE, "claims.py")) as f:
            names = re.findall(r"^def (\w+)", f.read(), re.M)
        self.assertEqual(sorted(n for n in set(names) if names.count(n) > 1), [])

    def test_parts_vocabulary(self):
        self.assertEqual(claims.parts((True, "a"))[0], claims.CONFIRMED)
        self.assertEqual(claims.parts((True, "a"), (False, "b"))[0], claims.PARTLY)
        self.assertEqual(claims.parts((False, "b"))[0], claims.REFUTED)
        self.assertEqual(claims.parts((True, "a"), ("why", "c"))[0], claims.UNVERIFIABLE)
        self.assertEqual(claims.parts((False, "a"), ("why", "c"))[0], claims.REFUTED)

    def test_agree_uses_the_tolerance(self):
        self.assertFalse(claims.agree(1.0, 0.1, 1.5))
        self.assertTrue(claims.agree(1.0, 0.6, 1.5))
        self.assertTrue(claims.agree(1.0, 0.0, 0.5, 2.0))

    def test_spread_is_the_narrowest_window_holding_every_round(self):
        from results import deviation
        self.assertAlmostEqual(deviation([1.0, 2.0], 1.5), 1 / 3)
        self.assertAlmostEqual(deviation([0.7, 1.0, 1.2], 1.0), 0.3)
        self.assertEqual(deviation([3.0], 3.0), 0.0)

    def test_noise_cannot_hide_a_refutation(self):
        # a claimed figure outside even a wide window is refuted; inside one, too noisy
        self.assertIs(claims.decided(claims.agree(1.0, 0.8, 5.0), 0.8), False)
        self.assertIsInstance(claims.decided(claims.agree(1.0, 0.8, 1.5), 0.8), str)
        self.assertIs(claims.decided(claims.agree(1.0, 0.3, 1.2), 0.3), True)
        self.assertIs(claims.above(-1.0, 0.8, 0), False)
        self.assertIsInstance(claims.above(1.0, 0.8, 0), str)
        self.assertIsInstance(claims.above(1.0, 1.5, 0), str)
        self.assertIs(claims.above(1.0, 0.3, 0), True)
        part = claims.ratio_part(NOISY_RUN, "x", 5.0, lambda v: 1.0)
        self.assertIs(part[0], False, part[1])


class AttributionJudges(unittest.TestCase):
    """The judges of the attribution half (CPU profiles, S3 traces) each way, on the snapshot
    with one figure set to a value that must flip the verdict."""

    @classmethod
    def setUpClass(cls):
        with open(SNAPSHOT) as f:
            cls.data = json.load(f)

    def verdict(self, cid, **changes):
        c = next(c for cs in claims.CLAIMS.values() for c in cs if c.cid == cid)
        d = copy.deepcopy(self.data)
        for key, value in changes.items():
            table, _, k = key.partition(":")
            d[table][k] = value
        return c.evaluate(Fake(d, set()))[0]

    def test_profile_share_either_way(self):
        p = self.data["s0_profile"]
        share = p["go machinery s"] / p["go samples s"]
        # the rate at which the profiled machinery would be 10% of a core at 10^4 defers/s
        rate = share * 1e4 / 0.10
        self.assertEqual(self.verdict("A000-1p", **{"s0_profile:go defers/s": rate}),
                         claims.CONFIRMED)
        self.assertEqual(self.verdict("A000-1p", **{"s0_profile:go defers/s": rate * 100}),
                         claims.REFUTED)
        self.assertEqual(self.verdict("A000-1p", **{"s0_profile:go defers/s": rate / 100}),
                         claims.REFUTED)

    def test_wakeup_ratio_either_way(self):
        base = self.data["s3_trace"]["go none wakeup p50"]
        self.assertEqual(self.verdict("A003-3t", **{"s3_trace:go defer wakeup p50": base * 3.2 / 1.3}),
                         claims.CONFIRMED)
        self.assertEqual(self.verdict("A003-3t", **{"s3_trace:go defer wakeup p50": base * 0.5}),
                         claims.REFUTED)

    def test_starvation_either_way(self):
        self.assertEqual(self.verdict("A003-23t", **{"s3_trace:go defer all max": 5e6,
                                                     "s3_trace:go defer all p90": 3e6}),
                         claims.CONFIRMED)
        self.assertEqual(self.verdict("A003-23t", **{"s3_trace:go defer all max": 1e6,
                                                     "s3_trace:go defer all p90": 1e5}),
                         claims.REFUTED)

    def test_mean_runnable_delay_either_way(self):
        self.assertEqual(self.verdict("A003-10t", **{"s3_trace:go defer all mean": 1e7}),
                         claims.UNVERIFIABLE)
        self.assertEqual(self.verdict("A003-10t", **{"s3_trace:go defer all mean": 1e5}),
                         claims.REFUTED)

    def test_machinery_frames(self):
        from results import Results as R
        self.assertTrue(R.machinery("go", ("runtime.releasem (inline)", "runtime.newdefer",
                                           "runtime.deferproc", "main.f")))
        self.assertFalse(R.machinery("go", ("main.cleanup", "runtime.deferreturn", "main.f")))
        self.assertFalse(R.machinery("go", ("runtime.scanobject", "runtime.gcDrain")))
        self.assertTrue(R.machinery("gort", ("gort::internal::defer_ops::run",
                                             "gort::frame::run_rest", "gort_bench::f")))
        self.assertTrue(R.machinery("gort", ("gort::internal::func_result::type gort::func",
                                             "gort_bench::gort_loop_plain")))
        self.assertFalse(R.machinery("gort", ("gort_bench::cleanup", "gort::frame::run_rest")))
        self.assertFalse(R.machinery("gort", ("gort::internal::schedule", "gort_start_fresh")))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--snapshot":
        snapshot(sys.argv[2], os.path.dirname(os.path.dirname(HERE)))
        sys.exit(0)
    unittest.main()
