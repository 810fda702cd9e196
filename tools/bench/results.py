"""Reads the raw results that tools/bench/run.sh leaves in its output folder.

Everything the report says comes from these files; nothing is typed in.
"""
import json
import os
import re
import statistics


class Results:
    def __init__(self, out, root):
        self.out = out
        self.root = root
        self.gort_ns, self.gort_counters = self._read_gort(out)
        self.go_ns, self.go_bytes, self.go_allocs = self._read_go(os.path.join(out, "go.txt"))
        self.callgrind = self._read_callgrind(os.path.join(out, "callgrind.txt"))
        self.probe_gort = self._read_probes(os.path.join(out, "probes-gort.txt"))
        self.probe_go = self._read_probes(os.path.join(out, "probes-go.txt"))
        self.go_defer_kinds = self._read_defer_kinds()
        self.go_escape = self._read_lines("probes-go-escape.txt")
        self.go_inline = self._read_lines("probes-go-inline.txt")
        self.go_asm = self._read_asm()
        race = os.path.join(out, "probes-go-race.txt")
        self.go_race = self._read_lines("probes-go-race.txt") if os.path.exists(race) else None
        self.machine = self._read_machine()

    # --- raw files --------------------------------------------------------------------------

    def _read_gort(self, out):
        """Median over the rounds (gort-<round>.json) of each case's time; counters of the last."""
        import glob
        times, counters = {}, {}
        for path in sorted(glob.glob(os.path.join(out, "gort-*.json"))):
            with open(path) as f:
                data = json.load(f)
            for b in data["benchmarks"]:
                if b.get("run_type") == "aggregate":
                    continue
                name = b["name"]
                scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
                times.setdefault(name, []).append(b["real_time"] * scale)
                counters[name] = {k: v for k, v in b.items() if "/op" in k}
        return {k: statistics.median(v) for k, v in times.items()}, counters

    def _read_go(self, path):
        runs = {}
        line_re = re.compile(
            r"^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+(\d+) B/op\s+(\d+) allocs/op)?")
        with open(path) as f:
            for line in f:
                m = line_re.match(line)
                if not m:
                    continue
                r = runs.setdefault(m.group(1), ([], [], []))
                r[0].append(float(m.group(2)))
                if m.group(3) is not None:
                    r[1].append(int(m.group(3)))
                    r[2].append(int(m.group(4)))
        ns = {k: statistics.median(v[0]) for k, v in runs.items()}
        by = {k: statistics.median(v[1]) for k, v in runs.items() if v[1]}
        al = {k: statistics.median(v[2]) for k, v in runs.items() if v[2]}
        return ns, by, al

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
        return self.gort_counters.get(name, {}).get(key, 0.0)

    def go_per_defer(self, n):
        """Go's cost of one defer in a function with n defers written out, over direct calls."""
        return (self.go("BenchmarkDeferN%d" % n) - self.go("BenchmarkNoDeferN%d" % n)) / n

    def gort_per_defer(self, n):
        return (self.gort("BM_GortDeferN/%d" % n) - self.gort("BM_ManualDeferN/%d" % n)) / n

    def go_loop_per_defer(self, n):
        return (self.go("BenchmarkLoopDefer/%d" % n) - self.go("BenchmarkNoDeferLoop/%d" % n)) / n

    def asm_instructions(self, func):
        """Instructions in a Go function's -S listing (PCDATA/FUNCDATA pseudo-ops excluded)."""
        count = 0
        for line in self.go_asm.get(func, [])[1:]:
            parts = line.split("\t")
            op = parts[3].split()[0] if len(parts) > 3 and parts[3].split() else ""
            if op and op not in ("PCDATA", "FUNCDATA", "TEXT"):
                count += 1
        return count

    def asm_calls(self, func, target):
        return sum(1 for line in self.go_asm.get(func, []) if "CALL" in line and target in line)

    def escape_line(self, fragment):
        for line in self.go_escape:
            if fragment in line:
                return line.split(": ", 1)[1] if ": " in line else line
        return "(no line)"
